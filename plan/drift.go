package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
)

// drift compares the state with Blazar for every tracked lease.
func (b *builder) drift() {
	add := func(key string, t *tracked, kind DriftKind, detail string) {
		id := ""
		if t.st != nil {
			id = t.st.ID
		} else if t.live != nil {
			id = t.live.ID
		}
		b.p.Drift = append(b.p.Drift, Drift{Key: key, Site: t.site, LeaseID: id, Kind: kind, Detail: detail})
	}
	for _, key := range b.order {
		t := b.tracked[key]
		if t == nil {
			continue
		}
		l := t.live
		if l == nil {
			add(key, t, DriftDeleted, fmt.Sprintf("lease %s was deleted outside leasefile", t.st.ID))
			continue
		}
		switch {
		case ended(l.Status):
			add(key, t, DriftExpired, fmt.Sprintf("lease %s expired at %s (%s)", l.ID, fmtTime(l.EndDate), l.Status))
			continue
		case l.Status == "ERROR":
			msg := fmt.Sprintf("lease %s is in ERROR", l.ID)
			if l.StatusReason != "" {
				msg += ": " + l.StatusReason
			}
			add(key, t, DriftError, msg)
		}
		var lost []string
		for _, r := range l.Reservations {
			if r.MissingResources || r.ResourcesChanged {
				lost = append(lost, b.resName(key, t, r.ID))
			}
		}
		if l.Degraded || len(lost) > 0 {
			msg := fmt.Sprintf("lease %s is degraded", l.ID)
			if len(lost) > 0 {
				msg += ": reservation " + strings.Join(lost, ", ") + " lost resources"
			}
			add(key, t, DriftDegraded, msg)
		}
		if t.st == nil {
			continue // adopted: no recorded values to compare with
		}
		st := t.st
		if st.Name != "" && st.Name != l.Name {
			add(key, t, DriftName, fmt.Sprintf("name changed from %q to %q", st.Name, l.Name))
		}
		if !st.Start.IsZero() && !minute(st.Start).Equal(minute(l.StartDate)) {
			add(key, t, DriftStart, fmt.Sprintf("start changed from %s to %s", fmtTime(st.Start), fmtTime(l.StartDate)))
		}
		if !st.End.IsZero() && !minute(st.End).Equal(minute(l.EndDate)) {
			add(key, t, DriftEnd, fmt.Sprintf("end changed from %s to %s", fmtTime(st.End), fmtTime(l.EndDate)))
		}
		var gone []string
		for rk, r := range st.Reservations {
			if findRes(l, r.ID) == nil {
				gone = append(gone, rk)
			}
		}
		if len(gone) > 0 {
			slices.Sort(gone)
			add(key, t, DriftReservations, "reservation "+strings.Join(gone, ", ")+" no longer in the lease")
		}
	}
}

// resName names a live reservation by its key when the state knows it.
func (b *builder) resName(key string, t *tracked, id string) string {
	if t.st != nil {
		for k, r := range t.st.Reservations {
			if r.ID == id {
				return k
			}
		}
	}
	return id
}

// recordedID reports whether the state entry st records a reservation of that id.
func recordedID(st *state.Lease, id string) bool {
	if st == nil {
		return false
	}
	for _, r := range st.Reservations {
		if r.ID == id {
			return true
		}
	}
	return false
}

func findRes(l *leases.Lease, id string) *leases.Reservation {
	for i := range l.Reservations {
		if l.Reservations[i].ID == id {
			return &l.Reservations[i]
		}
	}
	return nil
}

// observe records what the state should hold for every tracked lease still in Blazar.
func (b *builder) observe() {
	for i, key := range b.order {
		t := b.tracked[key]
		if t == nil || t.live == nil {
			continue
		}
		b.p.Observed = append(b.p.Observed, Observed{Key: key, Lease: b.observed(t, b.decls[i])})
	}
}

func (b *builder) observed(t *tracked, d *spec.Lease) state.Lease {
	l := t.live
	out := state.Lease{
		ID: l.ID, Name: l.Name, Site: t.site, Status: l.Status,
		Start: l.StartDate.UTC(), End: l.EndDate.UTC(), CreatedAt: l.CreatedAt.UTC(),
	}
	out.UpdatedAt = t.updatedAt()
	m, _ := b.matched(d, t)
	if len(m) > 0 {
		if t.st != nil && recordsPairs(t.st.Reservations, m) {
			// What the state records already, as a lease that did not change has: its map,
			// not a copy of it. Plans only read it, and apply copies it into the state.
			out.Reservations = t.st.Reservations
		} else {
			out.Reservations = observedReservations(t.st, m)
		}
	}
	return out
}

// observedReservations is what the state should record of the reservations m pairs with
// keys: their IDs and types, and what the state entry st (nil: none) recorded of what apply
// sent for each, as long as it is the same reservation.
func observedReservations(st *state.Lease, m pairs) map[string]state.Reservation {
	out := make(map[string]state.Reservation, len(m))
	for _, p := range m {
		k, r := p.key, p.res
		sr := state.Reservation{ID: r.ID, ResourceType: r.ResourceType}
		if st != nil {
			// Keep what apply recorded of what it sent: Blazar does not return it.
			if old, ok := st.Reservations[k]; ok && old.ID == r.ID {
				sr.NetworkName, sr.NetworkDescription = old.NetworkName, old.NetworkDescription
				sr.ResourceProperties, sr.BeforeEnd = old.ResourceProperties, old.BeforeEnd
			}
		}
		out[k] = sr
	}
	return out
}

// recordsPairs reports whether recorded is what observedReservations makes of m: the same
// keys, each with the ID and type of its paired reservation.
func recordsPairs(recorded map[string]state.Reservation, m pairs) bool {
	if len(recorded) != len(m) {
		return false
	}
	for _, p := range m {
		if old, ok := recorded[p.key]; !ok || old.ID != p.res.ID || old.ResourceType != p.res.ResourceType {
			return false
		}
	}
	return true
}
