package state

import (
	"fmt"
	"strings"
)

// Move renames a state entry, so that a refactor of the Leasefile keeps its leases: a lease
// key (KEY, with its deposed lease if any) or a reservation key (KEY.RES, within one lease).
// It refuses a source that does not exist, a target that does, a lease with a create in
// flight, and a move between a lease and a reservation.
func (f *File) Move(from, to string) error {
	f.touched = nil // Move changes the map itself: the next save diffs every lease
	fk, fr, fRes := strings.Cut(from, ".")
	tk, tr, tRes := strings.Cut(to, ".")
	switch {
	case from == to:
		return fmt.Errorf("move %s: source and destination are the same", from)
	case fRes != tRes:
		return fmt.Errorf("move %s to %s: a lease moves to a lease key, a reservation to a reservation key (KEY.RES)", from, to)
	case fRes && fk != tk:
		return fmt.Errorf("move %s to %s: a reservation moves within its lease", from, to)
	}
	l, ok := f.Lease(fk)
	if !ok {
		return fmt.Errorf("move %s: no lease %q in the state", from, fk)
	}
	if fRes {
		r, ok := l.Reservations[fr]
		if !ok {
			return fmt.Errorf("move %s: lease %s has no reservation %q", from, fk, fr)
		}
		if _, taken := l.Reservations[tr]; taken {
			return fmt.Errorf("move %s to %s: lease %s already has a reservation %q", from, to, fk, tr)
		}
		delete(l.Reservations, fr)
		l.Reservations[tr] = r
		return nil
	}
	if _, taken := f.Leases[to]; taken {
		return fmt.Errorf("move %s to %s: the state already has a lease %q", from, to, to)
	}
	for _, in := range f.Intents {
		if in.Key == from || in.Key == to {
			return fmt.Errorf("move %s to %s: an interrupted apply left a create intent for %s: plan and apply first", from, to, in.Key)
		}
	}
	if _, taken := f.Leases[DeposedKey(to)]; taken {
		return fmt.Errorf("move %s to %s: the state already has a lease %q", from, to, DeposedKey(to))
	}
	f.Leases[to] = l
	delete(f.Leases, from)
	if d, ok := f.Leases[DeposedKey(from)]; ok {
		f.Leases[DeposedKey(to)] = d
		delete(f.Leases, DeposedKey(from))
	}
	return nil
}
