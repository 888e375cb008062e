package plan

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
)

// Match maps reservation keys to the live reservations of one lease, by one rule that plan,
// apply and import share:
//
//  1. By state ID: every key recorded with an ID gets the live reservation of that ID, or
//     none when it is gone; those reservations are no other key's.
//  2. By type: a wanted key without a recorded ID gets the one remaining live reservation
//     of its resource type.
//  3. When a type repeats, by compiled constraints and count (fits): the one reservation
//     that fits. Several that fit are taken in Blazar's order only when as many wanted keys
//     fit exactly those (twins that nothing Blazar returns tells apart); otherwise, or when
//     none fits, or when two keys fit the same one, it is a *MatchError.
//
// A key with no live reservation of its type is left out, without an error: the caller
// decides (plan replaces the lease, import refuses). want is in the order a create sends
// it (Blazar answers in that order).
func Match(want []ReservationSpec, recorded map[string]state.Reservation, live []leases.Reservation) (map[string]*leases.Reservation, error) {
	ps, err := matchPairs(want, recorded, live)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*leases.Reservation, len(ps))
	for _, p := range ps {
		out[p.key] = p.res
	}
	return out, nil
}

// pair is a reservation key and the live reservation Match gives it.
type pair struct {
	key string
	res *leases.Reservation
}

// pairs are Match's answer as a list, each key once: what Build reads of a lease's pairing,
// a few keys long, without a map made for each lease.
type pairs []pair

// get is the reservation paired with key, nil for none.
func (ps pairs) get(key string) *leases.Reservation {
	for _, p := range ps {
		if p.key == key {
			return p.res
		}
	}
	return nil
}

// matchPairs is Match, its pairs as a list.
func matchPairs(want []ReservationSpec, recorded map[string]state.Reservation, live []leases.Reservation) (pairs, error) {
	var out pairs
	for k, r := range recorded {
		// Each key's pairing is its own: the order does not matter.
		id := r.ID
		if id == "" {
			continue
		}
		if i := slices.IndexFunc(live, func(lr leases.Reservation) bool { return lr.ID == id }); i >= 0 {
			out = append(out, pair{k, &live[i]})
		}
	}
	var rest []ReservationSpec
	for _, w := range want {
		if recorded[w.Key].ID == "" {
			rest = append(rest, w)
		}
	}
	if len(rest) == 0 {
		return out, nil
	}
	claimed := map[string]bool{}
	for _, r := range recorded {
		if r.ID != "" {
			claimed[r.ID] = true
		}
	}
	pool := func(rt string) []int {
		var idx []int
		for i, lr := range live {
			if lr.ResourceType == rt && !claimed[lr.ID] {
				idx = append(idx, i)
			}
		}
		return idx
	}
	fitsOf := map[string][]int{}
	for _, w := range rest {
		fitsOf[w.Key] = slices.DeleteFunc(pool(w.Body.ResourceType), func(i int) bool { return !fits(w.Body, live[i]) })
	}
	used := map[int]string{}
	for _, w := range rest {
		cands := pool(w.Body.ResourceType)
		pick := -1
		switch fit := fitsOf[w.Key]; {
		case len(cands) == 0:
			continue
		case len(cands) == 1:
			pick = cands[0]
		case len(fit) == 0:
			return nil, &MatchError{Kind: MatchNoFit, Key: w.Key, Type: w.Body.ResourceType}
		case len(fit) == 1:
			pick = fit[0]
		default:
			var twins []string
			for _, o := range rest {
				if o.Body.ResourceType == w.Body.ResourceType && slices.Equal(fitsOf[o.Key], fit) {
					twins = append(twins, o.Key)
				}
			}
			if len(twins) != len(fit) {
				return nil, &MatchError{Kind: MatchAmbiguous, Key: w.Key, Type: w.Body.ResourceType, IDs: ids(live, fit)}
			}
			pick = fit[slices.Index(twins, w.Key)]
		}
		if other, dup := used[pick]; dup {
			return nil, &MatchError{Kind: MatchShared, Key: w.Key, Type: w.Body.ResourceType, Other: other, IDs: []string{live[pick].ID}}
		}
		used[pick] = w.Key
		out = append(out, pair{w.Key, &live[pick]})
	}
	return out, nil
}

