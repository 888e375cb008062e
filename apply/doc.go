// Package apply executes a plan.Plan against Blazar: it creates, updates,
// replaces and deletes leases, waits for them to become ACTIVE, and records
// every step in the state.
//
// In the pipeline it comes after plan: the CLI plans, shows the plan, takes
// the state lock, connects to each site, and calls Apply. apply prints
// nothing; progress goes to Options.Reporter as Events whose String is the
// line the CLI shows.
//
// Invariants:
//   - The state is saved (state.Store.Update) after every mutation, and a
//     create is preceded by a saved intent, so a crash or kill at any point
//     loses nothing: the next plan adopts a lease whose ID never reached
//     the state instead of creating a second one.
//   - A create is never retried blindly: after a transient failure apply
//     first lists the site's leases and adopts the lease of that name that
//     this user created after the intent, if there is one.
//   - Only transient errors (connection failures, 429, 502, 503, 504) are
//     retried, with backoff honouring Retry-After; no delay runs past the
//     -timeout, the wait's deadline or the context's: a longer Retry-After
//     ends the call with the reason. A permanent error stops
//     that lease's work with Blazar's own message; the other leases go on.
//   - Waiting costs one lease-list call per site per poll interval, whatever
//     the number of leases.
//   - Cancelling the context stops new work, but calls already sent finish
//     on a detached context, so that their result reaches the state.
//   - A create-before-destroy keeps the old lease in the state under
//     DeposedKey(key) until it is deleted: if that delete fails or the run
//     dies, the next plan sees it and deletes it.
package apply
