package apply_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/apply"
	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/plan"
	"github.com/chameleoncloud/leasefile/spec"
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

func TestCreateWithFloatingIPs(t *testing.T) {
	e := newEnv(t, envOpts{})
	res := e.mustApply(planOf(
		create("training", "CHI@UC", hosts("nodes", 1, "compute_skylake"), fips("ip", 2)),
		create("serving", "CHI@UC", fips("ip", 1)),
	))
	if len(res.Done) != 2 {
		t.Fatalf("Done = %v, Failed = %v", res.Done, res.Failed)
	}
	if n := e.srv.Calls("CHI@UC", "neutron"); n != 1 {
		t.Errorf("network lookups = %d, want 1 (cached per site and name)", n)
	}
	l, _ := e.saved().Lease("training")
	ip, ok := l.Reservations["ip"]
	if !ok || ip.ResourceType != "virtual:floatingip" {
		t.Fatalf("reservations = %v", l.Reservations)
	}
	var want []string
	for _, r := range e.leasesNamed("CHI@UC", "exp-training")[0].Reservations {
		if r.ID == ip.ID {
			want = r.Addresses
		}
	}
	got, err := blazar.ReservedFloatingIPs(t.Context(), e.sites["CHI@UC"].Network, ip.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Errorf("addresses = %v, want 2", got)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("addresses (-emulator +ReservedFloatingIPs):\n%s", d)
	}
}

// created applies a plan creating key and returns its state lease.
func (e *env) created(ch plan.Change) *state.Lease {
	e.t.Helper()
	e.mustApply(planOf(ch))
	l, ok := e.saved().Lease(ch.Key)
	if !ok {
		e.t.Fatalf("no lease %s in the state", ch.Key)
	}
	e.mu.Lock()
	e.events = nil
	e.mu.Unlock()
	return l
}

func TestUpdateInPlace(t *testing.T) {
	e := newEnv(t, envOpts{})
	old := e.created(create("training", "CHI@UC", hosts("gpus", 2, "compute_skylake")))
	end := old.End.Add(12 * time.Hour)
	res := e.mustApply(planOf(plan.Change{Key: "training", Site: "CHI@UC", Action: plan.Update, Name: old.Name,
		LeaseID: old.ID, UpdatedAt: old.UpdatedAt, Update: &plan.UpdateSpec{End: &end,
			Reservations: []plan.ReservationUpdate{{Key: "gpus", ID: old.Reservations["gpus"].ID,
				Body: spec.ReservationBody{Min: ref(3), Max: ref(3), HypervisorProperties: ref(""), ResourceProperties: ref(`["==", "$node_type", "compute_skylake"]`)}}}}}))
	if d := cmp.Diff([]apply.Outcome{{Key: "training", Site: "CHI@UC", Action: plan.Update, LeaseID: old.ID, Status: "ACTIVE"}}, res.Done); d != "" {
		t.Errorf("Done (-want +got):\n%s", d)
	}
	live := e.leasesNamed("CHI@UC", "exp-training")
	if len(live) != 1 || !live[0].End.Equal(end) || live[0].Reservations[0].Allocated != 3 {
		t.Fatalf("emulator lease = %+v, want end %v and 3 hosts", live, end)
	}
	got, _ := e.saved().Lease("training")
	if !got.End.Equal(end) || got.ID != old.ID || got.Reservations["gpus"] != old.Reservations["gpus"] {
		t.Errorf("state lease = %+v", got)
	}
	if d := cmp.Diff([]string{"training: updating...", "training: updated"}, e.lines("training")); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
}

func TestDelete(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steer func(e *env, id string) // before the apply
		drift bool                    // the plan reports it deleted outside leasefile, and the delete Gone, as Build does
		want  string
	}{
		{name: "live", want: "training: deleted"},
		{name: "404", steer: func(e *env, id string) { e.srv.DeleteLease("CHI@UC", id) }, want: "training: deleted (already gone)"},
		{name: "drift", steer: func(e *env, id string) { e.srv.DeleteLease("CHI@UC", id) }, drift: true, want: "training: deleted (already gone)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOpts{})
			old := e.created(create("training", "CHI@UC", hosts("gpus", 1, "compute_skylake")))
			if tc.steer != nil {
				tc.steer(e, old.ID)
			}
			p := planOf(plan.Change{Key: "training", Site: "CHI@UC", Action: plan.Delete, Name: old.Name, LeaseID: old.ID})
			if tc.drift {
				p.Drift = []plan.Drift{{Key: "training", Site: "CHI@UC", LeaseID: old.ID, Kind: plan.DriftDeleted}}
				p.Changes[0].Gone = true
			}
			deletesBefore := e.srv.Calls("CHI@UC", "delete")
			res := e.mustApply(p)
			if len(res.Done) != 1 || res.Done[0].Action != plan.Delete {
				t.Errorf("Done = %v", res.Done)
			}
			if n := len(e.srv.Leases("CHI@UC")); n != 0 {
				t.Errorf("emulator still has %d leases", n)
			}
			if _, ok := e.saved().Lease("training"); ok {
				t.Error("state still has the lease")
			}
			lines := e.lines("training")
			if d := cmp.Diff(tc.want, lines[len(lines)-1]); d != "" {
				t.Errorf("last event (-want +got):\n%s", d)
			}
			if calls := e.srv.Calls("CHI@UC", "delete") - deletesBefore; tc.drift && calls != 0 {
				t.Errorf("%d delete calls for a lease the plan knows is gone", calls)
			}
		})
	}
}

