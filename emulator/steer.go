package emulator

import (
	"cmp"
	"fmt"
	"time"
)

// LeaseInfo is a lease as the emulator sees it, for tests and the `emu`
// testscript command.
type LeaseInfo struct {
	ID, Name, ProjectID, Status string
	Start, End                  time.Time
	Reservations                []ReservationInfo
}

// ReservationInfo is one reservation of a LeaseInfo. Addresses are the
// floating IPs of a virtual:floatingip reservation.
type ReservationInfo struct {
	ID, ResourceType, Status string
	Allocated                int
	Addresses                []string
	NetworkName              string
}

// Leases returns every project's leases at a site, in creation order, with
// statuses derived from the clock.
func (e *Emulator) Leases(site string) []LeaseInfo {
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.byName[site]
	if s == nil {
		return nil
	}
	out := make([]LeaseInfo, 0, len(s.leases))
	for _, l := range s.leases {
		st := e.phaseOf(l, now).status
		li := LeaseInfo{ID: l.ID, Name: l.Name, ProjectID: l.ProjectID, Status: st, Start: l.Start, End: l.End}
		for _, r := range l.Reservations {
			ri := ReservationInfo{ID: r.ID, ResourceType: r.ResourceType, Status: reservationStatus(st), Allocated: len(r.Allocated), NetworkName: r.NetworkName}
			if r.ResourceType == "virtual:floatingip" {
				ri.Addresses = append([]string(nil), r.Allocated...)
			}
			li.Reservations = append(li.Reservations, ri)
		}
		out = append(out, li)
	}
	return out
}

func (e *Emulator) mutate(site, id string, f func(l *lease)) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.byName[site]
	if s == nil {
		return fmt.Errorf("emulator: unknown site %q", site)
	}
	l := s.byID[id]
	if l == nil {
		return fmt.Errorf("emulator: site %s: no lease %q", site, id)
	}
	if f == nil {
		s.remove(id)
	} else {
		l.markEnded(e.now())
		f(l)
	}
	if err := e.persistLocked(); err != nil {
		return fmt.Errorf("emulator: save failed")
	}
	return nil
}

// DeleteLease removes a lease as if deleted in the GUI.
func (e *Emulator) DeleteLease(site, id string) error { return e.mutate(site, id, nil) }

// SetLeaseEnd moves a lease's end (and its end events), bypassing
// Blazar's checks, as an operator could.
func (e *Emulator) SetLeaseEnd(site, id string, end time.Time) error {
	end = end.UTC()
	return e.mutate(site, id, func(l *lease) {
		old := l.End
		l.End = end
		l.UpdatedAt = e.now().Truncate(time.Second)
		for _, ev := range l.Events {
			switch ev.Type {
			case "end_lease":
				ev.Time = end
			case "before_end_lease":
				ev.Time = end.Add(-old.Sub(ev.Time))
				if ev.Time.Before(l.Start) {
					ev.Time = l.Start
				}
			}
		}
	})
}

// SetLeaseName renames a lease behind the client's back.
func (e *Emulator) SetLeaseName(site, id, name string) error {
	return e.mutate(site, id, func(l *lease) {
		l.Name = name
		l.UpdatedAt = e.now().Truncate(time.Second)
	})
}

// FailOnStart makes a lease go to ERROR instead of ACTIVE when it starts, with
// StartErrorReason as its status_reason.
func (e *Emulator) FailOnStart(site, leaseID string) {
	_ = e.mutate(site, leaseID, func(l *lease) { l.FailOnStart, l.FailReason = true, StartErrorReason })
}

// SetKeystone switches the Keystone profile (KeystoneLegacy, KeystoneFixed,
// KeystoneInsecureEscalation), as an operator changing Keystone's configuration would.
func (e *Emulator) SetKeystone(profile string) error {
	if err := checkProfiles("", profile); err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.keystone = cmp.Or(profile, KeystoneLegacy)
	return nil
}
