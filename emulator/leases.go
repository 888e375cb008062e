package emulator

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chameleoncloud/leasefile/internal/chameleon"
)

// errInternal is Blazar's answer to a non-Blazar exception (internal_error,
// blazar-api.md §5.1.2): unlike Blazar's own errors it is named.
var errInternal = &apiError{Status: http.StatusInternalServerError, Msg: "Internal Server Error", Name: "INTERNAL_SERVER_ERROR"}

func invalidStatus() *apiError {
	return blazarErr(http.StatusInternalServerError, "Invalid lease status.")
}

// parseDate accepts exactly %Y-%m-%d %H:%M or "now" (the current minute).
func parseDate(v any, now time.Time) (time.Time, *apiError) {
	str, ok := v.(string)
	if !ok {
		return time.Time{}, blazarErr(http.StatusBadRequest, "%s is an invalid date. Required format: %%Y-%%m-%%d %%H:%%M", pyRepr(v))
	}
	if str == "now" {
		return now.Truncate(time.Minute), nil
	}
	t, err := time.Parse(inputDate, str)
	if err != nil {
		return time.Time{}, blazarErr(http.StatusBadRequest, "%s is an invalid date. Required format: %%Y-%%m-%%d %%H:%%M", str)
	}
	return t, nil
}

func propString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	b, _ := json.Marshal(v)
	return string(b)
}

var beforeEndOptions = map[string]bool{"": true, "default": true, "snapshot": true, "email": true}

// checkParams validates a reservation's type-specific parameters (the
// merged dict on update) and stores them in r, as the plugins'
// _check_params do: one function per plugin, in plugins.
func (e *Emulator) checkParams(r *reservation, v map[string]any) *apiError {
	if check, ok := plugins[r.ResourceType]; ok {
		return check(e, r, v)
	}
	return nil
}

// plugins are the reservation plugins' parameter checks by resource type: a new type is
// one entry here, plus its allocation (schedule.go) and its rendering (site.go).
var plugins = map[string]func(e *Emulator, r *reservation, v map[string]any) *apiError{
	"physical:host":      checkHost,
	"device":             checkDevice,
	"network":            checkNetwork,
	"virtual:floatingip": checkFloatingIP,
	"flavor:instance":    checkFlavor,
}

// checkHost is the physical:host plugin's _check_params (with the fork's on_start).
func checkHost(e *Emulator, r *reservation, v map[string]any) *apiError {
	if err := inOrder(func() *apiError { return checkMinMax(r, v) }, func() *apiError { return required(v, "hypervisor_properties", "resource_properties") },
		func() *apiError { return checkBeforeEnd(r, v) }); err != nil {
		return err
	}
	r.HypervisorProperties, r.ResourceProperties = propString(v["hypervisor_properties"]), propString(v["resource_properties"])
	if e.fork() {
		// The fork's on_start (what to do with the hosts at the start): stored, shown.
		r.OnStart = "default"
		if str, ok := v["on_start"].(string); ok && str != "" {
			r.OnStart = str
		}
	}
	return requirements(v, "hypervisor_properties", "resource_properties")
}

// checkDevice is the fork's device plugin's _check_params.
func checkDevice(_ *Emulator, r *reservation, v map[string]any) *apiError {
	if err := inOrder(func() *apiError { return checkMinMax(r, v) }, func() *apiError { return required(v, "resource_properties") },
		func() *apiError { return checkBeforeEnd(r, v) }); err != nil {
		return err
	}
	r.ResourceProperties = propString(v["resource_properties"])
	return requirements(v, "resource_properties")
}

// checkNetwork is the fork's network plugin's _check_params.
func checkNetwork(_ *Emulator, r *reservation, v map[string]any) *apiError {
	if err := inOrder(func() *apiError { return required(v, "network_name", "network_properties", "resource_properties") },
		func() *apiError { return checkBeforeEnd(r, v) }); err != nil {
		return err
	}
	name, _ := v["network_name"].(string)
	if name == "" {
		return blazarErr(http.StatusBadRequest, "Malformed parameter network_name")
	}
	r.NetworkName = name
	r.NetworkDescription = propString(v["network_description"])
	r.NetworkProperties, r.ResourceProperties = propString(v["network_properties"]), propString(v["resource_properties"])
	return requirements(v, "resource_properties", "network_properties")
}

