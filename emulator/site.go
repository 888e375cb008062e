package emulator

import (
	"time"
)

// site is the runtime state of one site.
type site struct {
	name, slug string
	inv        *Site
	leases     []*lease // creation order
	byID       map[string]*lease
	fipNetID   string
	fipSubnet  string
	fork       bool // Chameleon's fork rules (see profile.go)
	// servers are Nova's (nova.go), not persisted.
	servers []*novaServer
}

func newSite(inv *Site) *site {
	s := &site{name: inv.Name, slug: Slug(inv.Name), inv: inv, byID: map[string]*lease{}}
	if p := inv.FloatingIPs; p != nil {
		s.fipNetID, s.fipSubnet = p.NetworkID, p.SubnetID
		if s.fipNetID == "" {
			s.fipNetID = stableUUID(inv.Name + "/network/" + p.NetworkName)
		}
		if s.fipSubnet == "" {
			s.fipSubnet = stableUUID(inv.Name + "/subnet/" + p.NetworkName)
		}
	}
	return s
}

func (s *site) minutesBeforeEnd() int {
	if s.inv.MinutesBeforeEnd == nil {
		return 60
	}
	return *s.inv.MinutesBeforeEnd
}

func (s *site) gap() time.Duration { return time.Duration(s.inv.CleaningGapMinutes) * time.Minute }

// supports says whether a reservation type's plugin is enabled: a type is
// enabled when the site has resources of that kind.
func (s *site) supports(rt string) bool {
	switch rt {
	case "physical:host":
		return len(s.inv.Hosts) > 0
	case "device":
		return len(s.inv.Devices) > 0
	case "network":
		return len(s.inv.Segments) > 0
	case "virtual:floatingip":
		return s.inv.FloatingIPs != nil
	case "flavor:instance":
		return len(s.inv.Flavors) > 0
	}
	return false
}

func (s *site) add(l *lease) {
	s.leases = append(s.leases, l)
	s.byID[l.ID] = l
}

func (s *site) remove(id string) {
	delete(s.byID, id)
	for i, l := range s.leases {
		if l.ID == id {
			s.leases = append(s.leases[:i], s.leases[i+1:]...)
			return
		}
	}
}

// lease is a stored lease. Its status is never stored: it is derived from
// the clock on every read (see status), so a file-backed emulator moves
// leases along between separate processes. The one exception is EndedAt:
// once the end has run, moving End later must not bring the lease back,
// as Blazar's end_lease event stays DONE.
type lease struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	UserID      string    `json:"user_id"`
	UserName    string    `json:"user_name"`
	ProjectID   string    `json:"project_id"`
	TrustID     string    `json:"trust_id"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	FailOnStart bool      `json:"fail_on_start,omitempty"`
	FailReason  string    `json:"fail_reason,omitempty"` // shown as status_reason once in ERROR
	// EndedAt is when end_lease ran, recorded by the first mutation at or
	// after End; nil while the end has not run or no mutation saw it.
	EndedAt *time.Time `json:"ended_at,omitempty"`
	// StartedAt is when start_lease was picked up, recorded by the first mutation after it:
	// moving the start of a lease that started this minute later (which Blazar allows)
	// leaves it ACTIVE, as its start_lease event stays DONE (recorded 204-active-*).
	StartedAt    *time.Time     `json:"started_at,omitempty"`
	Reservations []*reservation `json:"reservations"`
	Events       []*event       `json:"events"`
}

type reservation struct {
	ID           string    `json:"id"`
	ResourceID   string    `json:"resource_id"`
	ResourceType string    `json:"resource_type"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// physical:host and device
	Min                  int    `json:"min,omitempty"`
	Max                  int    `json:"max,omitempty"`
	HypervisorProperties string `json:"hypervisor_properties,omitempty"`
	ResourceProperties   string `json:"resource_properties,omitempty"`
	BeforeEnd            string `json:"before_end,omitempty"`
	OnStart              string `json:"on_start,omitempty"` // the fork's; "" under upstream
	// virtual:floatingip
	NetworkID   string   `json:"network_id,omitempty"`
	Amount      int      `json:"amount,omitempty"`
	RequiredIPs []string `json:"required_floatingips,omitempty"`
	// flavor:instance (and its Amount)
	FlavorID string `json:"flavor_id,omitempty"`
	// network
	NetworkName        string `json:"network_name,omitempty"`
	NetworkDescription string `json:"network_description,omitempty"`
	NetworkProperties  string `json:"network_properties,omitempty"`
	// Allocated holds host ids, device ids, segment ids or IP addresses.
	Allocated []string `json:"allocated"`
	// query is the fork's rendering of the request for its capacity error (not stored).
	query string
}

