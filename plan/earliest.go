package plan

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chameleoncloud/leasefile/avail"
	"github.com/chameleoncloud/leasefile/spec"
)

// ResolveEarliest picks the start of every lease p creates with `start: earliest`: the
// earliest start, from not_before (or now) and within the lease's horizon, at which every
// reservation of the lease fits for its whole duration, one common start for the leases of a
// `together` group (across sites). The chosen window goes into the create (so a saved plan
// keeps it) and its fields, with a note; a lease that fits nowhere in the horizon gets a
// "will fail" note, returned like CheckAvailability's. A group is searched after the groups
// before it took their resources. Leases that exist are never re-planned: their real start
// stands. Call it before CheckAvailability, with the same input.
func ResolveEarliest(p *Plan, f *spec.File, in Availability) []string {
	if f == nil {
		return nil
	}
	byKey := map[string]*spec.Lease{}
	for _, l := range f.Leases {
		if l.Earliest != nil {
			byKey[l.Key] = l
		}
	}
	order, groups := earliestGroups(p, byKey)
	sites := cloneSites(in.Sites)
	now := in.Now.UTC()
	var failing []string
	for _, g := range order {
		members := groups[g]
		s := gatherEarliest(p, members, byKey, sites, in, now)
		if s.unknown != "" {
			for _, i := range members {
				p.Changes[i].Availability = append(p.Changes[i].Availability, "start: earliest: availability unknown ("+s.unknown+"): the lease starts now")
			}
			continue
		}
		// Every request of the group starts at the same time, keeping its own duration.
		for j := range s.reqs {
			d := s.reqs[j].End.Sub(s.reqs[j].Start)
			s.reqs[j].Start, s.reqs[j].End = s.notBefore, s.notBefore.Add(d)
		}
		start, results, ok := avail.Earliest(sites, s.reqs, s.notBefore, s.within)
		if !ok {
			failing = append(failing, failEarliest(p, members, s, results)...)
			continue
		}
		book(sites, results)
		chooseEarliest(p, members, s, start, now)
	}
	return failing
}

// earliestGroup names one search of ResolveEarliest: a `together` group, or a lone lease.
type earliestGroup struct {
	together string // the group's name, or "" for a lone lease
	lease    string // the lone lease's key
}

// earliestGroups gathers the creates of p whose lease starts earliest into their groups, in
// the order of the plan's changes: indexes into p.Changes per group.
func earliestGroups(p *Plan, byKey map[string]*spec.Lease) ([]earliestGroup, map[earliestGroup][]int) {
	var order []earliestGroup
	groups := map[earliestGroup][]int{}
	for i, ch := range p.Changes {
		l := byKey[ch.Key]
		if l == nil || ch.Create == nil {
			continue
		}
		g := earliestGroup{lease: ch.Key}
		if l.Earliest.Together != "" {
			g = earliestGroup{together: l.Earliest.Together}
		}
		if groups[g] == nil {
			order = append(order, g)
		}
		groups[g] = append(groups[g], i)
	}
	return order, groups
}

// cloneSites copies the sites, so that their bookings can grow with each group's choice.
func cloneSites(in map[string]*avail.Site) map[string]*avail.Site {
	sites := map[string]*avail.Site{}
	for name, s := range in {
		c := *s
		c.Bookings = slices.Clone(s.Bookings)
		sites[name] = &c
	}
	return sites
}

// earliestSearch is what one group's search starts from.
type earliestSearch struct {
	notBefore time.Time       // the latest not_before of the group's leases, or now
	within    time.Duration   // the shortest horizon of the group's leases
	reqs      []avail.Request // every counted reservation of the group
	keys      []string        // the group's lease keys
	unknown   string          // why availability is unknown, or ""
	with      string          // " for a and b together" for a group of more than one lease
}

