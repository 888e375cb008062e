package plan

import (
	"fmt"
	"strconv"
	"time"

	"github.com/chameleoncloud/leasefile/avail"
	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
)

// Availability is what CheckAvailability checks a plan against: each site's inventory and
// allocations as package avail models them (a missing site is "availability unknown"), the
// live leases the plan was built from, the project of each site, and the policy overrides.
type Availability struct {
	Sites   map[string]*avail.Site
	Live    map[string][]leases.Lease
	Project map[string]string
	Policy  map[string]avail.Policy
	Now     time.Time
	// State names the reservations of tracked leases (their keys in the Leasefile).
	State *state.File
}

// PolicyOverrides turns a Leasefile's policy section into the policies it sets: each site's
// built-in default with the fields the Leasefile gives replaced.
func PolicyOverrides(f *spec.File) map[string]avail.Policy {
	if f == nil || len(f.Policy) == 0 {
		return nil
	}
	out := map[string]avail.Policy{}
	for site, o := range f.Policy {
		p := avail.PolicyFor(site, nil)
		if o.MaxDuration != nil {
			p.MaxDuration = *o.MaxDuration
		}
		if o.ExtensionWindow != nil {
			p.ExtensionWindow = *o.ExtensionWindow
		}
		out[site] = p
	}
	return out
}

// NeedsAvailability lists the sites where the plan creates, replaces, grows or moves a lease:
// the only ones whose inventory CheckAvailability reads.
func (p *Plan) NeedsAvailability() []string {
	seen := map[string]bool{}
	var out []string
	for _, ch := range p.Changes {
		if (ch.Create != nil || ch.Update != nil) && !seen[ch.Site] {
			seen[ch.Site] = true
			out = append(out, ch.Site)
		}
	}
	return out
}

// CheckAvailability annotates every create, replacement and in-place growth or window change
// of p with a verdict per reservation ("fits: 4 of 6 matching free for the whole window", "will
// fail: ...", "availability unknown: ..."), and the policy's words for a lease that breaks
// its site's policy. The leases of the plan compete, in the plan's order. It returns the
// verdicts that will fail, each naming its lease.
func CheckAvailability(p *Plan, in Availability) []string {
	c := &capacityCheck{p: p, in: in, now: in.Now.UTC().Truncate(time.Minute)}
	for i := range p.Changes {
		ch := &p.Changes[i]
		pol := avail.PolicyFor(ch.Site, in.Policy)
		switch {
		case ch.Create != nil:
			c.create(i, pol)
		case ch.Update != nil:
			c.update(i, pol)
		}
	}
	c.check()
	return c.failing
}

// capacityCheck gathers CheckAvailability's requests, one per reservation a change asks
// for, and the failures found on the way.
type capacityCheck struct {
	p       *Plan
	in      Availability
	now     time.Time
	reqs    []avail.Request
	slots   []capacitySlot // beside reqs: where each request's result is noted
	failing []string
	byID    map[string]map[string]*leases.Lease // changedLeases, made for the first update
}

// capacitySlot is the change and the reservation label a request's result is noted on.
type capacitySlot struct {
	change int
	label  string
}

func (c *capacityCheck) note(i int, msg string) {
	c.p.Changes[i].Availability = append(c.p.Changes[i].Availability, msg)
}

// refuse notes a policy refusal on change i and counts it as a failure.
func (c *capacityCheck) refuse(i int, msg string) {
	c.note(i, "will fail: "+msg)
	c.failing = append(c.failing, fmt.Sprintf("lease %s: %s", c.p.Changes[i].Key, msg))
}

// create checks the policy of the window of create i and asks for each of its reservations.
func (c *capacityCheck) create(i int, pol avail.Policy) {
	ch := &c.p.Changes[i]
	start := ch.Create.Start
	if start.IsZero() {
		start = c.now
	}
	end := ch.Create.End
	if end.IsZero() {
		end = start.Add(ch.Create.Duration)
	}
	doomed := false
	if msg := pol.CheckCreate(start, end); msg != "" {
		c.refuse(i, msg)
		doomed = true
	}
	for _, r := range ch.Create.Reservations {
		q, unknown := request(r.Body, ch.Site, c.in.Project[ch.Site], start, end)
		label := "reservations." + r.Key
		if unknown != "" {
			c.note(i, label+": availability unknown: "+unknown)
			continue
		}
		q.Label, q.Group, q.Doomed = ch.Key+"."+r.Key, ch.Key, doomed
		if ch.Action == DeleteThenCreate && ch.FromSite == "" {
			q.Lease = ch.LeaseID // deleted first: its resources are free again
		}
		c.reqs, c.slots = append(c.reqs, q), append(c.slots, capacitySlot{i, label})
	}
}