func indexOf(lines []string, s string) int {
	for i, l := range lines {
		if l == s || (strings.HasSuffix(s, "...") && strings.HasPrefix(l, strings.TrimSuffix(s, "..."))) {
			return i
		}
	}
	return -1
}

func TestReplace(t *testing.T) {
	for _, action := range []plan.Action{plan.DeleteThenCreate, plan.CreateThenDelete} {
		t.Run(action.Symbol(), func(t *testing.T) {
			e := newEnv(t, envOpts{})
			old := e.created(create("training", "CHI@UC", hosts("gpus", 2, "compute_skylake")))
			ch := create("training", "CHI@UC", hosts("gpus", 3, "compute_skylake"), fips("ip", 1))
			ch.Action, ch.LeaseID = action, old.ID
			res := e.mustApply(planOf(ch))

			live := e.srv.Leases("CHI@UC")
			if len(live) != 1 || live[0].ID == old.ID {
				t.Fatalf("emulator leases = %+v, want only a new one", live)
			}
			want := []apply.Outcome{{Key: "training", Site: "CHI@UC", Action: action, LeaseID: live[0].ID, Status: "ACTIVE"}}
			if d := cmp.Diff(want, res.Done); d != "" {
				t.Errorf("Done (-want +got):\n%s", d)
			}
			f := e.saved()
			if d := cmp.Diff([]string{"training"}, f.Keys()); d != "" {
				t.Errorf("state keys (-want +got):\n%s", d)
			}
			l, _ := f.Lease("training")
			if l.ID != live[0].ID || len(l.Reservations) != 2 {
				t.Errorf("state lease = %+v", l)
			}
			lines := e.lines("training")
			deleted, creating, active := indexOf(lines, "training: deleted"), indexOf(lines, "training: creating..."), indexOf(lines, "training: ACTIVE after ...") // the emulator's event poll sets the delay
			if deleted < 0 || creating < 0 || active < 0 || indexOf(lines, "training: replaced") < 0 {
				t.Fatalf("events = %q", lines)
			}
			if action == plan.DeleteThenCreate && deleted > creating {
				t.Errorf("created before deleting: %q", lines)
			}
			if action == plan.CreateThenDelete && deleted < active {
				t.Errorf("old lease deleted before the new one was ACTIVE: %q", lines)
			}
		})
	}
}

// TestCreateBeforeDestroyKeepsOldOnFailure: when the new lease fails, the
// working old lease goes back under the key and the failed one is deposed,
// so the next plan deletes the failed one.
func TestCreateBeforeDestroyKeepsOldOnFailure(t *testing.T) {
	e := newEnv(t, envOpts{})
	old := e.created(create("training", "CHI@UC", hosts("gpus", 2, "compute_skylake")))
	e.onEvent = func(ev apply.Event) {
		if ev.Kind == apply.Created {
			for _, l := range e.srv.Leases("CHI@UC") {
				if l.ID != old.ID {
					e.srv.FailOnStart("CHI@UC", l.ID)
				}
			}
		}
	}
	ch := create("training", "CHI@UC", hosts("gpus", 1, "compute_skylake"))
	ch.Action, ch.LeaseID = plan.CreateThenDelete, old.ID
	res, err := e.apply(planOf(ch), e.opts())
	if err == nil || len(res.Failed) != 1 {
		t.Fatalf("err = %v, Failed = %v", err, res.Failed)
	}
	f := e.saved()
	cur, _ := f.Lease("training")
	dep, ok := f.Lease(apply.DeposedKey("training"))
	if cur.ID != old.ID || !ok || dep.ID == old.ID {
		t.Errorf("state: training = %s, deposed = %+v; want the old %s under the key", cur.ID, dep, old.ID)
	}
	if n := len(e.srv.Leases("CHI@UC")); n != 2 {
		t.Errorf("emulator has %d leases, want the old and the failed one", n)
	}
}