// gatherEarliest collects the window bounds and the requests of one group's leases.
func gatherEarliest(p *Plan, members []int, byKey map[string]*spec.Lease, sites map[string]*avail.Site, in Availability, now time.Time) earliestSearch {
	s := earliestSearch{notBefore: now}
	for _, i := range members {
		ch := &p.Changes[i]
		e := byKey[ch.Key].Earliest
		s.keys = append(s.keys, ch.Key)
		if e.NotBefore.After(s.notBefore) {
			s.notBefore = e.NotBefore
		}
		if s.within == 0 || e.Within < s.within {
			s.within = e.Within
		}
		if site := sites[ch.Site]; site == nil {
			s.unknown = fmt.Sprintf("%s was not read", ch.Site)
		}
		for _, r := range ch.Create.Reservations {
			q, why := request(r.Body, ch.Site, in.Project[ch.Site], s.notBefore, s.notBefore.Add(ch.Create.Duration))
			if why != "" {
				continue // floating IPs: not counted, they do not move the start
			}
			if site := sites[ch.Site]; site != nil && site.Unknown[q.Kind] != "" {
				s.unknown = site.Unknown[q.Kind]
			}
			q.Label = ch.Key + "." + r.Key
			s.reqs = append(s.reqs, q)
		}
	}
	if len(s.keys) > 1 {
		s.with = fmt.Sprintf(" for %s together", strings.Join(s.keys, " and "))
	}
	return s
}

// failEarliest notes on every lease of a group that fits nowhere in its horizon why, and
// returns the notes as failures.
func failEarliest(p *Plan, members []int, s earliestSearch, results []avail.Result) []string {
	why := ""
	for _, r := range results {
		if !r.Fits {
			why = ": " + strings.TrimPrefix(r.String(), "will fail: ")
			break
		}
	}
	var failing []string
	for _, i := range members {
		ch := &p.Changes[i]
		msg := fmt.Sprintf("will fail: no start within %s after %s at which every reservation fits%s%s", spec.FormatDuration(s.within),
			s.notBefore.Format(spec.BlazarLayout), s.with, why)
		ch.Availability = append(ch.Availability, "start: earliest: "+msg)
		failing = append(failing, fmt.Sprintf("lease %s: start: earliest: %s", ch.Key, msg))
	}
	return failing
}

// book adds the resources a group was given to the sites' bookings, so that the groups after
// it cannot take them.
func book(sites map[string]*avail.Site, results []avail.Result) {
	for _, r := range results {
		if s := sites[r.Request.Site]; s != nil {
			for _, id := range r.Chosen {
				s.Bookings = append(s.Bookings, avail.Booking{Kind: r.Request.Kind, ResourceID: id, LeaseID: "\x00" + r.Request.Label,
					Start: r.Request.Start, End: r.Request.End})
			}
		}
	}
}

// chooseEarliest puts the start found into the creates of a group's leases, their fields and
// notes.
func chooseEarliest(p *Plan, members []int, s earliestSearch, start, now time.Time) {
	for _, i := range members {
		ch := &p.Changes[i]
		// The first minute from now stays "now": a start Blazar would find in the past by
		// the time apply sends it would be refused.
		if !start.After(now.Truncate(time.Minute).Add(time.Minute)) {
			ch.Availability = append(ch.Availability, "start: earliest: now, every reservation fits"+s.with)
			continue
		}
		ch.Create.Start, ch.Create.End, ch.EarliestStart = start, start.Add(ch.Create.Duration), true
		for k := range ch.Fields {
			switch ch.Fields[k].Path {
			case "start":
				ch.Fields[k] = FieldChange{Path: "start", New: fmtTime(ch.Create.Start)}
			case "end":
				ch.Fields[k] = FieldChange{Path: "end", New: fmtTime(ch.Create.End)}
			}
		}
		ch.Availability = append(ch.Availability, fmt.Sprintf("start: earliest: %s, the first start within %s at which every reservation fits%s",
			start.Format(spec.BlazarLayout), spec.FormatDuration(s.within), s.with))
	}
}

// StaleEarliest re-checks the windows ResolveEarliest chose in a saved plan, at now and
// against the sites as they are: it returns why each one no longer holds (its start has
// passed, or a reservation no longer fits), or nothing.
func StaleEarliest(p *Plan, in Availability) []string {
	var out []string
	check := &Plan{}
	for _, ch := range p.Changes {
		if !ch.EarliestStart || ch.Create == nil {
			continue
		}
		if ch.Create.Start.Before(in.Now.UTC().Truncate(time.Minute)) {
			out = append(out, fmt.Sprintf("lease %s: the start plan chose, %s, has passed", ch.Key, ch.Create.Start.Format(spec.BlazarLayout)))
			continue
		}
		c := ch
		c.Availability = nil
		check.Changes = append(check.Changes, c)
	}
	for _, f := range CheckAvailability(check, in) {
		out = append(out, f+" (the window plan chose is no longer free)")
	}
	return out
}