// update checks the policy of the new window of update i and asks again for each reservation
// of the live lease that moves or grows.
func (c *capacityCheck) update(i int, pol avail.Policy) {
	ch := &c.p.Changes[i]
	if c.byID == nil {
		c.byID = changedLeases(c.p, c.in.Live)
	}
	cur := c.byID[ch.Site][ch.LeaseID]
	if cur == nil {
		return
	}
	start, end := cur.StartDate, cur.EndDate
	if ch.Update.Start != nil {
		start = *ch.Update.Start
	}
	if ch.Update.End != nil {
		end = *ch.Update.End
	}
	moved := ch.Update.Start != nil || ch.Update.End != nil
	doomed := false
	if moved {
		if msg := pol.CheckUpdate(c.in.Now, cur.StartDate, cur.EndDate, start, end); msg != "" {
			c.refuse(i, msg)
			doomed = true
		}
	}
	started := !c.in.Now.Before(cur.StartDate) && cur.Status != "PENDING"
	for _, r := range cur.Reservations {
		body := reservationBody(r)
		grow := false
		for _, u := range ch.Update.Reservations {
			if u.ID == r.ID {
				body = body.With(u.Body)
				grow = deref(body.Min) > countOf(r.Min) || deref(body.Max) > countOf(r.Max) || deref(body.Amount) > countOf(r.Amount)
			}
		}
		if !moved && !grow {
			continue
		}
		key := reservationKey(c.in.State, ch, r.ID)
		label := "reservations." + key
		q, unknown := request(body, ch.Site, c.in.Project[ch.Site], start, end)
		if unknown != "" {
			c.note(i, label+": availability unknown: "+unknown)
			continue
		}
		q.Label, q.Lease, q.Group, q.Doomed = ch.Key+"."+key, ch.LeaseID, ch.Key, doomed
		if s := c.in.Sites[ch.Site]; s != nil {
			for _, b := range s.Bookings {
				if b.LeaseID == ch.LeaseID && b.ReservationID == r.ID {
					q.Holds = append(q.Holds, b.ResourceID)
				}
			}
		}
		switch {
		case grow:
			q.Mode = avail.Grow
		case started:
			q.Mode = avail.Extend
		default:
			q.Mode = avail.Move
		}
		c.reqs, c.slots = append(c.reqs, q), append(c.slots, capacitySlot{i, label})
	}
}

// check runs every request against the sites together and notes each result.
func (c *capacityCheck) check() {
	for k, r := range avail.Check(c.in.Sites, c.reqs) {
		s := c.slots[k]
		msg := r.String()
		if r.Fits && !r.Unknown {
			if su := estimateSU(c.in.Sites[r.Request.Site], r); su > 0 {
				msg += fmt.Sprintf(", about %s SU", strconv.FormatFloat(su, 'f', -1, 64))
			}
		}
		c.note(s.change, s.label+": "+msg)
		if !r.Fits && !r.Unknown {
			c.failing = append(c.failing, fmt.Sprintf("lease %s, %s: %s", c.p.Changes[s.change].Key, s.label, msg))
		}
	}
}

func estimateSU(s *avail.Site, r avail.Result) float64 {
	if s == nil {
		return 0
	}
	var rs []*avail.Resource
	for _, id := range r.Chosen {
		if res := s.Resource(r.Request.Kind, id); res != nil {
			rs = append(rs, res)
		}
	}
	su := avail.SU(r.Request.Start, r.Request.End, rs)
	return float64(int(su*100+0.5)) / 100
}

func liveLease(ls []leases.Lease, id string) *leases.Lease {
	for i := range ls {
		if ls[i].ID == id {
			return &ls[i]
		}
	}
	return nil
}

// reservationKey is the Leasefile key of the live reservation id: from the update, else
// from the state.
func reservationKey(st *state.File, ch *Change, id string) string {
	for _, u := range ch.Update.Reservations {
		if u.ID == id {
			return u.Key
		}
	}
	if st != nil {
		if l, ok := st.Lease(ch.Key); ok {
			for k, r := range l.Reservations {
				if r.ID == id {
					return k
				}
			}
		}
	}
	return id
}

// reservationBody is the body that would create r as Blazar shows it.
func reservationBody(r leases.Reservation) spec.ReservationBody {
	copyOf := func(p *int) *int {
		if p == nil {
			return nil
		}
		return ref(*p)
	}
	return spec.ReservationBody{ResourceType: r.ResourceType, ResourceProperties: ref(r.ResourceProperties),
		HypervisorProperties: ref(r.HypervisorProperties), Min: copyOf(r.Min), Max: copyOf(r.Max), Amount: copyOf(r.Amount)}
}

func countOf(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// request turns a Blazar reservation body into an avail request, or says why its
// availability cannot be known.
func request(body spec.ReservationBody, site, project string, start, end time.Time) (avail.Request, string) {
	q := avail.Request{Site: site, Project: project, Start: start, End: end}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	var raw []string
	switch rt := body.ResourceType; rt {
	case "physical:host":
		q.Kind, raw = avail.Host, []string{str(body.HypervisorProperties), str(body.ResourceProperties)}
		q.Min, q.Max = deref(body.Min), deref(body.Max)
	case "device":
		q.Kind, raw = avail.Device, []string{str(body.ResourceProperties)}
		q.Min, q.Max = deref(body.Min), deref(body.Max)
	case "network":
		q.Kind, raw = avail.Network, []string{str(body.ResourceProperties)}
		q.Min, q.Max = 1, 1
	case "virtual:floatingip":
		return q, "Chameleon shows project members no floating-IP allocations (403)"
	default:
		return q, fmt.Sprintf("%s reservations are not checked", rt)
	}
	for _, s := range raw {
		conds, err := avail.ParseRequirements(s)
		if err != nil {
			q.Malformed = err
			return q, ""
		}
		q.Conds = append(q.Conds, conds...)
	}
	return q, ""
}
