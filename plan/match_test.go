package plan

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/google/go-cmp/cmp"
)

// TestMatch: the one rule of plan, apply and import: by state ID, then type, then
// constraints and count; alike keys take Blazar's order; anything else ambiguous is an error.
func TestMatch(t *testing.T) {
	host := func(key string, n int) ReservationSpec {
		return ReservationSpec{Key: key, Body: spec.ReservationBody{ResourceType: "physical:host", Min: ref(n), Max: ref(n), ResourceProperties: ref("")}}
	}
	lh := func(id string, n int) leases.Reservation {
		return leases.Reservation{ID: id, ResourceType: "physical:host", Min: ref(n), Max: ref(n)}
	}
	fip := ReservationSpec{Key: "ip", Body: spec.ReservationBody{ResourceType: "virtual:floatingip", Amount: ref(1)}}
	tests := []struct {
		name     string
		want     []ReservationSpec
		recorded map[string]state.Reservation
		live     []leases.Reservation
		got      map[string]string
		kind     MatchErrorKind
	}{
		{"by state ID before all", []ReservationSpec{host("a", 1), host("b", 2)},
			map[string]state.Reservation{"a": {ID: "R2"}, "b": {ID: "R1"}, "gone": {ID: "R9"}},
			[]leases.Reservation{lh("R1", 1), lh("R2", 2)}, map[string]string{"a": "R2", "b": "R1"}, 0},
		{"a recorded ID is no other key's", []ReservationSpec{host("a", 1), host("new", 1)},
			map[string]state.Reservation{"a": {ID: "R1"}},
			[]leases.Reservation{lh("R1", 1)}, map[string]string{"a": "R1"}, 0},
		{"by type, whatever its count", []ReservationSpec{host("a", 3), fip},
			nil, []leases.Reservation{{ID: "F", ResourceType: "virtual:floatingip", Amount: ref(2)}, lh("R1", 1)},
			map[string]string{"a": "R1", "ip": "F"}, 0},
		{"a repeated type by count", []ReservationSpec{host("a", 1), host("b", 2)},
			nil, []leases.Reservation{lh("R1", 2), lh("R2", 1)}, map[string]string{"a": "R2", "b": "R1"}, 0},
		{"alike keys in Blazar's order", []ReservationSpec{host("a", 1), host("b", 1)},
			nil, []leases.Reservation{lh("R2", 1), lh("R1", 1)}, map[string]string{"a": "R2", "b": "R1"}, 0},
		{"no key of its type", []ReservationSpec{host("a", 1), fip},
			nil, []leases.Reservation{lh("R1", 1)}, map[string]string{"a": "R1"}, 0},
		{"several fit one key", []ReservationSpec{host("a", 1), host("b", 2)},
			nil, []leases.Reservation{lh("R1", 1), lh("R2", 1)}, nil, MatchAmbiguous},
		{"none fits", []ReservationSpec{host("a", 3), host("b", 2)},
			nil, []leases.Reservation{lh("R1", 1), lh("R2", 2)}, nil, MatchNoFit},
		{"two keys fit one", []ReservationSpec{host("a", 1), host("b", 1)},
			nil, []leases.Reservation{lh("R1", 1), lh("R2", 2)}, nil, MatchShared},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Match(tt.want, tt.recorded, tt.live)
			var me *MatchError
			if tt.kind != 0 {
				if !errors.As(err, &me) || me.Kind != tt.kind {
					t.Fatalf("got %v, want a MatchError of kind %d", err, tt.kind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for k, r := range m {
				got[k] = r.ID
			}
			if d := cmp.Diff(tt.got, got); d != "" {
				t.Errorf("matched (-want +got):\n%s", d)
			}
			// The list Build reads holds each key once, with the map's reservation.
			ps, _ := matchPairs(tt.want, tt.recorded, tt.live)
			if len(ps) != len(m) {
				t.Errorf("matchPairs %v, Match %v", ps, m)
			}
			for k, r := range m {
				if ps.get(k) != r {
					t.Errorf("matchPairs gives %s %v, Match %v", k, ps.get(k), r)
				}
			}
		})
	}
}

// wantedUnrecorded leaves out the bodies Match does not read: with them or without, Match
// pairs every golden case's tracked leases alike, whichever reservations the state records.
func TestWantedUnrecordedMatchesAlike(t *testing.T) {
	pairs := func(m map[string]*leases.Reservation, err error) string {
		var out []string
		for _, k := range slices.Sorted(maps.Keys(m)) {
			out = append(out, k+"="+m[k].ID)
		}
		return fmt.Sprint(out, err)
	}
	compared := 0
	for _, g := range goldenInputs(t) {
		in := g.in
		for _, key := range in.State.Keys() {
			st, _ := in.State.Lease(key)
			d := in.Spec.Lease(key)
			for _, l := range in.Live[st.Site] {
				if l.ID != st.ID {
					continue
				}
				// As recorded, with no IDs, and with every other one.
				variants := []map[string]state.Reservation{st.Reservations, {}, {}}
				for i, k := range slices.Sorted(maps.Keys(st.Reservations)) {
					if i%2 == 0 {
						variants[2][k] = st.Reservations[k]
					}
				}
				for _, rec := range variants {
					slow := pairs(Match(wanted(d), rec, l.Reservations))
					fast := pairs(Match(wantedUnrecorded(d, rec), rec, l.Reservations))
					if slow != fast {
						t.Errorf("%s: lease %s, recorded %v: Match with every body %s, with wantedUnrecorded %s", g.file, key, rec, slow, fast)
					}
					compared++
				}
			}
		}
	}
	if compared < 100 {
		t.Errorf("only %d pairings compared", compared)
	}
}