// TestCreateNowCorrectsEnd: with Blazar's clock a minute ahead of apply's, Blazar starts a
// `start: now` lease a minute later than apply measured the end from; apply corrects the end
// at once, so that the next plan shows no `~ end`.
func TestCreateNowCorrectsEnd(t *testing.T) {
	for _, tc := range []struct {
		name    string
		skew    time.Duration
		wait    string
		updates int // -1: not checked (Blazar refuses updates while STARTING, so apply retries)
	}{
		{"same clock", 0, "active", 0},
		{"blazar a minute ahead", time.Minute, "active", 1},
		{"blazar a minute ahead, no wait", time.Minute, "none", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOpts{})
			o := e.opts()
			o.Now = func() time.Time { return e.clock.Now().Add(-tc.skew) }
			ch := create("training", "CHI@UC", hosts("gpus", 1, "compute_skylake"))
			ch.Wait = tc.wait
			if _, err := e.apply(planOf(ch), o); err != nil {
				t.Fatalf("apply: %v", err)
			}
			wantStart := t0.Truncate(time.Minute)
			wantEnd := wantStart.Add(6 * time.Hour)
			live := e.leasesNamed("CHI@UC", "exp-training")
			if len(live) != 1 {
				t.Fatalf("%d leases, want 1", len(live))
			}
			l, _ := e.saved().Lease("training")
			got := []time.Time{live[0].Start.UTC(), live[0].End.UTC(), l.Start.UTC(), l.End.UTC()}
			if d := cmp.Diff([]time.Time{wantStart, wantEnd, wantStart, wantEnd}, got); d != "" {
				t.Errorf("[blazar start, blazar end, state start, state end] (-want +got):\n%s", d)
			}
			if n := e.srv.Calls("CHI@UC", "update"); tc.updates >= 0 && n != tc.updates {
				t.Errorf("update calls = %d, want %d; events %q", n, tc.updates, e.lines(""))
			}
			if tc.wait == "active" && l.Status != "ACTIVE" {
				t.Errorf("state status = %s, want ACTIVE", l.Status)
			}
		})
	}
}

// TestCreateRecordsNetworkFields: Chameleon's Blazar returns no network fields, so the
// state keeps what was sent, for the next plan to compare with; an update keeps them.
func TestCreateRecordsNetworkFields(t *testing.T) {
	e := newEnv(t, envOpts{})
	net := plan.ReservationSpec{Key: "net", Type: "network", Body: spec.ReservationBody{
		ResourceType: "network", NetworkName: ref("exp-net"), NetworkDescription: ref("d"),
		ResourceProperties: ref(`["==","$physical_network","physnet1"]`), NetworkProperties: ref(""),
	}}
	e.mustApply(planOf(create("vlan", "CHI@UC", net)))
	l, _ := e.saved().Lease("vlan")
	if l == nil {
		t.Fatal("no lease recorded")
	}
	want := state.Reservation{ID: l.Reservations["net"].ID, ResourceType: "network", NetworkName: "exp-net",
		NetworkDescription: "d", ResourceProperties: `["==","$physical_network","physnet1"]`}
	if d := cmp.Diff(want, l.Reservations["net"]); d != "" {
		t.Errorf("recorded reservation (-want +got):\n%s", d)
	}
	name := "renamed"
	e.mustApply(planOf(plan.Change{Key: "vlan", Site: "CHI@UC", Action: plan.Update, LeaseID: l.ID, Update: &plan.UpdateSpec{Name: &name}}))
	l, _ = e.saved().Lease("vlan")
	if d := cmp.Diff(want, l.Reservations["net"]); d != "" {
		t.Errorf("after an update (-want +got):\n%s", d)
	}
}

// TestMoveChecksTheOldSite: a replacement that moves a lease deletes it at its old site,
// so the state's identity of that site must match the connection apply would delete with.
func TestMoveChecksTheOldSite(t *testing.T) {
	e := newEnv(t, envOpts{})
	err := e.store.Update(func(f *state.File) {
		f.SetSite("CHI@TACC", state.Identity{AuthURL: "https://elsewhere.example/v3", ProjectID: "another-project"})
		f.SetLease("training", &state.Lease{ID: "old-lease", Name: "exp-training", Site: "CHI@TACC"})
	})
	if err != nil {
		t.Fatal(err)
	}
	ch := create("training", "CHI@UC", hosts("gpus", 1, "compute_skylake"))
	ch.Action, ch.LeaseID, ch.FromSite = plan.DeleteThenCreate, "old-lease", "CHI@TACC"
	_, err = e.apply(planOf(ch), e.opts())
	var mismatch *state.SiteMismatchError
	if !errors.As(err, &mismatch) || mismatch.Site != "CHI@TACC" {
		t.Fatalf("apply error = %v, want a site mismatch for CHI@TACC", err)
	}
	if n := e.srv.Calls("CHI@UC", "create"); n != 0 {
		t.Errorf("create calls = %d, want none", n)
	}
}
