package plan

import "testing"

// TestActionReason: each change's machine-readable reason follows from what Build decided.
func TestActionReason(t *testing.T) {
	p := &Plan{
		Drift: []Drift{{Key: "gone", Kind: DriftDeleted}, {Key: "old", Kind: DriftExpired}, {Key: "moved", Kind: DriftEnd}},
		Adopt: []Adoption{{Key: "orphan"}},
		Changes: []Change{
			{Key: "fresh", Action: Create},
			{Key: "gone", Action: Create},
			{Key: "old", Action: Create},
			{Key: "moved", Action: Update},
			{Key: "forced", Action: DeleteThenCreate, ForcedBy: []string{"reservations.n.node_type"}},
			{Key: "asked", Action: CreateThenDelete},
			{Key: "x~deposed", Action: Delete},
			{Key: "orphan", Action: Delete},
			{Key: "dropped", Action: Delete},
			{Key: "same", Action: NoOp},
		},
	}
	p.setActionReasons()
	want := []ActionReason{ReasonNew, ReasonDeletedOutside, ReasonExpired, ReasonChanged, ReasonCannotUpdate, ReasonReplaceAsked,
		ReasonDeposed, ReasonOrphanedIntent, ReasonNotInLeasefile, ""}
	for i, ch := range p.Changes {
		if ch.ActionReason != want[i] {
			t.Errorf("%s: %q, want %q", ch.Key, ch.ActionReason, want[i])
		}
	}
	p.Destroy = true
	p.setActionReasons()
	if got := p.Changes[8].ActionReason; got != ReasonDestroyAsked {
		t.Errorf("destroy: %q", got)
	}
}