// checkFloatingIP is the floatingip plugin's _check_params.
func checkFloatingIP(e *Emulator, r *reservation, v map[string]any) *apiError {
	if err := required(v, "network_id", "amount"); err != nil {
		return err
	}
	amount, ok := intLike(v["amount"])
	least := 1
	if e.fork() {
		least = 0 // the fork takes amount 0 (and reserves nothing)
	}
	if !ok || amount < least {
		return blazarErr(http.StatusBadRequest, "Malformed parameter amount")
	}
	netID, _ := v["network_id"].(string)
	var req []string
	if x, present := v["required_floatingips"]; present && x != nil {
		list, ok := x.([]any)
		if !ok {
			return blazarErr(http.StatusBadRequest, "Malformed parameter required_floatingips")
		}
		for _, ip := range list {
			str, _ := ip.(string)
			if _, err := netip.ParseAddr(str); err != nil {
				return blazarErr(http.StatusBadRequest, "IP address %s is invalid form.", propString(ip))
			}
			req = append(req, str)
		}
	}
	if len(req) > amount {
		return blazarErr(http.StatusBadRequest, "Invalid values for required_floatingips and amount. The amount must be equal to or larger than length of required_floatingips.")
	}
	r.NetworkID, r.Amount, r.RequiredIPs = netID, amount, req
	return nil
}

// checkFlavor is upstream's flavor plugin's _check_params: a flavor of the site's Nova, an
// amount of at least one instance, no affinity. (The fork has no flavor plugin; the
// emulator enables it at the sites that have flavors.)
func checkFlavor(e *Emulator, r *reservation, v map[string]any) *apiError {
	if err := required(v, "flavor_id", "amount"); err != nil {
		return err
	}
	amount, ok := intLike(v["amount"])
	if !ok || amount < 1 {
		return blazarErr(http.StatusBadRequest, "Malformed parameter amount")
	}
	if a, ok := v["affinity"]; ok && a != nil && a != "None" {
		return blazarErr(http.StatusConflict, "Affinity not supported yet")
	}
	id, _ := v["flavor_id"].(string)
	r.FlavorID, r.Amount = id, amount
	return nil
}

// checkMinMax reads a host or device reservation's min and max.
func checkMinMax(r *reservation, v map[string]any) *apiError {
	var n [2]int
	for i, k := range []string{"min", "max"} {
		x, present := v[k]
		if !present || x == nil {
			return blazarErr(http.StatusBadRequest, "Missing parameter %s", k)
		}
		val, ok := intLike(x)
		if !ok {
			return blazarErr(http.StatusBadRequest, "Malformed parameter %s", k)
		}
		n[i] = val
	}
	if n[0] <= 0 || n[1] <= 0 {
		return blazarErr(http.StatusBadRequest, "Malformed parameter min and max (must be greater than or equal to 1)")
	}
	if n[1] < n[0] {
		return blazarErr(http.StatusBadRequest, "Invalid values for min/max of hosts. Max must be equal to or larger than min.")
	}
	r.Min, r.Max = n[0], n[1]
	return nil
}

// required refuses a dict that lacks one of keys.
func required(v map[string]any, keys ...string) *apiError {
	for _, k := range keys {
		if _, ok := v[k]; !ok {
			return blazarErr(http.StatusBadRequest, "Missing parameter %s", k)
		}
	}
	return nil
}

// checkBeforeEnd reads before_end ("default" when absent).
func checkBeforeEnd(r *reservation, v map[string]any) *apiError {
	be, ok := v["before_end"]
	if !ok {
		r.BeforeEnd = "default"
		return nil
	}
	str, isStr := be.(string)
	if !isStr || !beforeEndOptions[str] {
		return blazarErr(http.StatusBadRequest, "Malformed parameter before_end")
	}
	r.BeforeEnd = str
	return nil
}

// requirements refuses keys whose value is not a valid resource query.
func requirements(v map[string]any, keys ...string) *apiError {
	for _, k := range keys {
		if _, err := parseRequirements(v[k]); err != nil {
			return err
		}
	}
	return nil
}

