package plan

import (
	"strings"

	"github.com/chameleoncloud/leasefile/state"
)

// ActionReason says, in a word a program can match, why a change has its action, as
// Terraform's plans.ResourceInstanceChange.ActionReason does; Change.Reasons say it in
// sentences for people. It is "" for a NoOp.
type ActionReason string

// The reasons, by action.
const (
	ReasonNew            ActionReason = "new"               // create: the key is not in the state
	ReasonDeletedOutside ActionReason = "deleted_outside"   // create: the lease was deleted outside leasefile
	ReasonExpired        ActionReason = "expired"           // create: the lease is TERMINATED
	ReasonChanged        ActionReason = "changed"           // update: the Leasefile changed a field Blazar updates in place
	ReasonCannotUpdate   ActionReason = "cannot_update"     // replace: a field Blazar cannot update changed (ForcedBy)
	ReasonReplaceAsked   ActionReason = "replace_requested" // replace: -replace KEY
	ReasonDestroyAsked   ActionReason = "destroy_requested" // delete: destroy, or plan -destroy
	ReasonNotInLeasefile ActionReason = "not_in_leasefile"  // delete: the key left the Leasefile
	ReasonDeposed        ActionReason = "deposed"           // delete: the old lease of a create_before_destroy replacement
	ReasonOrphanedIntent ActionReason = "orphaned_intent"   // delete: an interrupted apply made it for a key no longer in the Leasefile
)

// setActionReasons gives every change of p its ActionReason, from what Build decided: the
// action, the fields forcing a replacement, the drift and adoptions found, and whether p
// destroys.
func (p *Plan) setActionReasons() {
	drift := map[string]DriftKind{}
	for _, d := range p.Drift {
		if d.Kind == DriftDeleted || d.Kind == DriftExpired {
			drift[d.Key] = d.Kind
		}
	}
	adopted := map[string]bool{}
	for _, a := range p.Adopt {
		adopted[a.Key] = true
	}
	for i := range p.Changes {
		ch := &p.Changes[i]
		ch.ActionReason = actionReason(ch, p.Destroy, drift[ch.Key], adopted[ch.Key])
	}
}

func actionReason(ch *Change, destroy bool, drift DriftKind, adopted bool) ActionReason {
	switch {
	case ch.Action == Create && drift == DriftDeleted:
		return ReasonDeletedOutside
	case ch.Action == Create && drift == DriftExpired:
		return ReasonExpired
	case ch.Action == Create:
		return ReasonNew
	case ch.Action == Update:
		return ReasonChanged
	case ch.Action.IsReplace() && len(ch.ForcedBy) > 0:
		return ReasonCannotUpdate
	case ch.Action.IsReplace():
		return ReasonReplaceAsked
	case ch.Action == Delete && destroy:
		return ReasonDestroyAsked
	case ch.Action == Delete && strings.HasSuffix(ch.Key, state.DeposedSuffix):
		return ReasonDeposed
	case ch.Action == Delete && adopted:
		return ReasonOrphanedIntent
	case ch.Action == Delete:
		return ReasonNotInLeasefile
	}
	return ""
}