type event struct {
	ID        string     `json:"id"`
	Type      string     `json:"event_type"`
	Time      time.Time  `json:"time"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

func (l *lease) clone() *lease {
	c := *l
	c.Reservations = make([]*reservation, len(l.Reservations))
	for i, r := range l.Reservations {
		rc := *r
		rc.Allocated = append([]string(nil), r.Allocated...)
		rc.RequiredIPs = append([]string(nil), r.RequiredIPs...)
		c.Reservations[i] = &rc
	}
	c.Events = make([]*event, len(l.Events))
	for i, ev := range l.Events {
		evc := *ev
		c.Events[i] = &evc
	}
	return &c
}

// markEnded records that the end has run if now is at or after End, so a
// later move of End cannot revive the lease.
func (l *lease) markEnded(now time.Time) {
	if l.EndedAt == nil && !now.Before(l.End) {
		t := l.End
		l.EndedAt = &t
	}
}

// ended says whether end_lease has run by now.
func (l *lease) ended(now time.Time) bool { return l.EndedAt != nil || !now.Before(l.End) }

// endRan is when end_lease ran (or will run).
func (l *lease) endRan() time.Time {
	if l.EndedAt != nil {
		return *l.EndedAt
	}
	return l.End
}

func (l *lease) event(kind string) *event {
	for _, ev := range l.Events {
		if ev.Type == kind {
			return ev
		}
	}
	return nil
}

// effectiveStart is when the manager would pick the start event up: not
// before the lease was created (a "now" lease starts after its POST).
func (l *lease) effectiveStart() time.Time {
	if l.StartedAt != nil {
		return *l.StartedAt
	}
	if l.CreatedAt.After(l.Start) {
		return l.CreatedAt
	}
	return l.Start
}

// phase is the lease's derived stable or transitional status.
type phase struct {
	status   string    // PENDING, STARTING, ACTIVE, ERROR, TERMINATING, TERMINATED
	activeAt time.Time // when it became ACTIVE or ERROR
	endAt    time.Time // when end_lease was picked up (TERMINATING began)
	doneAt   time.Time // when it became TERMINATED
}

// pickup is when the manager's event poll, every e.poll, first sees an event due at t.
func (e *Emulator) pickup(t time.Time) time.Time {
	if e.poll <= 0 {
		return t
	}
	if r := t.Truncate(e.poll); !r.Equal(t) {
		return r.Add(e.poll)
	}
	return t
}

// phaseOf derives the status: PENDING until the poll picks the start up, STARTING for the
// start delay, then ACTIVE (or ERROR); past the end ACTIVE until the poll picks end_lease
// up, TERMINATING for the start delay again, then TERMINATED.
func (e *Emulator) phaseOf(l *lease, now time.Time) phase {
	es := e.pickup(l.effectiveStart())
	act := es.Add(e.startDelay)
	endAt := e.pickup(laterOf(l.endRan(), l.CreatedAt))
	doneAt := endAt.Add(e.startDelay)
	switch {
	case l.FailOnStart && !now.Before(act):
		return phase{status: "ERROR", activeAt: act} // an ERROR lease stays ERROR
	case !now.Before(doneAt):
		return phase{status: "TERMINATED", activeAt: act, endAt: endAt, doneAt: doneAt}
	case !now.Before(endAt):
		return phase{status: "TERMINATING", activeAt: act, endAt: endAt}
	case now.Before(es):
		return phase{status: "PENDING"}
	case now.Before(act):
		return phase{status: "STARTING"}
	}
	return phase{status: "ACTIVE", activeAt: act}
}

func reservationStatus(leaseStatus string) string {
	switch leaseStatus {
	case "STARTING", "PENDING":
		return "pending"
	case "ACTIVE", "TERMINATING":
		return "active"
	case "TERMINATED":
		return "deleted"
	}
	return "error"
}

func laterOf(a time.Time, b ...time.Time) time.Time {
	for _, t := range b {
		if t.After(a) {
			a = t
		}
	}
	return a
}

// render builds the lease as Blazar's API shows it. statusOverride replaces
// the derived status (UPDATING in a PUT response, PENDING in a POST one).
func (e *Emulator) render(l *lease, now time.Time, statusOverride string) omap {
	ph := e.phaseOf(l, now)
	status := ph.status
	upd := l.UpdatedAt
	var transitions []time.Time
	if es := e.pickup(l.effectiveStart()); !now.Before(es) {
		transitions = append(transitions, es)
	}
	if !ph.activeAt.IsZero() && !now.Before(ph.activeAt) {
		transitions = append(transitions, ph.activeAt)
	}
	if !ph.endAt.IsZero() {
		transitions = append(transitions, ph.endAt)
	}
	if !ph.doneAt.IsZero() {
		transitions = append(transitions, ph.doneAt)
	}
	upd = laterOf(upd, transitions...)
	if statusOverride != "" {
		status = statusOverride
	}
	rstatus := reservationStatus(ph.status)
	if statusOverride == "PENDING" {
		rstatus = "pending"
	}
	res := make([]any, 0, len(l.Reservations))
	for _, r := range l.Reservations {
		ru := laterOf(r.UpdatedAt, transitions...)
		m := omap{{"created_at", stamp(r.CreatedAt)}, {"updated_at", stamp(ru)}, {"id", r.ID}, {"lease_id", l.ID},
			{"resource_id", r.ResourceID}, {"resource_type", r.ResourceType}, {"status", rstatus},
			{"missing_resources", false}, {"resources_changed", false}}
		switch r.ResourceType {
		case "physical:host":
			m = append(m, kv{"hypervisor_properties", r.HypervisorProperties}, kv{"resource_properties", r.ResourceProperties},
				kv{"before_end", r.BeforeEnd})
			if r.OnStart != "" {
				m = append(m, kv{"on_start", r.OnStart})
			}
			m = append(m, kv{"min", r.Min}, kv{"max", r.Max})
		case "device":
			m = append(m, kv{"resource_properties", r.ResourceProperties}, kv{"before_end", r.BeforeEnd}, kv{"min", r.Min}, kv{"max", r.Max})
		case "virtual:floatingip":
			req := r.RequiredIPs
			if req == nil {
				req = []string{}
			}
			m = append(m, kv{"network_id", r.NetworkID}, kv{"amount", r.Amount}, kv{"required_floatingips", req})
		case "flavor:instance":
			m = append(m, kv{"flavor_id", r.FlavorID}, kv{"amount", r.Amount}, kv{"affinity", nil})
		}
		res = append(res, m)
	}
	evs := make([]any, 0, len(l.Events))
	for _, ev := range l.Events {
		st, done := e.eventStatus(l, ev, ph, now)
		if statusOverride == "PENDING" {
			// A PENDING lease has run none of its events (status.py
			// COMBINATIONS), whatever the clock says by the response.
			st, done = "UNDONE", time.Time{}
		}
		var eu any
		if ev.UpdatedAt != nil {
			eu = stamp(*ev.UpdatedAt)
		}
		if !done.IsZero() {
			eu = stamp(laterOf(done, derefTime(ev.UpdatedAt)))
		}
		evs = append(evs, omap{{"created_at", stamp(ev.CreatedAt)}, {"updated_at", eu}, {"id", ev.ID}, {"lease_id", l.ID},
			{"event_type", ev.Type}, {"time", bdate(ev.Time)}, {"status", st}})
	}
	out := omap{{"created_at", stamp(l.CreatedAt)}, {"updated_at", stamp(upd)}, {"id", l.ID}, {"name", l.Name},
		{"user_id", l.UserID}, {"project_id", l.ProjectID}, {"start_date", bdate(l.Start)}, {"end_date", bdate(l.End)},
		{"trust_id", l.TrustID}, {"status", status}, {"degraded", false}, {"reservations", res}, {"events", evs}}
	if ph.status == "ERROR" && l.FailReason != "" && statusOverride == "" {
		// Not in Blazar's lease: the emulator says why an injected ERROR happened.
		out = append(out, kv{"status_reason", l.FailReason})
	}
	return out
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// eventStatus derives an event's status and, once it ran, when it ran.
func (e *Emulator) eventStatus(l *lease, ev *event, ph phase, now time.Time) (string, time.Time) {
	switch ev.Type {
	case "start_lease":
		switch ph.status {
		case "PENDING":
			return "UNDONE", time.Time{}
		case "STARTING":
			return "IN_PROGRESS", e.pickup(l.effectiveStart())
		case "ERROR":
			return "ERROR", ph.activeAt
		}
		return "DONE", ph.activeAt
	default:
		if ev.Type == "end_lease" {
			switch {
			case !ph.doneAt.IsZero():
				return "DONE", laterOf(ph.doneAt, ph.activeAt, l.CreatedAt)
			case !ph.endAt.IsZero():
				return "IN_PROGRESS", ph.endAt
			}
			return "UNDONE", time.Time{}
		}
		if now.Before(ev.Time) || ph.status == "PENDING" || ph.status == "STARTING" {
			return "UNDONE", time.Time{}
		}
		// An event runs once due and once the lease is active: a "now"
		// lease's before_end, clamped to the start minute, is due before
		// the lease even existed.
		return "DONE", laterOf(ev.Time, ph.activeAt, l.CreatedAt)
	}
}

// visibleLeases returns a project's leases (all of them for project "").
func (s *site) visibleLeases(project string) []*lease {
	var out []*lease
	for _, l := range s.leases {
		if project == "" || l.ProjectID == project {
			out = append(out, l)
		}
	}
	return out
}
