package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/plan"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/google/uuid"
	"github.com/urfave/cli/v3"
)

func (a *app) importCommand() *cli.Command {
	var lockTimeout = new(runOptions)
	return &cli.Command{
		Name:      "import",
		Usage:     "adopt an existing lease (made in the GUI or a notebook) under a Leasefile key",
		UsageText: "leasefile import KEY LEASE_ID",
		Description: "The lease must have the reservations the Leasefile entry declares: each reservation key is\n" +
			"matched to one of the lease's reservations by type, then by constraints and count.\n\n" +
			"Example:\n  leasefile import training 6ee55c78-ac52-41a6-99af-2d2d73bcc466",
		Flags: []cli.Flag{lockTimeoutFlag(&lockTimeout.lockTimeout)},
		Action: func(ctx context.Context, c *cli.Command) error {
			if c.Args().Len() != 2 {
				return fmt.Errorf("import needs a lease KEY and a LEASE_ID")
			}
			key, id := c.Args().Get(0), c.Args().Get(1)
			if _, err := uuid.Parse(id); err != nil {
				return fmt.Errorf("%q is not a lease ID: give the lease's UUID (openstack reservation lease list shows it)", id)
			}
			s, err := a.openSession(ctx, specRequired)
			if err != nil {
				return err
			}
			defer s.close()
			want := s.spec.Lease(key)
			if want == nil {
				return fmt.Errorf("the Leasefile declares no lease %q: add it first, then import", key)
			}
			if err := s.connect(ctx, []string{want.Site}); err != nil {
				return err
			}
			site := s.sites[want.Site]
			// Chameleon's Blazar answers any project's lease by id: GetOwn refuses another's.
			live, err := leases.GetOwn(ctx, site.Reservation, id, site.ProjectID)
			if err != nil {
				if blazar.IsKind(err, blazar.NotFound) {
					return fmt.Errorf("no lease %s at %s in project %s: %w", id, want.Site, site.ProjectID, err)
				}
				return err
			}
			matched, err := matchReservations(want, live)
			if err != nil {
				return err
			}
			return a.withStateLock(ctx, s, "import", lockTimeout.lockTimeout, func(f *state.File) error {
				if l, ok := f.Lease(key); ok {
					return fmt.Errorf("lease.%s is already in the state (lease %s): run leasefile state rm %s first to import another", key, l.ID, key)
				}
				for _, k := range f.Keys() {
					if l, _ := f.Lease(k); l.ID == id {
						return fmt.Errorf("lease %s is already in the state as lease.%s", id, k)
					}
				}
				if err := f.CheckSite(want.Site, s.identity(site)); err != nil {
					return err
				}
				f.SetSite(want.Site, s.identity(site))
				sl := &state.Lease{ID: live.ID, Name: live.Name, Site: want.Site, Status: live.Status,
					Start: live.StartDate, End: live.EndDate, CreatedAt: live.CreatedAt, Reservations: matched,
					UpdatedAt: blazar.FormatTimestamp(live.UpdatedAt)}
				f.SetLease(key, sl)
				// The user says which lease is this key's: an interrupted create's intent
				// for the key must not adopt another one later.
				f.DropIntent(key)
				fmt.Fprintf(a.stdout, "Imported lease %s (%s, %s) as lease.%s.\nRun leasefile plan to see how it differs from the Leasefile.\n", live.ID, live.Name, live.Status, key)
				return nil
			})
		},
	}
}

// matchReservations maps each reservation key of the Leasefile entry to one reservation of
// the live lease: by resource type, then by constraints and count when a type repeats.
func matchReservations(want *spec.Lease, live *leases.Lease) (map[string]state.Reservation, error) {
	describe := func(types []string) string { return strings.Join(types, ", ") }
	var wantTypes, liveTypes []string
	for _, r := range want.Reservations {
		wantTypes = append(wantTypes, r.Type.ResourceType())
	}
	for _, r := range live.Reservations {
		liveTypes = append(liveTypes, r.ResourceType)
	}
	if len(wantTypes) != len(liveTypes) {
		return nil, fmt.Errorf("lease %s has %d reservations (%s) but leases.%s declares %d (%s): make the Leasefile entry match the lease",
			live.ID, len(liveTypes), describe(liveTypes), want.Key, len(wantTypes), describe(wantTypes))
	}
	out := map[string]state.Reservation{}
	used := map[string]string{} // live reservation ID -> key
	for _, r := range want.Reservations {
		var candidates []leases.Reservation
		for _, lr := range live.Reservations {
			if lr.ResourceType == r.Type.ResourceType() {
				candidates = append(candidates, lr)
			}
		}
		if len(candidates) > 1 {
			var exact []leases.Reservation
			for _, lr := range candidates {
				if reservationMatches(r, lr) {
					exact = append(exact, lr)
				}
			}
			candidates = exact
		}
		switch len(candidates) {
		case 0:
			return nil, fmt.Errorf("no reservation of lease %s matches leases.%s.reservations.%s (%s): check its type, constraints and count", live.ID, want.Key, r.Key, r.Type.ResourceType())
		case 1:
		default:
			return nil, fmt.Errorf("reservations %s of lease %s all match leases.%s.reservations.%s: give that reservation a distinguishing constraint or count in the Leasefile",
				reservationIDs(candidates), live.ID, want.Key, r.Key)
		}
		c := candidates[0]
		if other, dup := used[c.ID]; dup {
			return nil, fmt.Errorf("reservations %s and %s of leases.%s both match reservation %s of lease %s: make them differ in constraints or count", other, r.Key, want.Key, c.ID, live.ID)
		}
		used[c.ID] = r.Key
		// What Blazar does not return (a network's name and description) is taken from the
		// entry the user imports it under.
		out[r.Key] = plan.Record(state.Reservation{ID: c.ID, ResourceType: c.ResourceType}, r.Body(want.BeforeEnd, want.BeforeEndSet))
	}
	return out, nil
}

func reservationMatches(r *spec.Reservation, lr leases.Reservation) bool {
	switch r.Type {
	case spec.Node, spec.Device, spec.Network:
		q, err := spec.ParseQuery(lr.ResourceProperties)
		if err != nil || !q.Equal(r.Constraints()) {
			return false
		}
		if r.Type != spec.Network && (lr.Max == nil || *lr.Max != r.Max || lr.Min == nil || *lr.Min != r.Min) {
			return false
		}
	case spec.FloatingIP:
		if lr.Amount == nil || *lr.Amount != r.Max {
			return false
		}
	}
	return true
}

func reservationIDs(rs []leases.Reservation) string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return strings.Join(ids, ", ")
}
