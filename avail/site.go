package avail

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// Kind is the kind of resource a reservation allocates.
type Kind string

// The kinds Blazar's plugins allocate with a query. Floating IPs have no allocations route,
// so they are not counted here.
const (
	Host    Kind = "host"
	Device  Kind = "device"
	Network Kind = "network"
)

// Resource is one reservable thing at a site, as Blazar's listing shows it.
type Resource struct {
	Kind Kind
	ID   string
	// Name is what a person calls it: node_name or the hostname, the device's name, the
	// physical network and VLAN.
	Name string
	// Columns are the table columns, compared with their own type (int, string, bool).
	Columns map[string]any
	// Extra are the extra capabilities, always compared as strings.
	Extra      map[string]string
	Reservable bool
	Disabled   bool
}

// Booking is one reservation holding a resource over a window, as an allocation lists it.
type Booking struct {
	Kind          Kind
	ResourceID    string
	LeaseID       string
	ReservationID string
	Start, End    time.Time
	// Own marks a booking of the caller's project (a lease it manages).
	Own bool
}

// Site is one site's inventory and allocations, fetched once.
type Site struct {
	Name      string
	Gap       time.Duration // cleaning gap kept free around every reservation
	Resources []*Resource
	Bookings  []Booking
	// Unknown holds, per kind, why its inventory or allocations could not be read (403 or
	// 404): requests of that kind are "availability unknown", neither fitting nor failing.
	Unknown map[Kind]string
}

func (s *Site) ofKind(k Kind) []*Resource {
	var out []*Resource
	for _, r := range s.Resources {
		if r.Kind == k {
			out = append(out, r)
		}
	}
	return out
}

// Mode is how a reservation asks for resources.
type Mode int

// The modes of a request.
const (
	// Create is a new reservation (also a replacement's new lease).
	Create Mode = iota
	// Move is a window change of a lease that has not started: its own bookings do not count,
	// and any matching resource may be taken.
	Move
	// Grow is a larger min/max: what the lease holds stays busy and the whole new amount
	// must be free besides (the fork's rule).
	Grow
	// Extend is a window change of a started lease: only the resources it holds are
	// checked, against everyone else's bookings.
	Extend
)

// Request is one reservation to check.
type Request struct {
	Label    string // e.g. "lease gpu, reservation n"; for messages
	Site     string
	Kind     Kind
	Conds    []Cond
	Min, Max int
	Start    time.Time
	End      time.Time
	Project  string
	Mode     Mode
	// Lease is the id of the existing lease being changed (Move, Grow, Extend) or replaced
	// and deleted first (Create): its bookings are ignored, except under Grow.
	Lease string
	// Holds are the ids of the resources the reservation holds now (Grow, Extend).
	Holds []string
	// Malformed is the error of a query that did not parse: Blazar refuses the request.
	Malformed error
	// Group names the lease the request belongs to: Blazar creates or updates a lease whole
	// or not at all, so when one request of a group fails (or Doomed is set: the lease is
	// refused for another reason, such as policy) no request of it takes resources from the
	// requests after it. The requests of a group are consecutive.
	Group  string
	Doomed bool
}

// Result is the answer for one request.
type Result struct {
	Request  Request
	Matching int      // resources matching the query that the project may reserve
	Free     int      // of those, free for the whole window
	Chosen   []string // what Blazar would most likely allocate, when it fits
	Fits     bool
	// Unknown says availability could not be known (the endpoints were refused or absent);
	// Reason says why.
	Unknown bool
	// Err is a query Blazar refuses outright (malformed, unknown key); Reason explains a
	// query that matches nothing.
	Err    error
	Reason string
	// LatestEnd, for an Extend that does not fit, is the latest end the held resources
	// reach (zero if even the current window is taken).
	LatestEnd time.Time
}

const stamp = "2006-01-02 15:04"

