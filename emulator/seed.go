package emulator

import (
	"fmt"
	"time"
)

// busySpan is one booking of the seeded calendar, in hours from the seed time.
type busySpan struct{ from, hours int }

// calendarPattern places other projects' leases on the hosts of one node type by their
// position in it (1 = first), so every type is partly booked over the coming week while at
// least two hosts of each type (and most of the large ones) stay free for the next three
// days: the examples and the quick start still fit, and availability has something to show.
func calendarPattern(i, n int) []busySpan {
	var out []busySpan
	switch {
	case i == n && n >= 4: // one host taken right now, for a day and a half
		out = append(out, busySpan{0, 36})
	case i == n-1 && n >= 2: // a two-day lease in three days
		out = append(out, busySpan{72, 48})
	case i == 1 && n >= 3: // a day, late in the week, then another after a gap
		out = append(out, busySpan{132, 24}, busySpan{160, 8})
	case i == 2 && n >= 6: // a short one tomorrow and a long one at the end of the week
		out = append(out, busySpan{30, 6}, busySpan{110, 50})
	}
	return out
}

// SeedOtherProjects books a realistic calendar for the "other" project at every site, from
// now on: some hosts of every node type, a few VLAN segments and devices, each as one lease
// created the way a user's would be (same checks, same allocation). It does nothing when the
// other project already has a lease anywhere (so a persisted emulator is seeded once) or the
// inventory has no "other" user. --local and emulator serve call it; tests that count
// leases do not.
func (e *Emulator) SeedOtherProjects() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.projectByName(OtherProject)
	var u *User
	for i := range e.inv.Users {
		if e.inv.Users[i].Name == OtherUser {
			u = &e.inv.Users[i]
		}
	}
	if p == nil || u == nil {
		return nil
	}
	for _, s := range e.sites {
		for _, l := range s.leases {
			if l.ProjectID == p.ID {
				return nil
			}
		}
	}
	now := e.now()
	base := now.Truncate(time.Minute).Add(time.Minute)
	tok := &token{user: u, project: p}
	for _, s := range e.sites {
		sd := &seeder{e: e, s: s, tok: tok, now: now, base: base}
		if err := sd.hosts(); err != nil {
			return err
		}
		if err := sd.segments(); err != nil {
			return err
		}
		if err := sd.devices(); err != nil {
			return err
		}
	}
	if e.cfg.DataFile != "" {
		if err := e.persistLocked(); err != nil {
			return fmt.Errorf("emulator: save the seeded calendar: %s", err.Msg)
		}
	}
	return nil
}

// seeder books the other project's leases at one site, with e.mu held.
type seeder struct {
	e    *Emulator
	s    *site
	tok  *token
	now  time.Time
	base time.Time // the calendar's hour 0
}

func (sd *seeder) date(h int) string {
	return sd.base.Add(time.Duration(h) * time.Hour).Format("2006-01-02 15:04")
}

// book creates one lease of the other project over span, the way a user's create would.
func (sd *seeder) book(name string, span busySpan, resv map[string]any) error {
	body := map[string]any{"name": name, "start_date": sd.date(span.from), "end_date": sd.date(span.from + span.hours),
		"reservations": []any{resv}}
	req, err := sd.e.prepareCreate(sd.s, sd.tok, body, nil, sd.now)
	if err != nil {
		return fmt.Errorf("emulator: seed %s at %s: %s", name, sd.s.name, err.Msg)
	}
	l, err := sd.e.commitCreate(sd.s, req)
	if err != nil {
		return fmt.Errorf("emulator: seed %s at %s: %s", name, sd.s.name, err.Msg)
	}
	sd.s.add(l)
	return nil
}

// hosts books every host on the calendar pattern, node type by node type.
func (sd *seeder) hosts() error {
	order, byType := groupBy(sd.s.inv.Hosts, func(h Host) string { return h.Extra["node_type"] })
	for _, t := range order {
		hs := byType[t]
		for i, h := range hs {
			for k, span := range calendarPattern(i+1, len(hs)) {
				q := fmt.Sprintf(`["==", "$node_name", "%s"]`, h.Extra["node_name"])
				if err := sd.book(fmt.Sprintf("other-%s-%d", h.Extra["node_name"], k+1), span, map[string]any{
					"resource_type": "physical:host", "min": 1, "max": 1, "hypervisor_properties": "", "resource_properties": q}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// segments books up to three physnet1 VLAN segments, staggered by a day.
func (sd *seeder) segments() error {
	for i, g := range sd.s.inv.Segments {
		if i >= 3 || g.PhysicalNetwork != "physnet1" {
			continue
		}
		if err := sd.book(fmt.Sprintf("other-vlan-%d", i+1), busySpan{24 * i, 48}, map[string]any{"resource_type": "network",
			"network_name": fmt.Sprintf("other-net-%d", i+1), "network_properties": "", "resource_properties": `["==", "$physical_network", "physnet1"]`}); err != nil {
			return err
		}
	}
	return nil
}

// devices books every device on the calendar pattern, machine by machine.
func (sd *seeder) devices() error {
	machines, byMachine := groupBy(sd.s.inv.Devices, func(d Device) string { return d.Extra["machine_name"] })
	for _, m := range machines {
		ds := byMachine[m]
		for i, d := range ds {
			for k, span := range calendarPattern(i+1, len(ds)) {
				if err := sd.book(fmt.Sprintf("other-%s-%d", d.Name, k+1), span, map[string]any{"resource_type": "device", "min": 1, "max": 1,
					"resource_properties": fmt.Sprintf(`["==", "$name", "%s"]`, d.Name)}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// groupBy groups items by key, keeping the order in which keys first appear.
func groupBy[T any](items []T, key func(T) string) (order []string, groups map[string][]T) {
	groups = map[string][]T{}
	for _, it := range items {
		k := key(it)
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], it)
	}
	return order, groups
}
