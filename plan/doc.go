// Package plan computes what apply must do: desired (spec) x state x live (Blazar) -> Plan.
//
// It is level-based, like a controller's reconcile: the plan is derived from what is observed
// now plus the state, never from what an earlier run intended. It makes no calls and does no
// I/O: the caller lists the live leases (one call per site) and passes them in, and renders the
// Plan with the text, JSON or markdown renderers.
//
// Invariants:
//   - A lease the state does not know is never touched, except the lease an interrupted apply
//     of ours created (an intent without an ID), which is adopted instead of created again:
//     only when the intent's create was sent, the lease was created after it by this user and
//     has the declared reservations, and no other lease fits. A live lease with a planned
//     create's name that the state does not know stops the plan (-allow-duplicate-name).
//   - A tracked lease that has not reached its `wait: active` goal is listed in Await, and
//     counts as a change.
//   - Names never identify a lease the state knows: Blazar allows duplicate names.
//   - Applying a plan and planning again yields no changes (checked by the golden tests).
//   - A saved plan is applied only while it still describes the world: CheckStateFresh and
//     CheckLiveFresh return a *StaleError (or a *NotOwnedError for an edited file) otherwise.
//   - Every change carries an ActionReason for programs beside its Reasons for people.
//   - Reservation keys pair with live reservations by one rule, Match (by state ID, then
//     type, then constraints and count), in plan, apply and import alike; a pairing Match
//     cannot make is an error, never a guess.
//   - Request bodies are typed (spec.ReservationBody) from compile to the saved plan; the
//     saved plan's JSON keeps the shape of Blazar's request objects.
//   - import (MatchImport, Import) records a lease under a key only when each reservation of
//     the entry fits exactly one of the lease's; ambiguity is an *ImportError.
//   - Availability is a stage after Build (capacity.go, earliest.go): ResolveEarliest picks the
//     start of `start: earliest` creates and CheckAvailability annotates creates, replacements,
//     growth and window changes with package avail's verdicts, from inventories the caller
//     read. Neither changes what Build decided, except the start and end of such a create.
package plan
