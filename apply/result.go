package apply

import (
	"fmt"
	"slices"
	"strings"

	"github.com/chameleoncloud/leasefile/plan"
)

// Result is what Apply did: one Outcome per lease whose change completed,
// one Failure per lease whose change did not. Leases not started because
// the run was cancelled are in neither.
type Result struct {
	Done   []Outcome
	Failed []Failure
	// Adopted lists the plan's adoptions (plan.Plan.Adopt): leases an
	// interrupted earlier apply created, now recorded under their keys.
	Adopted []Outcome
	// Total is how many changes (NoOp excluded) the plan asked for.
	Total int
}

// Outcome is one completed change. Status is the lease's last known status
// ("" once deleted).
type Outcome struct {
	Key, Site string
	Action    plan.Action
	LeaseID   string
	Status    string
}

// Failure is one lease whose change failed; Err carries Blazar's message.
type Failure struct {
	Key, Site string
	// Op is the operation that failed: OpCreate, OpUpdate, OpDelete or OpWait. When the
	// change failed before any call (its site not connected), it is the operation the
	// change would have started with; "" for a change apply does not know.
	Op  string
	Err error
	// Action is the change's action; NoOp for a lease the plan only waited for (plan.Await).
	// It is set when LeaseID is.
	Action plan.Action
	// Uncertain marks a create that failed transiently and whose lease may exist all the
	// same: looking for it failed too. The next plan finds and adopts it if so.
	Uncertain bool
	// LeaseID is the lease the change made or waited for when it exists despite the failure
	// (its wait or the correction of its end failed): a create that failed so still created
	// its lease, which the state records. "" when the change made nothing.
	LeaseID string
}

// The operations a Failure names. They match the operation names blazar.HintFor takes.
const (
	OpCreate = "create"
	OpUpdate = "update"
	OpDelete = "delete"
	OpWait   = "wait"
	// OpNetwork is the Neutron lookup of a floating IP network before a create.
	OpNetwork = "network"
)

// Error renders "training: <message>".
func (f Failure) Error() string { return f.Key + ": " + f.Err.Error() }

// Unwrap returns the underlying error, so blazar.IsKind works on it.
func (f Failure) Unwrap() error { return f.Err }

// Err summarises the failures, "2 of 5 leases failed: a: ...; b: ...", or
// returns nil when there is none.
func (r *Result) Err() error {
	if r == nil || len(r.Failed) == 0 {
		return nil
	}
	fs := slices.Clone(r.Failed)
	slices.SortFunc(fs, func(a, b Failure) int { return strings.Compare(a.Key, b.Key) })
	return &FailedError{Failures: fs, Total: max(r.Total, len(fs))}
}

// FailedError is Result.Err's error: several leases failed.
type FailedError struct {
	Failures []Failure
	Total    int
}

// Error lists every failure after the count.
func (e *FailedError) Error() string {
	parts := make([]string, len(e.Failures))
	for i, f := range e.Failures {
		parts[i] = f.Error()
	}
	noun := "leases"
	if e.Total == 1 {
		noun = "lease"
	}
	return fmt.Sprintf("%d of %d %s failed: %s", len(e.Failures), e.Total, noun, strings.Join(parts, "; "))
}

// Unwrap returns each failure, for errors.Is and errors.As.
func (e *FailedError) Unwrap() []error {
	out := make([]error, len(e.Failures))
	for i, f := range e.Failures {
		out[i] = f
	}
	return out
}
