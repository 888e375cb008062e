package apply_test

import (
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/apply"
	"github.com/chameleoncloud/leasefile/plan"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/google/go-cmp/cmp"
)

func TestCreateWaitsUntilActive(t *testing.T) {
	e := newEnv(t, envOpts{})
	res := e.mustApply(planOf(create("training", "CHI@UC", hosts("gpus", 2, "compute_skylake"))))

	live := e.leasesNamed("CHI@UC", "exp-training")
	if len(live) != 1 {
		t.Fatalf("emulator has %d leases named exp-training, want 1", len(live))
	}
	l := live[0]
	wantDone := []apply.Outcome{{Key: "training", Site: "CHI@UC", Action: plan.Create, LeaseID: l.ID, Status: "ACTIVE"}}
	if d := cmp.Diff(wantDone, res.Done); d != "" {
		t.Errorf("Done (-want +got):\n%s", d)
	}
	if len(res.Failed) != 0 {
		t.Errorf("Failed = %v", res.Failed)
	}
	f := e.saved()
	got, ok := f.Lease("training")
	if !ok {
		t.Fatal("state has no lease training")
	}
	want := &state.Lease{ID: l.ID, Name: "exp-training", Site: "CHI@UC", Status: "ACTIVE",
		Start: t0.Truncate(time.Minute), End: t0.Truncate(time.Minute).Add(6 * time.Hour),
		UpdatedAt: got.UpdatedAt, CreatedAt: t0.Truncate(time.Second),
		Reservations: map[string]state.Reservation{"gpus": {ID: l.Reservations[0].ID, ResourceType: "physical:host"}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("state lease (-want +got):\n%s", d)
	}
	if len(f.PendingIntents()) != 0 {
		t.Errorf("intents left: %v", f.PendingIntents())
	}
	wantLines := []string{"training: creating...", "training: created (PENDING)", "training: STARTING after 2s", "training: ACTIVE after 14s"}
	if d := cmp.Diff(wantLines, e.lines("training")); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	if _, ok := f.Sites["CHI@UC"]; !ok {
		t.Error("site identity not recorded")
	}
}
