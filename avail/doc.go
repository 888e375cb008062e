// Package avail answers "will this reservation fit?" before Blazar is asked: it evaluates a
// reservation's resource query against a site's inventory exactly as Blazar does, counts what
// is free over a window from the site's allocations, finds the earliest window at which a set
// of reservations fits, pre-checks extensions, and holds Chameleon's lease policy as data.
//
// It makes no calls and does no I/O: the caller fetches each site's inventory and allocations
// once (cmd does, through the blazar clients) and passes them in as a Site.
//
// Invariants:
//   - Queries mean what they mean to Blazar (blazar/utils/plugins.py convert_requirements and
//     the host matching of blazar/db/sqlalchemy/api.py): a triple [op, "$key", "value"] or
//     ["and", ...] whose elements each contribute their first condition; ops == = != < <= > >=;
//     a table column compares with the column's type (numbers as numbers), an extra capability
//     always as a string; a resource lacking the capability never matches; a key that is
//     neither a column nor any resource's capability is Blazar's "... was not found" error.
//   - Only reservable, enabled resources are candidates, and a resource whose
//     authorized_projects capability is not empty only for the projects it lists.
//   - An allocation conflicts with a window when it overlaps the window widened by the site's
//     cleaning gap on both sides, ends included (Blazar's filter excludes only reservations
//     wholly before or wholly after the widened window).
//   - Reservations checked together compete: each takes its resources before the next is
//     counted, preferring resources that were never allocated (the fork's host choice).
//   - A growth needs the whole new amount free besides what the lease already holds (the
//     fork's rule); an extension keeps the lease's own resources (Blazar swaps no host).
//   - A lease is all or nothing: when one of its requests fails, or the lease breaks the
//     policy, the requests after it see none of its resources taken.
//   - Earliest tries only starts where the answer can change: not_before and the first minute
//     after each relevant booking's end and gap; a window list reports the first minute of
//     each stretch of fitting starts.
//   - Nothing here knows a site's name beyond the policy defaults, which are data.
package avail