// inOrder runs the checks in the order the plugin makes them, up to the first that fails.
func inOrder(checks ...func() *apiError) *apiError {
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// storedParams is the reservation as a parameter dict, into which a
// partial update is merged.
func storedParams(r *reservation) map[string]any {
	m := map[string]any{"resource_type": r.ResourceType}
	switch r.ResourceType {
	case "physical:host":
		m["min"], m["max"], m["hypervisor_properties"], m["resource_properties"], m["before_end"] = r.Min, r.Max, r.HypervisorProperties, r.ResourceProperties, r.BeforeEnd
		if r.OnStart != "" {
			m["on_start"] = r.OnStart
		}
	case "device":
		m["min"], m["max"], m["resource_properties"], m["before_end"] = r.Min, r.Max, r.ResourceProperties, r.BeforeEnd
	case "network":
		m["network_name"], m["network_description"], m["network_properties"], m["resource_properties"], m["before_end"] = r.NetworkName, r.NetworkDescription, r.NetworkProperties, r.ResourceProperties, r.BeforeEnd
	case "flavor:instance":
		m["flavor_id"], m["amount"] = r.FlavorID, r.Amount
	case "virtual:floatingip":
		req := make([]any, len(r.RequiredIPs))
		for i, ip := range r.RequiredIPs {
			req[i] = ip
		}
		m["network_id"], m["amount"], m["required_floatingips"] = r.NetworkID, r.Amount, req
	}
	return m
}

// policy applies Chameleon's MaxLeaseDurationFilter when the site has one.
func (s *site) checkCreatePolicy(start, end time.Time) *apiError {
	max := s.inv.MaxLeaseSeconds
	if max <= 0 {
		return nil
	}
	if d := int(end.Sub(start) / time.Second); d > max {
		return blazarErr(http.StatusForbidden, "Lease duration of %d seconds must be less than or equal to the maximum lease duration of %d seconds.", d, max)
	}
	return nil
}

func (s *site) checkUpdatePolicy(cur *lease, start, end, now time.Time) *apiError {
	max := s.inv.MaxLeaseSeconds
	if max <= 0 || !windowChecked(s.fork, cur.Start, cur.End, start, end) {
		return nil
	}
	window := time.Duration(s.inv.ExtensionWindowSeconds) * time.Second
	if chameleon.OutsideExtensionWindow(now, cur.End, window) {
		return blazarErr(http.StatusBadRequest, "Lease can only be extended within %d seconds of the leases current end time.", s.inv.ExtensionWindowSeconds)
	}
	if d := int(end.Sub(cur.End) / time.Second); d > max {
		return blazarErr(http.StatusBadRequest, "Lease duration of %d seconds must be less than or equal to the maximum lease duration of %d seconds.", d, max)
	}
	return nil
}

// windowChecked says whether the policy filter checks an update's new window. Upstream's
// filter checks an extension (a later end or an earlier start); the fork's skips the check
// only when the new window lies inside the old one on both ends
// (current.end >= new.end and current.start >= new.start), so moving the start later is
// checked too.
func windowChecked(fork bool, curStart, curEnd, start, end time.Time) bool {
	if fork {
		return chameleon.WindowChecked(curStart, curEnd, start, end)
	}
	return end.After(curEnd) || start.Before(curStart)
}

func (s *site) beforeEndTime(start, end time.Time) (time.Time, bool) {
	m := s.minutesBeforeEnd()
	if m <= 0 {
		return time.Time{}, false
	}
	t := end.Add(-time.Duration(m) * time.Minute)
	if t.Before(start) {
		t = start
	}
	return t, true
}

// createReq is a create request checked as far as it can be without other leases: it is
// built outside the emulator's lock.
type createReq struct {
	lease    *lease
	items    []map[string]any
	res      []*reservation // checked parameters, one per item up to paramErr
	paramErr *apiError      // the first item whose parameters are wrong, after res
	bed      *time.Time
	nameErr  bool
}

// prepareCreate validates a create body as Blazar does before it looks for resources;
// nothing is stored and no lock is needed.
func (e *Emulator) prepareCreate(s *site, tok *token, body map[string]any, order [][]string, now time.Time) (*createReq, *apiError) {
	if e.trustRefused(tok) {
		// Blazar's trust creation is refused for this application credential.
		return nil, errInternal
	}
	var missing []string
	for _, k := range []string{"end_date", "name", "start_date"} {
		if v, ok := body[k]; !ok || v == nil {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		// Listed in sorted order, as recorded (32-create-empty-body).
		return nil, blazarErr(http.StatusBadRequest, "Missing parameter %s", strings.Join(missing, ", "))
	}
	minute := now.Truncate(time.Minute)
	start, err := parseDate(body["start_date"], now)
	if err != nil {
		return nil, err
	}
	end, err := parseDate(body["end_date"], now)
	if err != nil {
		return nil, err
	}
	if start.Before(minute) {
		return nil, blazarErr(http.StatusBadRequest, "Start date must be later than current date")
	}
	if !end.After(start) {
		return nil, blazarErr(http.StatusBadRequest, "End date must be later than start date.")
	}
	bed, err := beforeEndDate(body, start, end, now)
	if err != nil {
		return nil, err
	}
	var items []map[string]any
	if v, ok := body["reservations"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			if e.fork() {
				return nil, errInternal
			}
			return nil, blazarErr(http.StatusBadRequest, "Malformed parameter reservations")
		}
		for _, x := range list {
			m, ok := x.(map[string]any)
			if !ok {
				return nil, blazarErr(http.StatusBadRequest, "Missing parameter resource_type")
			}
			items = append(items, m)
		}
	}
	for _, m := range items {
		rt, ok := m["resource_type"]
		if !ok {
			return nil, blazarErr(http.StatusBadRequest, "Missing parameter resource_type")
		}
		if str, _ := rt.(string); !s.supports(str) {
			return nil, blazarErr(http.StatusInternalServerError, "The %s resource type is not supported", propString(rt))
		}
	}
	created := now.Truncate(time.Second)
	l := &lease{ID: newUUID(), UserID: tok.user.ID, UserName: tok.user.Name,
		ProjectID: tok.project.ID, TrustID: randHex(16), Start: start, End: end, CreatedAt: created, UpdatedAt: created}
	name, isStr := body["name"].(string)
	l.Name = name
	p := &createReq{lease: l, items: items, bed: bed, nameErr: !validName(name, isStr)}
	for i, m := range items {
		r := &reservation{ID: newUUID(), ResourceID: newUUID(), ResourceType: m["resource_type"].(string), CreatedAt: created, UpdatedAt: created}
		if err := e.checkParams(r, m); err != nil {
			p.paramErr = err
			break
		}
		if i < len(order) {
			r.query = e.forkQuery(m, order[i], r, start, end, l.ProjectID)
		}
		p.res = append(p.res, r)
	}
	return p, nil
}

// validName says whether the database takes a lease name: a string of at most 80
// characters (Blazar's column); anything else fails at the insert with a bare 500.
func validName(name string, isStr bool) bool {
	return isStr && utf8.RuneCountInString(name) <= 80
}

// commitCreate allocates a prepared lease against the site's other leases; the caller holds
// the lock. Nothing is stored on error.
func (e *Emulator) commitCreate(s *site, p *createReq) (*lease, *apiError) {
	l := p.lease
	start, end, created := l.Start, l.End, l.CreatedAt
	b := s.busy("")
	for _, r := range p.res {
		if err := s.allocate(r, start, end, b, false); err != nil {
			return nil, err
		}
		l.Reservations = append(l.Reservations, r)
	}
	if p.paramErr != nil {
		return nil, p.paramErr
	}
	// Blazar computes allocation candidates (parameter checks, shortages)
	// before enforcement.check_create, and writes the lease (name) last.
	if err := s.checkCreatePolicy(start, end); err != nil {
		return nil, err
	}
	if p.nameErr {
		return nil, errInternal
	}
	if reason, ok := e.takeStartFault(s.name); ok {
		l.FailOnStart, l.FailReason = true, reason
	}
	l.Events = []*event{{ID: newUUID(), Type: "start_lease", Time: start, CreatedAt: created}, {ID: newUUID(), Type: "end_lease", Time: end, CreatedAt: created}}
	if p.bed != nil {
		l.Events = append(l.Events, &event{ID: newUUID(), Type: "before_end_lease", Time: *p.bed, CreatedAt: created})
	} else if t, ok := s.beforeEndTime(start, end); ok {
		l.Events = append(l.Events, &event{ID: newUUID(), Type: "before_end_lease", Time: t, CreatedAt: created})
	}
	return l, nil
}

// updateLease applies a PUT body to a copy of cur, following Blazar's
// ManagerService.update_lease; it returns the new lease, or cur itself for an empty body.
// Its stages are update_lease's: the name, the date rules (updateDates), the reservations
// list (reservationChanges), each plugin's update_reservation (reallocate), and the event
// moves (moveEvents).
func (e *Emulator) updateLease(s *site, cur *lease, body map[string]any, order [][]string, now time.Time) (*lease, *apiError) {
	ph := e.phaseOf(cur, now)
	switch ph.status {
	case "PENDING", "ACTIVE", "TERMINATED", "ERROR":
	default:
		return nil, invalidStatus()
	}
	if len(body) == 0 && !e.fork() {
		return cur, nil
	}
	for _, r := range cur.Reservations {
		if r.ResourceType == "flavor:instance" {
			// Upstream's update_lease refuses these leases outright (the fork has no flavor plugin).
			return nil, blazarErr(http.StatusConflict, "Updating leases for 'flavor:instance' type reservations is not yet supported.")
		}
	}
	nl := cur.clone()
	nl.markEnded(now)
	if nl.StartedAt == nil && ph.status != "PENDING" {
		t := e.pickup(cur.effectiveStart())
		nl.StartedAt = &t
	}
	stamp := now.Truncate(time.Second)
	nl.UpdatedAt = stamp
	if len(body) == 0 {
		// The fork saves the lease unchanged (UPDATING, a new updated_at).
		return nl, nil
	}
	var nameErr bool
	if name, ok := body["name"]; ok {
		str, isStr := name.(string)
		nl.Name, nameErr = str, !validName(str, isStr)
	}
	if len(body) == 1 && body["name"] != nil {
		if nameErr {
			return nil, errInternal
		}
		return nl, nil
	}
	minute := now.Truncate(time.Minute)
	start, end, err := e.updateDates(cur, body, now)
	if err != nil {
		return nil, err
	}
	bed, err := beforeEndDate(body, start, end, now)
	if err != nil {
		return nil, err
	}
	changes, err := e.reservationChanges(cur, body)
	if err != nil {
		return nil, err
	}
	if err := s.checkUpdatePolicy(cur, start, end, minute); err != nil {
		return nil, err
	}
	if err := e.reallocate(s, cur, nl, changes, body, order, start, end, ph.status == "ACTIVE", stamp); err != nil {
		return nil, err
	}
	oldEnd := cur.End
	nl.Start, nl.End = start, end
	moveEvents(nl, start, end, oldEnd, bed, stamp)
	if nameErr {
		return nil, errInternal
	}
	return nl, nil
}

// updateDates reads the new dates of an update and applies the date rules of Blazar's
// ManagerService.update_lease: no start change once started, no start in the past, only a
// rename once terminated, an end after now and after the start.
func (e *Emulator) updateDates(cur *lease, body map[string]any, now time.Time) (start, end time.Time, err *apiError) {
	minute := now.Truncate(time.Minute)
	start, end = cur.Start, cur.End
	if v, ok := body["start_date"]; ok {
		if start, err = parseDate(v, now); err != nil {
			return start, end, err
		}
	}
	if v, ok := body["end_date"]; ok {
		if end, err = parseDate(v, now); err != nil {
			return start, end, err
		}
	}
	if cur.Start.Before(minute) && !start.Equal(cur.Start) {
		return start, end, blazarErr(http.StatusBadRequest, "Cannot modify the start date of already started leases")
	}
	if cur.Start.After(minute) && start.Before(minute) {
		return start, end, blazarErr(http.StatusBadRequest, "Start date must be later than current date")
	}
	if cur.End.Before(minute) || (!e.fork() && cur.ended(now)) {
		// Blazar compares dates to the minute: on the fork, in the minute of its end a
		// TERMINATED lease's dates can still change (recorded 205-short-2). Once end_lease
		// has run the lease stays TERMINATED whatever its new dates say (EndedAt).
		return start, end, blazarErr(http.StatusBadRequest, "Terminated leases can only be renamed")
	}
	if end.Before(minute) || end.Before(start) {
		return start, end, blazarErr(http.StatusBadRequest, "End date must be later than current and start date")
	}
	return start, end, nil
}

// reservationChanges reads the update's reservations list by reservation ID, as
// ManagerService.update_lease does: every entry needs an id of this lease, and its
// resource_type cannot change (the fork first checks the dict against the new type's
// plugin, as _check_params would).
func (e *Emulator) reservationChanges(cur *lease, body map[string]any) (map[string]map[string]any, *apiError) {
	changes := map[string]map[string]any{}
	v, ok := body["reservations"]
	if !ok || v == nil {
		return changes, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, blazarErr(http.StatusBadRequest, "Malformed parameter reservations")
	}
	var invalid []string
	for _, x := range list {
		m, _ := x.(map[string]any)
		id, _ := m["id"].(string)
		if id == "" {
			return nil, blazarErr(http.StatusBadRequest, "Missing parameter reservation ID")
		}
		var found *reservation
		for _, r := range cur.Reservations {
			if r.ID == id {
				found = r
			}
		}
		if found == nil {
			invalid = append(invalid, id)
			continue
		}
		if rt, ok := m["resource_type"]; ok && rt != found.ResourceType {
			if str, _ := rt.(string); e.fork() {
				if err := e.checkParams(&reservation{ResourceType: str}, m); err != nil {
					return nil, err
				}
			}
			return nil, blazarErr(http.StatusConflict, "resource_type cannot be updated")
		}
		changes[id] = m
	}
	if len(invalid) > 0 {
		return nil, blazarErr(http.StatusBadRequest, "Please enter valid reservation IDs. Invalid reservation IDs are: %s", strings.Join(invalid, ","))
	}
	return changes, nil
}

// reallocate runs each plugin's update_reservation over the new lease nl's reservations, in
// order: the parameters merged with the change (_check_params), then the resources found
// again for the new window (physical:host's _update_allocations and its device and network
// twins; floatingip's update_reservation refuses a new network or addresses).
func (e *Emulator) reallocate(s *site, cur, nl *lease, changes map[string]map[string]any, body map[string]any, order [][]string,
	start, end time.Time, active bool, stamp time.Time) *apiError {
	b := s.busy(cur.ID)
	for i, r := range nl.Reservations {
		// The lease's own reservations not yet reallocated keep their
		// current resources: one growing first must not take them.
		rb := b.with(start, end, nl.Reservations[i+1:])
		ch := changes[r.ID]
		params := storedParams(r)
		if ch != nil && e.fork() {
			// The fork checks the reservation's dict as sent: it must carry every
			// parameter, not only the changed ones.
			params = map[string]any{"resource_type": r.ResourceType}
		}
		if err := floatingIPUpdate(r, ch); err != nil {
			return err
		}
		for k, v := range ch {
			// Blazar's update_reservation does not take before_end: it
			// keeps the value given at create, so a client cannot rely on
			// changing it.
			if k != "id" && k != "before_end" {
				params[k] = v
			}
		}
		keepBeforeEnd, keepOnStart, had := r.BeforeEnd, r.OnStart, len(r.Allocated)
		if err := e.checkParams(r, params); err != nil {
			return err
		}
		r.BeforeEnd, r.OnStart = keepBeforeEnd, keepOnStart
		if ch != nil {
			r.query = e.forkQuery(ch, orderOf(order, list(body), r.ID), r, start, end, nl.ProjectID)
		} else {
			r.query = e.forkQuery(params, storedOrder(params), r, start, end, nl.ProjectID)
		}
		if e.fork() && grows(r, had) {
			// The fork looks for the whole new amount with the lease's own resources
			// counted as busy.
			if err := s.allocate(r, start, end, rb.with(start, end, []*reservation{r}), false); err != nil {
				return err
			}
		} else if err := s.allocate(r, start, end, rb, active); err != nil {
			return err
		}
		b.add(r, start, end)
		if ch != nil || !start.Equal(cur.Start) || !end.Equal(cur.End) {
			r.UpdatedAt = stamp
		}
	}
	return nil
}

// floatingIPUpdate is what the floatingip plugin's update_reservation refuses of change ch:
// another network, or required_floatingips other than [].
func floatingIPUpdate(r *reservation, ch map[string]any) *apiError {
	if r.ResourceType != "virtual:floatingip" || ch == nil {
		return nil
	}
	if v, ok := ch["network_id"]; ok && v != r.NetworkID {
		return blazarErr(http.StatusBadRequest, "Floating IP reservation cannot be updated with requested parameters. Updating network_id is not supported")
	}
	if v, ok := ch["required_floatingips"]; ok {
		if l, isList := v.([]any); !isList || len(l) != 0 {
			return blazarErr(http.StatusBadRequest, "Floating IP reservation cannot be updated with requested parameters. Updating required_floatingips is not supported except with an empty list")
		}
	}
	return nil
}

// moveEvents moves the lease's events with its dates, as ManagerService.update_lease's
// event_update calls do: start_lease and end_lease to the new dates, before_end_lease to the
// new before_end_date or, without one, by as much as the end moved (_update_before_end_event),
// created when the update sets a before_end_date the lease had no event for.
func moveEvents(nl *lease, start, end, oldEnd time.Time, bed *time.Time, stamp time.Time) {
	for _, ev := range nl.Events {
		old := ev.Time
		switch ev.Type {
		case "start_lease":
			ev.Time = start
		case "end_lease":
			ev.Time = end
		case "before_end_lease":
			if bed != nil {
				ev.Time = *bed
			} else {
				ev.Time = end.Add(-oldEnd.Sub(old))
				if ev.Time.Before(start) {
					ev.Time = start
				}
			}
		}
		if !ev.Time.Equal(old) {
			t := stamp
			ev.UpdatedAt = &t
		}
	}
	if bed != nil && nl.event("before_end_lease") == nil {
		t := stamp
		nl.Events = append(nl.Events, &event{ID: newUUID(), Type: "before_end_lease", Time: *bed, CreatedAt: stamp, UpdatedAt: &t})
	}
}

// grows says whether a reservation's checked parameters ask for more than the had
// resources it holds (chameleon.GrowthNeedsAll, the rule the planner warns with).
func grows(r *reservation, had int) bool {
	switch r.ResourceType {
	case "physical:host", "device":
		return chameleon.GrowthNeedsAll(had, r.Min)
	case "virtual:floatingip":
		return chameleon.GrowthNeedsAll(had, r.Amount)
	}
	return false
}

// storedOrder is the key order of a stored reservation's parameters, as Blazar's
// reservation row lists them.
func storedOrder(params map[string]any) []string {
	var out []string
	for _, k := range []string{"resource_type", "min", "max", "hypervisor_properties", "resource_properties", "network_name", "network_properties", "network_id", "amount"} {
		if _, ok := params[k]; ok {
			out = append(out, k)
		}
	}
	return out
}

// list is body["reservations"] as a list, or nil.
func list(body map[string]any) []any {
	l, _ := body["reservations"].([]any)
	return l
}

// orderOf finds the client's key order of the reservation change with the given id.
func orderOf(order [][]string, items []any, id string) []string {
	for i, x := range items {
		if m, _ := x.(map[string]any); m != nil && m["id"] == id && i < len(order) {
			return order[i]
		}
	}
	return nil
}

// allocatedTo lists the resource ids a lease holds, by reservation type.
func (l *lease) allocatedTo(rt string) []string {
	var out []string
	for _, r := range l.Reservations {
		if r.ResourceType == rt {
			out = append(out, r.Allocated...)
		}
	}
	sort.Strings(out)
	return out
}

// beforeEndDate reads an optional before_end_date, which must fall strictly inside the lease.
func beforeEndDate(body map[string]any, start, end, now time.Time) (*time.Time, *apiError) {
	v, ok := body["before_end_date"]
	if !ok || v == nil {
		return nil, nil
	}
	t, err := parseDate(v, now)
	if err != nil {
		return nil, err
	}
	if !t.After(start) || !t.Before(end) {
		return nil, blazarErr(http.StatusForbidden, "Datetime is out of lease limits")
	}
	return &t, nil
}