// String is the one-line verdict plan shows: "fits: 4 of 6 matching free for the whole
// window" or "will fail: needs 4 gpu_rtx_6000, at most 2 free between ... and ...".
func (r Result) String() string {
	q := r.Request
	switch {
	case r.Unknown:
		return "availability unknown: " + r.Reason
	case r.Err != nil:
		return "will fail: " + r.Err.Error()
	case r.Fits && q.Mode == Extend:
		verb := "are"
		if len(q.Holds) == 1 {
			verb = "is"
		}
		return fmt.Sprintf("fits: the %d %s it holds %s free until %s", len(q.Holds), plural(q.Kind, len(q.Holds)), verb, q.End.UTC().Format(stamp))
	case r.Fits:
		return fmt.Sprintf("fits: %d of %d matching free for the whole window", r.Free, r.Matching)
	case r.Reason != "":
		return "will fail: " + r.Reason
	case q.Mode == Extend:
		msg := fmt.Sprintf("will fail: another lease books a %s it holds before the new end %s (Blazar keeps the same %ss in an extension)", q.Kind, q.End.UTC().Format(stamp), q.Kind)
		if !r.LatestEnd.IsZero() {
			msg += fmt.Sprintf("; the latest end reachable is %s", r.LatestEnd.UTC().Format(stamp))
		}
		return msg
	}
	need := q.Min
	msg := fmt.Sprintf("will fail: needs %d %s, at most %d free between %s and %s", need, describe(q.Kind, q.Conds, need), r.Free,
		q.Start.UTC().Format(stamp), q.End.UTC().Format(stamp))
	if q.Mode == Grow {
		msg += fmt.Sprintf(" besides the %d it holds", len(q.Holds))
	}
	return msg
}

func plural(k Kind, n int) string {
	if n == 1 {
		return string(k)
	}
	return string(k) + "s"
}

// describe names what a query asks for: the node type or machine name when it says, else
// the kind.
func describe(k Kind, conds []Cond, n int) string {
	for _, c := range conds {
		if c.Op == "==" && (c.Key == "node_type" || c.Key == "machine_name" || c.Key == "physical_network") {
			return c.Value
		}
	}
	return plural(k, n)
}

// conflicts reports whether b overlaps [start, end] widened by gap, ends included.
func conflicts(b Booking, start, end time.Time, gap time.Duration) bool {
	return !b.End.Before(start.Add(-gap)) && !b.Start.After(end.Add(gap))
}

// ledger is the bookings of one site as a check sees them, plus what earlier requests of the
// same check took.
type ledger struct {
	site  *Site
	extra []Booking
}

func (l *ledger) each(f func(Booking) bool) {
	for _, b := range l.site.Bookings {
		if !f(b) {
			return
		}
	}
	for _, b := range l.extra {
		if !f(b) {
			return
		}
	}
}

func (l *ledger) free(k Kind, id string, start, end time.Time, ignoreLease string) bool {
	ok := true
	l.each(func(b Booking) bool {
		if b.Kind == k && b.ResourceID == id && (ignoreLease == "" || b.LeaseID != ignoreLease) && conflicts(b, start, end, l.site.Gap) {
			ok = false
		}
		return ok
	})
	return ok
}

func (l *ledger) everBooked(k Kind, id string) bool {
	found := false
	l.each(func(b Booking) bool {
		found = b.Kind == k && b.ResourceID == id
		return !found
	})
	return found
}

