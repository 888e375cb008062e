package apply_test

import (
	"errors"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/apply"
	"github.com/google/go-cmp/cmp"
)

func TestEventString(t *testing.T) {
	for _, tc := range []struct {
		ev   apply.Event
		want string
	}{
		{apply.Event{Key: "training", Kind: apply.Creating}, "training: creating..."},
		{apply.Event{Key: "training", Kind: apply.Created, Status: "PENDING"}, "training: created (PENDING)"},
		{apply.Event{Key: "training", Kind: apply.Active, Elapsed: 72*time.Second + 300*time.Millisecond}, "training: ACTIVE after 1m12s"},
		{apply.Event{Key: "training", Kind: apply.StatusChanged, Status: "STARTING", Elapsed: 2 * time.Second}, "training: STARTING after 2s"},
		{apply.Event{Key: "training", Kind: apply.Updated}, "training: updated"},
		{apply.Event{Key: "training", Kind: apply.Deleted}, "training: deleted"},
		{apply.Event{Key: "training", Kind: apply.Deleted, Message: "already gone"}, "training: deleted (already gone)"},
		{apply.Event{Key: "training", Kind: apply.Replaced}, "training: replaced"},
		{apply.Event{Key: "training", Kind: apply.Adopted}, "training: adopted"},
		{apply.Event{Kind: apply.StillWaiting, Message: "training, gpus", Elapsed: 30 * time.Second}, "Still waiting for training, gpus... [30s elapsed]"},
		{apply.Event{Key: "training", Kind: apply.Failed, Err: errors.New("Not enough hosts available")}, "training: failed: Not enough hosts available"},
	} {
		if d := cmp.Diff(tc.want, tc.ev.String()); d != "" {
			t.Errorf("kind %d (-want +got):\n%s", tc.ev.Kind, d)
		}
	}
}

func TestResultErr(t *testing.T) {
	if err := (&apply.Result{Total: 3}).Err(); err != nil {
		t.Errorf("no failures: Err() = %v", err)
	}
	r := &apply.Result{Total: 5, Failed: []apply.Failure{
		{Key: "b", Err: errors.New("Not enough hosts available")},
		{Key: "a", Err: errors.New("lease went to ERROR")},
	}}
	want := "2 of 5 leases failed: a: lease went to ERROR; b: Not enough hosts available"
	if d := cmp.Diff(want, r.Err().Error()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
