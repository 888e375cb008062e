package plan

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestChangeWaitMode(t *testing.T) {
	later := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		ch   Change
		want string
	}{
		{"start now defaults to active", Change{Create: &CreateSpec{}}, "active"},
		{"future start defaults to created", Change{Create: &CreateSpec{Start: later}}, "created"},
		{"explicit wait wins over a future start", Change{Wait: "active", Create: &CreateSpec{Start: later}}, "active"},
		{"explicit none", Change{Wait: "none", Create: &CreateSpec{}}, "none"},
		{"no create", Change{Action: Update}, "active"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, tc.ch.WaitMode()); d != "" {
				t.Errorf("WaitMode (-want +got):\n%s", d)
			}
		})
	}
}

func TestHasDrift(t *testing.T) {
	for _, tc := range []struct {
		name           string
		p              Plan
		drift, changes bool
	}{
		{"empty", Plan{}, false, false},
		{"drift only", Plan{Drift: []Drift{{Key: "a", Kind: DriftDeleted}}}, true, false},
		{"changes only", Plan{Changes: []Change{{Key: "a", Action: Create}}}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := []bool{tc.p.HasDrift(), tc.p.HasChanges()}
			if d := cmp.Diff([]bool{tc.drift, tc.changes}, got); d != "" {
				t.Errorf("[HasDrift, HasChanges] (-want +got):\n%s", d)
			}
		})
	}
}