// fits reports whether the live reservation lr is what body asks for: its type, and each
// of its constraints and counts that Blazar returns (Chameleon's Blazar returns none of a
// network reservation's own fields).
func fits(body spec.ReservationBody, lr leases.Reservation) bool {
	if lr.ResourceType != body.ResourceType {
		return false
	}
	same := func(want, have *int) bool { return want == nil || have == nil || *want == *have }
	if !same(body.Min, lr.Min) || !same(body.Max, lr.Max) || !same(body.Amount, lr.Amount) {
		return false
	}
	if body.ResourceProperties != nil && (lr.ResourceProperties != "" || lr.ResourceType != "network") {
		want, err := spec.ParseQuery(*body.ResourceProperties)
		if err != nil || !want.EqualEncoded(lr.ResourceProperties) {
			return false
		}
	}
	if got, ok := lr.Extra["network_name"].(string); ok && body.NetworkName != nil && got != *body.NetworkName {
		return false
	}
	return true
}

func ids(live []leases.Reservation, idx []int) []string {
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = live[j].ID
	}
	return out
}

// MatchErrorKind says why Match could not tell which live reservation a key is.
type MatchErrorKind int

// The kinds of MatchError.
const (
	MatchNoFit     MatchErrorKind = iota + 1 // several of the key's type, none fits it
	MatchAmbiguous                           // several fit it, and fewer keys are alike
	MatchShared                              // it fits the one another key took
)

// MatchError is a key Match cannot pair with one live reservation.
type MatchError struct {
	Kind  MatchErrorKind
	Key   string   // the reservation key
	Type  string   // its resource type
	IDs   []string // the reservations that fit (MatchAmbiguous), or the one shared (MatchShared)
	Other string   // the key that took it (MatchShared)
}

func (e *MatchError) Error() string {
	switch e.Kind {
	case MatchAmbiguous:
		return fmt.Sprintf("reservations %s all fit reservation %s", strings.Join(e.IDs, ", "), e.Key)
	case MatchShared:
		return fmt.Sprintf("reservations %s and %s both fit reservation %s", e.Other, e.Key, strings.Join(e.IDs, ", "))
	}
	return fmt.Sprintf("no %s reservation fits reservation %s", e.Type, e.Key)
}

// wanted is what lease d asks for, as Match takes it: its reservations in the order a
// create sends them, with their bodies.
func wanted(d *spec.Lease) []ReservationSpec {
	if d == nil {
		return nil
	}
	rs := specificFirst(d.Reservations)
	out := make([]ReservationSpec, len(rs))
	for i, r := range rs {
		out[i] = ReservationSpec{Key: r.Key, Type: string(r.Type), Body: r.Body(d.BeforeEnd, d.BeforeEndSet)}
	}
	return out
}

// wantedUnrecorded is wanted(d) for Match with recorded, less the reservations recorded with
// an ID: Match pairs those by ID whatever it is given, and reads want only for the others.
// It is nil, compiling no body, when the state records every one.
func wantedUnrecorded(d *spec.Lease, recorded map[string]state.Reservation) []ReservationSpec {
	if d == nil || !slices.ContainsFunc(d.Reservations, func(r *spec.Reservation) bool { return recorded[r.Key].ID == "" }) {
		return nil
	}
	var out []ReservationSpec
	for _, r := range specificFirst(d.Reservations) {
		if recorded[r.Key].ID == "" {
			out = append(out, ReservationSpec{Key: r.Key, Type: string(r.Type), Body: r.Body(d.BeforeEnd, d.BeforeEndSet)})
		}
	}
	return out
}

// SameTypes reports whether lease l has the reservations want asks for, by resource type:
// what a create of want would have made.
func SameTypes(want []ReservationSpec, l *leases.Lease) bool {
	n := map[string]int{}
	for _, rs := range want {
		n[rs.Body.ResourceType]++
	}
	for _, lr := range l.Reservations {
		n[lr.ResourceType]--
	}
	return !slices.ContainsFunc(slices.Collect(maps.Values(n)), func(c int) bool { return c != 0 })
}
