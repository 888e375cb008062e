package plan

import (
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/state"
)

// TestCheckOwnedRefusesTampering: a saved plan edited to act on a lease the state does not
// own (to delete any lease of the project, say) is refused; what Build makes passes (the
// golden cases check that for every plan).
func TestCheckOwnedRefusesTampering(t *testing.T) {
	st := state.New()
	st.SetLease("a", &state.Lease{ID: "lease-a", Site: "CHI@UC"})
	st.SetLease("old", &state.Lease{ID: "lease-old"}) // an old state without sites
	st.SetLease("c", &state.Lease{ID: "lease-c-old", Site: "CHI@UC"})
	st.AddIntent(state.Intent{Key: "b", Site: "CHI@UC", Name: "b", Time: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)})
	st.AddIntent(state.Intent{Key: "c", Site: "CHI@UC", Name: "c", Time: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)})
	st.AddIntent(state.Intent{Key: "d", Site: "CHI@UC", Name: "d", ID: "lease-d"})
	del := func(key, site, id string) Change { return Change{Key: key, Site: site, Action: Delete, LeaseID: id} }
	adopt := func(key, site, id string) Adoption { return Adoption{Key: key, Site: site, LeaseID: id, Name: key} }
	tests := []struct {
		name string
		p    Plan
		want string // substring of the error; "" to accept
	}{
		{"delete of the tracked lease", Plan{Changes: []Change{del("a", "CHI@UC", "lease-a")}}, ""},
		{"delete in an old state without site", Plan{Changes: []Change{del("old", "CHI@TACC", "lease-old")}}, ""},
		{"update of the tracked lease", Plan{Changes: []Change{{Key: "a", Site: "CHI@UC", Action: Update, LeaseID: "lease-a"}}}, ""},
		{"create", Plan{Changes: []Change{{Key: "new", Site: "CHI@UC", Action: Create}}}, ""},
		{"delete of an adopted lease", Plan{Adopt: []Adoption{adopt("b", "CHI@UC", "lease-b")}, Changes: []Change{del("b", "CHI@UC", "lease-b")}}, ""},
		{"adopting over a tracked lease, deleting the old as deposed", Plan{Adopt: []Adoption{adopt("c", "CHI@UC", "lease-c-new")},
			Changes: []Change{del("c~deposed", "CHI@UC", "lease-c-old")}}, ""},
		{"adopting the lease an intent's create returned", Plan{Adopt: []Adoption{adopt("d", "CHI@UC", "lease-d")}}, ""},

		{"delete of another lease under a tracked key", Plan{Changes: []Change{del("a", "CHI@UC", "lease-foreign")}},
			"lease a: the plan would delete lease lease-foreign on CHI@UC, which the state does not track"},
		{"delete under an untracked key", Plan{Changes: []Change{del("x", "CHI@UC", "lease-foreign")}}, "lease x: the plan would delete lease lease-foreign"},
		{"delete of the tracked ID at another site", Plan{Changes: []Change{del("a", "CHI@TACC", "lease-a")}}, "lease lease-a on CHI@TACC"},
		{"delete without an ID", Plan{Changes: []Change{del("a", "CHI@UC", "")}}, "names no lease ID"},
		{"update of another lease", Plan{Changes: []Change{{Key: "a", Site: "CHI@UC", Action: Update, LeaseID: "lease-foreign"}}}, "would update lease lease-foreign"},
		{"replace of another lease", Plan{Changes: []Change{{Key: "a", Site: "CHI@UC", Action: DeleteThenCreate, LeaseID: "lease-foreign"}}}, "would replace lease lease-foreign"},
		{"replace moving from another site", Plan{Changes: []Change{{Key: "a", Site: "CHI@UC", FromSite: "CHI@TACC", Action: CreateThenDelete, LeaseID: "lease-a"}}}, "on CHI@TACC"},
		{"adoption without an intent", Plan{Adopt: []Adoption{adopt("x", "CHI@UC", "lease-foreign")}}, "the state records no create intent for that key"},
		{"adoption of another ID than the intent's", Plan{Adopt: []Adoption{adopt("d", "CHI@UC", "lease-foreign")}}, "the create intent in the state made lease lease-d"},
		{"adoption at another site", Plan{Adopt: []Adoption{adopt("b", "CHI@TACC", "lease-b")}}, "the create intent in the state is for CHI@UC"},
		{"adoption of a lease tracked under another key", Plan{Adopt: []Adoption{adopt("b", "CHI@UC", "lease-a")}}, "which the state tracks as lease a"},
		{"control characters and huge IDs are shown escaped and short", Plan{Changes: []Change{del("a", "CHI@UC", "\x1b[2J"+strings.Repeat("x", 10000))}},
			`lease a: the plan would delete lease "\x1b[2Jxxx`},
		{"observed lease the state does not track", Plan{Observed: []Observed{{Key: "x", Lease: state.Lease{ID: "lease-foreign", Site: "CHI@UC"}}}},
			"the plan would record lease lease-foreign on CHI@UC in the state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.CheckOwned(st)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || len(err.Error()) > 300):
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
