package plan

import (
	"fmt"
	"time"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/internal/chameleon"
)

// Idle is what WarnIdle checks the plan's active leases against: the live leases the plan
// was built from, and per site whether the project has any server there (Nova's
// GET /servers). A site absent from Servers is unknown, and gets no warning.
type Idle struct {
	Live    map[string][]leases.Lease
	Servers map[string]bool
	Now     time.Time
}

// idleCandidates lists the changes of p whose lease stays (no delete, no replacement) and is
// ACTIVE with host reservations for longer than Chameleon's idle window, with that lease.
func idleCandidates(p *Plan, live map[string][]leases.Lease) (out []idleLease) {
	find := p.liveFinder(live)
	for i, ch := range p.Changes {
		if ch.LeaseID == "" || ch.Action == Delete || ch.Action.IsReplace() {
			continue
		}
		l := find(ch.Site, ch.LeaseID)
		if l == nil || l.Status != "ACTIVE" || !hasHosts(l) {
			continue
		}
		deadline, ok := chameleon.IdleDeadline(l.StartDate, l.EndDate)
		if !ok {
			continue
		}
		out = append(out, idleLease{change: i, lease: l, deadline: deadline})
	}
	return out
}

// liveFinder finds the live lease of a change of p as changedLeases does: through the lookup
// Build made, when live is the lists p was built from, else by indexing live.
func (p *Plan) liveFinder(live map[string][]leases.Lease) func(site, id string) *leases.Lease {
	if p.lookup != nil && p.lookup.of(live) {
		return p.lookup.listed
	}
	byID := changedLeases(p, live)
	return func(site, id string) *leases.Lease { return byID[site][id] }
}

// changedLeases is liveLease(live[ch.Site], ch.LeaseID) for every change ch of p, by site and
// ID, from one pass over each site's list instead of one per change.
func changedLeases(p *Plan, live map[string][]leases.Lease) map[string]map[string]*leases.Lease {
	ids := map[string]map[string]bool{}
	for _, ch := range p.Changes {
		if ids[ch.Site] == nil {
			ids[ch.Site] = map[string]bool{}
		}
		ids[ch.Site][ch.LeaseID] = true
	}
	out := make(map[string]map[string]*leases.Lease, len(ids))
	for site, want := range ids {
		ls := live[site]
		m := make(map[string]*leases.Lease, len(want))
		for i := range ls {
			if _, seen := m[ls[i].ID]; want[ls[i].ID] && !seen {
				m[ls[i].ID] = &ls[i] // the first listed, as liveLease finds
			}
		}
		out[site] = m
	}
	return out
}

type idleLease struct {
	change   int
	lease    *leases.Lease
	deadline time.Time
}

func hasHosts(l *leases.Lease) bool {
	for _, r := range l.Reservations {
		if r.ResourceType == "physical:host" {
			return true
		}
	}
	return false
}

// IdleSites lists the sites where p keeps an ACTIVE bare-metal lease that Chameleon's
// idle-lease reaper could delete: the only ones whose servers WarnIdle needs.
func IdleSites(p *Plan, live map[string][]leases.Lease) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range idleCandidates(p, live) {
		if site := p.Changes[c.change].Site; !seen[site] {
			seen[site] = true
			out = append(out, site)
		}
	}
	return out
}

// WarnIdle warns, once per lease, of each ACTIVE bare-metal lease of p at a site where the
// project has no server: Chameleon deletes a lease with no instance on its hosts 9 hours
// after its start. Blazar does not tell which servers run on a lease's hosts, so a project
// with any server at the site, or whose servers cannot be listed, gets no warning.
func WarnIdle(p *Plan, in Idle) {
	now := in.Now.UTC()
	for _, c := range idleCandidates(p, in.Live) {
		ch := p.Changes[c.change]
		if has, known := in.Servers[ch.Site]; !known || has {
			continue
		}
		hours := chameleon.IdleLeaseSeconds / 3600
		var when string
		if now.Before(c.deadline) {
			when = fmt.Sprintf("(at %s)", clockTime(c.deadline, now))
		} else {
			when = fmt.Sprintf("(%s, already past: the reaper may delete it at its next run)", clockTime(c.deadline, now))
		}
		p.Warnings = append(p.Warnings, fmt.Sprintf("lease %q at %s has been ACTIVE since %s with no instance in the project at the site: Chameleon deletes a lease with no instance %d h after its start %s",
			ch.Key, ch.Site, clockTime(c.lease.StartDate, now), hours, when))
	}
}

// clockTime shows t as a time of day when it falls on now's date, else with its date.
func clockTime(t, now time.Time) string {
	t = t.UTC()
	if y, m, d := t.Date(); now.Year() == y && now.Month() == m && now.Day() == d {
		return t.Format("15:04 UTC")
	}
	return t.Format("2006-01-02 15:04 UTC")
}
