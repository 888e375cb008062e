package plan

import (
	"errors"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/google/go-cmp/cmp"
)

// TestCheckStateFresh: a saved plan is refused when the state or the Leasefile it was made
// against moved, or when it acts on a lease the state does not own.
func TestCheckStateFresh(t *testing.T) {
	st := state.New()
	st.Serial = 4
	st.SetLease("a", &state.Lease{ID: "lease-a", Site: "CHI@UC"})
	made := func() Plan {
		return Plan{Lineage: st.Lineage, Serial: 4, StateExisted: true, LeasefileHash: "h1",
			Changes: []Change{{Key: "a", Site: "CHI@UC", Action: Update, LeaseID: "lease-a"}}}
	}
	tests := []struct {
		name    string
		edit    func(*Plan)
		existed bool
		hash    string
		want    string // the stale reason; "" for fresh
		owned   bool   // want a *NotOwnedError instead
	}{
		{"fresh", func(*Plan) {}, true, "h1", "", false},
		{"fresh without a Leasefile hash (destroy)", func(p *Plan) { p.LeasefileHash = "" }, true, "h2", "", false},
		{"state file removed", func(*Plan) {}, false, "h1", "the state file was created or removed since the plan was made", false},
		{"state file created", func(p *Plan) { p.StateExisted = false }, true, "h1", "the state file was created or removed since the plan was made", false},
		{"another lineage", func(p *Plan) { p.Lineage = "other" }, true, "h1", "the plan was made for another state (lineage other, this state is " + st.Lineage + ")", false},
		{"serial moved", func(p *Plan) { p.Serial = 3 }, true, "h1", "the state changed since the plan was made (serial 3, now 4)", false},
		{"Leasefile changed", func(*Plan) {}, true, "h2", "the Leasefile changed since the plan was made", false},
		{"lease not owned", func(p *Plan) { p.Changes[0].LeaseID = "lease-foreign" }, true, "h1", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := made()
			tt.edit(&p)
			err := p.CheckStateFresh(st, tt.existed, tt.hash)
			var se *StaleError
			var no *NotOwnedError
			switch {
			case tt.owned:
				if !errors.As(err, &no) {
					t.Errorf("got %v, want a NotOwnedError", err)
				}
			case tt.want == "":
				if err != nil {
					t.Errorf("refused a fresh plan: %v", err)
				}
			case !errors.As(err, &se):
				t.Errorf("got %v, want a StaleError", err)
			default:
				if diff := cmp.Diff(tt.want, se.Why); diff != "" {
					t.Errorf("reason (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestCheckLiveFresh: a saved plan is refused when a site it names is now another project or
// endpoint, a lease it changes moved or vanished in Blazar, or a start it creates has passed.
func TestCheckLiveFresh(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 30, 0, 0, time.UTC)
	updated := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	later := updated.Add(time.Minute)
	uc := state.Identity{AuthURL: "https://uc/v3", ProjectID: "p1"}
	made := func() Plan {
		return Plan{Sites: map[string]state.Identity{"CHI@UC": uc}, Changes: []Change{
			{Key: "a", Site: "CHI@UC", Action: Update, LeaseID: "lease-a", UpdatedAt: blazar.FormatTimestamp(&updated)},
			{Key: "b", Site: "CHI@UC", Action: Create, Create: &CreateSpec{Start: now.Add(time.Hour)}},
			{Key: "c", Site: "CHI@UC", Action: NoOp, LeaseID: "lease-gone"},
		}}
	}
	liveNow := func() map[string][]leases.Lease {
		return map[string][]leases.Lease{"CHI@UC": {{ID: "lease-a", UpdatedAt: &updated}}}
	}
	tests := []struct {
		name string
		edit func(*Plan, map[string]state.Identity, map[string][]leases.Lease)
		want string
	}{
		{"fresh", func(*Plan, map[string]state.Identity, map[string][]leases.Lease) {}, ""},
		{"another project", func(_ *Plan, s map[string]state.Identity, _ map[string][]leases.Lease) {
			s["CHI@UC"] = state.Identity{AuthURL: "https://uc/v3", ProjectID: "p2"}
		}, "site CHI@UC is now https://uc/v3 (project p2), the plan was made against https://uc/v3 (project p1)"},
		{"another endpoint", func(_ *Plan, s map[string]state.Identity, _ map[string][]leases.Lease) {
			s["CHI@UC"] = state.Identity{AuthURL: "https://other/v3", ProjectID: "p1"}
		}, "site CHI@UC is now https://other/v3 (project p1), the plan was made against https://uc/v3 (project p1)"},
		{"the emulator at another port", func(p *Plan, s map[string]state.Identity, _ map[string][]leases.Lease) {
			p.Sites["CHI@UC"] = state.Identity{AuthURL: "http://127.0.0.1:1/v3", ProjectID: "p1", Local: true}
			s["CHI@UC"] = state.Identity{AuthURL: "http://127.0.0.1:2/v3", ProjectID: "p1", Local: true}
		}, ""},
		{"lease changed in Blazar", func(_ *Plan, _ map[string]state.Identity, l map[string][]leases.Lease) {
			l["CHI@UC"][0].UpdatedAt = &later
		}, "lease a was changed in Blazar since the plan was made (updated_at " + blazar.FormatTimestamp(&later) + ", planned at " + blazar.FormatTimestamp(&updated) + ")"},
		{"lease gone", func(_ *Plan, _ map[string]state.Identity, l map[string][]leases.Lease) { l["CHI@UC"] = nil },
			"lease a (lease-a) is gone from CHI@UC"},
		{"a delete of a gone lease is fresh", func(p *Plan, _ map[string]state.Identity, l map[string][]leases.Lease) {
			p.Changes[0].Action = Delete
			l["CHI@UC"] = nil
		}, ""},
		{"start passed", func(p *Plan, _ map[string]state.Identity, _ map[string][]leases.Lease) {
			p.Changes[1].Create.Start = now.Add(-2 * time.Minute)
		}, "lease b would start at 2026-12-01 10:28, which is now in the past"},
		{"start within the current minute", func(p *Plan, _ map[string]state.Identity, _ map[string][]leases.Lease) {
			p.Changes[1].Create.Start = now.Truncate(time.Minute)
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, sites, live := made(), map[string]state.Identity{"CHI@UC": uc}, liveNow()
			tt.edit(&p, sites, live)
			err := p.CheckLiveFresh(sites, live, now)
			var se *StaleError
			switch {
			case tt.want == "":
				if err != nil {
					t.Errorf("refused a fresh plan: %v", err)
				}
			case !errors.As(err, &se):
				t.Errorf("got %v, want a StaleError", err)
			default:
				if diff := cmp.Diff(tt.want, se.Why); diff != "" {
					t.Errorf("reason (-want +got):\n%s", diff)
				}
			}
		})
	}
}
