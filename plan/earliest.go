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
	var order []string
	groups := map[string][]int{}
	for i, ch := range p.Changes {
		l := byKey[ch.Key]
		if l == nil || ch.Create == nil {
			continue
		}
		g := "lease " + ch.Key
		if l.Earliest.Together != "" {
			g = "group " + l.Earliest.Together
		}
		if groups[g] == nil {
			order = append(order, g)
		}
		groups[g] = append(groups[g], i)
	}
	// A copy of the sites whose bookings grow with each group's choice.
	sites := map[string]*avail.Site{}
	for name, s := range in.Sites {
		c := *s
		c.Bookings = slices.Clone(s.Bookings)
		sites[name] = &c
	}
	now := in.Now.UTC()
	var failing []string
	for _, g := range order {
		members := groups[g]
		notBefore, within := now, time.Duration(0)
		var reqs []avail.Request
		unknown := ""
		var keys []string
		for _, i := range members {
			ch := &p.Changes[i]
			e := byKey[ch.Key].Earliest
			keys = append(keys, ch.Key)
			if e.NotBefore.After(notBefore) {
				notBefore = e.NotBefore
			}
			if within == 0 || e.Within < within {
				within = e.Within
			}
			if s := sites[ch.Site]; s == nil {
				unknown = fmt.Sprintf("%s was not read", ch.Site)
			}
			for _, r := range ch.Create.Reservations {
				q, why := request(r.Body, ch.Site, in.Project[ch.Site], notBefore, notBefore.Add(ch.Create.Duration))
				if why != "" {
					continue // floating IPs: not counted, they do not move the start
				}
				if s := sites[ch.Site]; s != nil && s.Unknown[q.Kind] != "" {
					unknown = s.Unknown[q.Kind]
				}
				q.Label = ch.Key + "." + r.Key
				reqs = append(reqs, q)
			}
		}
		if unknown != "" {
			for _, i := range members {
				p.Changes[i].Availability = append(p.Changes[i].Availability, "start: earliest: availability unknown ("+unknown+"): the lease starts now")
			}
			continue
		}
		// Every request of the group starts at the same time, keeping its own duration.
		for j := range reqs {
			d := reqs[j].End.Sub(reqs[j].Start)
			reqs[j].Start, reqs[j].End = notBefore, notBefore.Add(d)
		}
		start, results, ok := avail.Earliest(sites, reqs, notBefore, within)
		with := ""
		if len(keys) > 1 {
			with = fmt.Sprintf(" for %s together", strings.Join(keys, " and "))
		}
		if !ok {
			why := ""
			for _, r := range results {
				if !r.Fits {
					why = ": " + strings.TrimPrefix(r.String(), "will fail: ")
					break
				}
			}
			for _, i := range members {
				ch := &p.Changes[i]
				msg := fmt.Sprintf("will fail: no start within %s after %s at which every reservation fits%s%s", spec.FormatDuration(within),
					notBefore.Format(spec.BlazarLayout), with, why)
				ch.Availability = append(ch.Availability, "start: earliest: "+msg)
				failing = append(failing, fmt.Sprintf("lease %s: start: earliest: %s", ch.Key, msg))
			}
			continue
		}
		for _, r := range results {
			if s := sites[r.Request.Site]; s != nil {
				for _, id := range r.Chosen {
					s.Bookings = append(s.Bookings, avail.Booking{Kind: r.Request.Kind, ResourceID: id, LeaseID: "\x00" + r.Request.Label,
						Start: r.Request.Start, End: r.Request.End})
				}
			}
		}
		for _, i := range members {
			ch := &p.Changes[i]
			// The first minute from now stays "now": a start Blazar would find in the past by
			// the time apply sends it would be refused.
			if !start.After(now.Truncate(time.Minute).Add(time.Minute)) {
				ch.Availability = append(ch.Availability, "start: earliest: now, every reservation fits"+with)
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
				start.Format(spec.BlazarLayout), spec.FormatDuration(within), with))
		}
	}
	return failing
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