// Check answers every request, in order, the ones at the same site competing: a request that
// fits takes its resources before the next is counted.
func Check(sites map[string]*Site, reqs []Request) []Result {
	ledgers := map[string]*ledger{}
	out := make([]Result, len(reqs))
	// mark is where each ledger's takings stood when the current group began.
	mark := map[*ledger]int{}
	groupFailed := false
	for i, q := range reqs {
		if i == 0 || q.Group == "" || q.Group != reqs[i-1].Group {
			groupFailed = false
			for l := range mark {
				delete(mark, l)
			}
		}
		s := sites[q.Site]
		if s == nil {
			out[i] = Result{Request: q, Unknown: true, Reason: fmt.Sprintf("%s was not read", q.Site)}
			continue
		}
		if why := s.Unknown[q.Kind]; why != "" {
			out[i] = Result{Request: q, Unknown: true, Reason: why}
			continue
		}
		l := ledgers[q.Site]
		if l == nil {
			l = &ledger{site: s}
			ledgers[q.Site] = l
		}
		if _, ok := mark[l]; !ok {
			mark[l] = len(l.extra)
		}
		out[i] = l.check(q)
		if out[i].Fits && !q.Doomed && !groupFailed {
			for _, id := range out[i].Chosen {
				l.extra = append(l.extra, Booking{Kind: q.Kind, ResourceID: id, LeaseID: "\x00" + q.Label, Start: q.Start, End: q.End})
			}
		}
		if (!out[i].Fits && !out[i].Unknown) || q.Doomed {
			groupFailed = true
			if q.Group != "" {
				// Blazar rolls the whole lease back: what its earlier requests took is free.
				for gl, n := range mark {
					gl.extra = gl.extra[:n]
				}
			}
		}
	}
	return out
}

func (l *ledger) check(q Request) Result {
	res := Result{Request: q}
	if q.Malformed != nil {
		res.Err = q.Malformed
		return res
	}
	matching, err := l.site.Match(q.Kind, q.Conds, q.Project)
	if err != nil {
		res.Err = err
		return res
	}
	res.Matching = len(matching)
	if len(matching) == 0 {
		res.Reason = l.site.Explain(q.Kind, q.Conds, q.Project)
	}
	if q.Mode == Extend {
		return l.extend(q, res)
	}
	ignore := q.Lease
	held := map[string]bool{}
	if q.Mode == Grow {
		ignore = ""
		for _, id := range q.Holds {
			held[id] = true
		}
	}
	var fresh, used []string
	for _, r := range matching {
		if held[r.ID] || !l.free(q.Kind, r.ID, q.Start, q.End, ignore) {
			continue
		}
		if l.everBooked(q.Kind, r.ID) {
			used = append(used, r.ID)
		} else {
			fresh = append(fresh, r.ID)
		}
	}
	res.Free = len(fresh) + len(used)
	need, most := q.Min, q.Max
	if most < need {
		most = need
	}
	if res.Free < need {
		return res
	}
	res.Fits = true
	pool := fresh
	if len(fresh) < need {
		pool = append(slices.Clip(fresh), used...)
	}
	res.Chosen = pool[:min(most, len(pool))]
	if q.Mode == Grow {
		res.Chosen = append(slices.Clone(q.Holds), res.Chosen...)
	}
	return res
}

func (l *ledger) extend(q Request, res Result) Result {
	res.Free = 0
	latest := time.Time{}
	for _, id := range q.Holds {
		if l.free(q.Kind, id, q.Start, q.End, q.Lease) {
			res.Free++
		}
		// The latest end this resource reaches: just before the first other booking that
		// starts after the lease's start, less the gap.
		var next time.Time
		l.each(func(b Booking) bool {
			if b.Kind == q.Kind && b.ResourceID == id && b.LeaseID != q.Lease && b.Start.After(q.Start) && (next.IsZero() || b.Start.Before(next)) {
				next = b.Start
			}
			return true
		})
		if !next.IsZero() {
			e := next.Add(-l.site.Gap - time.Minute)
			if latest.IsZero() || e.Before(latest) {
				latest = e
			}
		}
	}
	res.Fits = res.Free == len(q.Holds)
	res.Chosen = q.Holds
	if !res.Fits && latest.After(q.Start) {
		res.LatestEnd = latest
	}
	return res
}

// Earliest finds the earliest start, not before notBefore and at most within after it, at
// which every request fits for its whole duration (each request's End - Start), all starting
// together; requests may be at different sites. Candidate starts are notBefore and the first
// minute after each booking's end and cleaning gap. It returns the start and the results at
// it, or ok false with the results at notBefore.
func Earliest(sites map[string]*Site, reqs []Request, notBefore time.Time, within time.Duration) (start time.Time, results []Result, ok bool) {
	var first []Result
	for i, t := range candidates(sites, reqs, notBefore, within) {
		rs, all := checkAt(sites, reqs, t)
		if i == 0 {
			first = rs
		}
		if all {
			return t, rs, true
		}
	}
	return time.Time{}, first, false
}

// candidates are the starts worth trying: notBefore (to the minute) and the first minute
// after each booking's end and cleaning gap, up to within after notBefore, in order.
func candidates(sites map[string]*Site, reqs []Request, notBefore time.Time, within time.Duration) []time.Time {
	notBefore = ceilMinute(notBefore)
	cands := []time.Time{notBefore}
	seen := map[string]bool{}
	// Only the end of a booking of a resource some request at the site could take changes
	// the answer.
	for _, q := range reqs {
		s := sites[q.Site]
		if s == nil || seen[q.Site] {
			continue
		}
		seen[q.Site] = true
		for _, b := range s.Bookings {
			if !relevant(s, reqs, b) {
				continue
			}
			t := ceilMinute(b.End.Add(s.Gap + time.Minute))
			if t.After(notBefore) && !t.After(notBefore.Add(within)) {
				cands = append(cands, t)
			}
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].Before(cands[j]) })
	return slices.CompactFunc(cands, func(a, b time.Time) bool { return a.Equal(b) })
}

// relevant reports whether b holds a resource that one of reqs at b's site matches.
func relevant(s *Site, reqs []Request, b Booking) bool {
	for _, q := range reqs {
		if q.Site != s.Name || q.Kind != b.Kind {
			continue
		}
		rs, err := s.Match(q.Kind, q.Conds, q.Project)
		if err != nil {
			return true
		}
		for _, r := range rs {
			if r.ID == b.ResourceID {
				return true
			}
		}
	}
	return false
}

// checkAt checks reqs moved to start at t, keeping their durations.
func checkAt(sites map[string]*Site, reqs []Request, t time.Time) ([]Result, bool) {
	shifted := make([]Request, len(reqs))
	for j, q := range reqs {
		q.End = t.Add(q.End.Sub(q.Start))
		q.Start = t
		shifted[j] = q
	}
	rs := Check(sites, shifted)
	all := true
	for _, r := range rs {
		all = all && r.Fits
	}
	return rs, all
}

func ceilMinute(t time.Time) time.Time {
	if r := t.Truncate(time.Minute); !r.Equal(t) {
		return r.Add(time.Minute)
	}
	return t
}

// Window is one stretch of time on one resource's row of a calendar.
type Window struct {
	Start, End time.Time
	LeaseID    string
	Own        bool
}

// Busy lists each resource's bookings overlapping [from, to], sorted by start, for a
// calendar.
func (s *Site) Busy(r *Resource, from, to time.Time) []Window {
	var out []Window
	for _, b := range s.Bookings {
		if b.Kind == r.Kind && b.ResourceID == r.ID && b.End.After(from) && b.Start.Before(to) {
			out = append(out, Window{Start: b.Start, End: b.End, LeaseID: b.LeaseID, Own: b.Own})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// Summary counts what a site has: node types (hosts by node_type), devices by machine_name,
// networks by physical_network, each sorted by name.
func (s *Site) Summary() map[Kind][]Count {
	keys := map[Kind]string{Host: "node_type", Device: "machine_name", Network: "physical_network"}
	out := map[Kind][]Count{}
	for _, k := range []Kind{Host, Device, Network} {
		n := map[string]int{}
		for _, r := range s.ofKind(k) {
			v := r.Extra[keys[k]]
			if c, ok := r.Columns[keys[k]]; ok {
				v = fmt.Sprint(c)
			}
			if strings.TrimSpace(v) == "" {
				v = "(none)"
			}
			n[v]++
		}
		for _, name := range slices.Sorted(maps.Keys(n)) {
			out[k] = append(out[k], Count{Name: name, N: n[name]})
		}
	}
	return out
}

// Count is a name and how many resources carry it.
type Count struct {
	Name string `json:"name"`
	N    int    `json:"count"`
}
