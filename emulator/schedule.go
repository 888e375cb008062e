package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// resource is a schedulable thing seen through Blazar's query language:
// cols are table columns (compared with their own type), extra the extra
// capabilities (always compared as strings).
type resource struct {
	id    string
	cols  map[string]any
	extra map[string]string
}

// resKind maps a reservation type to the kind of resource it allocates and
// the names Blazar uses in its errors.
type resKind struct {
	kind, capTable, notEnough string
}

var kinds = map[string]resKind{
	"physical:host":      {"host", "ComputeHostExtraCapability", "Not enough hosts available"},
	"device":             {"device", "DeviceExtraCapability", "Not enough hosts available"},
	"network":            {"segment", "NetworkSegmentExtraCapability", "Not enough networks available"},
	"virtual:floatingip": {"fip", "FloatingIPExtraCapability", "Not enough floating IPs available"},
	"flavor:instance":    {"flavor", "InstanceReservations", "Not enough hosts available"},
}

func (s *site) resources(kind string) []resource {
	var out []resource
	switch kind {
	case "host":
		for _, h := range s.inv.Hosts {
			out = append(out, resource{id: h.ID, extra: h.Extra, cols: map[string]any{
				"id": h.ID, "hypervisor_hostname": h.Hostname, "vcpus": h.VCPUs, "memory_mb": h.MemoryMB,
				"local_gb": h.LocalGB, "hypervisor_type": "ironic", "service_name": h.Hostname,
				"availability_zone": "nova", "cpu_info": "baremetal cpu"}})
		}
	case "device":
		for _, d := range s.inv.Devices {
			out = append(out, resource{id: d.ID, extra: d.Extra, cols: map[string]any{
				"id": d.ID, "name": d.Name, "device_type": d.DeviceType, "device_driver": d.DeviceDriver}})
		}
	case "segment":
		for _, g := range s.inv.Segments {
			out = append(out, resource{id: g.ID, extra: g.Extra, cols: map[string]any{
				"id": g.ID, "network_type": g.NetworkType, "physical_network": g.PhysicalNetwork, "segment_id": g.SegmentID}})
		}
	case "flavor":
		// One slot per instance a flavor's capacity allows.
		for _, f := range s.inv.Flavors {
			for i := 1; i <= f.Capacity; i++ {
				id := fmt.Sprintf("%s/%d", f.ID, i)
				out = append(out, resource{id: id, cols: map[string]any{"id": id, "flavor_id": f.ID}})
			}
		}
	case "fip":
		if p := s.inv.FloatingIPs; p != nil {
			for _, a := range p.Addresses {
				out = append(out, resource{id: a, cols: map[string]any{"floating_ip_address": a, "floating_network_id": s.fipNetID}})
			}
		}
	}
	return out
}

type cond struct{ op, key, val string }

var validOps = map[string]bool{"=": true, "==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

// parseRequirements mirrors blazar.utils.plugins.convert_requirements: a
// JSON string (or an already decoded list) holding one [op, "$key", "value"]
// triple or ["and", requirement, ...]; "" and "[]" mean no constraint.
// Like Blazar, each element of an "and" is converted on its own, so the
// error names the first malformed element, and a nested "and" contributes
// only its first condition.
func parseRequirements(v any) ([]cond, *apiError) { return parseNested(v, 0) }

// maxRequirementDepth is how deep an "and" may nest: Blazar converts requirements
// recursively, and past Python's recursion limit (1000 frames, two a level) the
// RecursionError is an unexpected exception, answered with the named 500.
const maxRequirementDepth = 400

func parseNested(v any, depth int) ([]cond, *apiError) {
	if depth > maxRequirementDepth {
		return nil, errInternal
	}
	raw := v
	if str, ok := v.(string); ok {
		if str == "" {
			return nil, nil
		}
		dec := json.NewDecoder(strings.NewReader(str))
		dec.UseNumber()
		if err := dec.Decode(&raw); err != nil || dec.More() {
			return nil, blazarErr(http.StatusBadRequest, "Malformed requirements %s", str)
		}
	}
	// Built only on failure: rendering every level of a deeply nested "and" up front made
	// one request cost O(depth^2) while it held the emulator's lock.
	malformed := func() *apiError { return blazarErr(http.StatusBadRequest, "Malformed requirements %s", pyRepr(raw)) }
	list, ok := raw.([]any)
	if !ok {
		return nil, malformed()
	}
	if len(list) == 0 {
		return nil, nil
	}
	if c, ok := triple(list); ok {
		return []cond{c}, nil
	}
	if len(list) > 1 && list[0] == "and" {
		var out []cond
		for _, x := range list[1:] {
			sub, err := parseNested(x, depth+1)
			if err != nil {
				return nil, err
			}
			if len(sub) == 0 {
				// An empty element fails Blazar's all() check, which
				// then reports the whole requirement.
				return nil, malformed()
			}
			out = append(out, sub[0])
		}
		return out, nil
	}
	return nil, malformed()
}

func triple(l []any) (cond, bool) {
	if len(l) != 3 {
		return cond{}, false
	}
	op, ok1 := l[0].(string)
	key, ok2 := l[1].(string)
	val, ok3 := l[2].(string)
	if !ok1 || !ok2 || !ok3 || !validOps[op] || len(key) < 2 || key[0] != '$' || val == "" {
		return cond{}, false
	}
	if op == "=" {
		op = "=="
	}
	return cond{op: op, key: key[1:], val: val}, true
}

func compare(op string, c int) bool {
	switch op {
	case "==":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

// filter keeps the resources matching every condition. A key that is
// neither a column nor any resource's extra capability is Blazar's 500.
func filter(all []resource, conds []cond, capTable string) ([]resource, *apiError) {
	for _, c := range conds {
		if _, isCol := firstCol(all, c.key); isCol {
			continue
		}
		known := false
		for _, r := range all {
			if _, ok := r.extra[c.key]; ok {
				known = true
				break
			}
		}
		if !known {
			return nil, blazarErr(http.StatusInternalServerError, "%s %s was not found", c.key, capTable)
		}
	}
	var out []resource
	for _, r := range all {
		ok := true
		for _, c := range conds {
			if v, isCol := r.cols[c.key]; isCol {
				switch x := v.(type) {
				case int:
					f, err := strconv.ParseFloat(c.val, 64)
					if err != nil {
						ok = ok && compare(c.op, strings.Compare(strconv.Itoa(x), c.val))
					} else {
						ok = ok && compare(c.op, cmpFloat(float64(x), f))
					}
				default:
					ok = ok && compare(c.op, strings.Compare(x.(string), c.val))
				}
				continue
			}
			v, has := r.extra[c.key]
			ok = ok && has && compare(c.op, strings.Compare(v, c.val))
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
}

func firstCol(all []resource, key string) (any, bool) {
	if len(all) == 0 {
		return nil, false
	}
	v, ok := all[0].cols[key]
	return v, ok
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

type interval struct{ start, end time.Time }

// busyMap indexes allocations by kind+id, over every lease of the site
// except the one being changed.
type busyMap map[string][]interval

func (s *site) busy(exclude string) busyMap {
	b := busyMap{}
	for _, l := range s.leases {
		if l.ID == exclude {
			continue
		}
		for _, r := range l.Reservations {
			k := kinds[r.ResourceType].kind
			for _, id := range r.Allocated {
				b[k+":"+id] = append(b[k+":"+id], interval{l.Start, l.End})
			}
		}
	}
	return b
}

// add marks r's allocations busy over [start, end].
func (b busyMap) add(r *reservation, start, end time.Time) {
	k := kinds[r.ResourceType].kind
	for _, id := range r.Allocated {
		b[k+":"+id] = append(b[k+":"+id], interval{start, end})
	}
}

// with is a copy of b in which others' allocations are also busy over
// [start, end]; b itself is left alone.
func (b busyMap) with(start, end time.Time, others []*reservation) busyMap {
	c := make(busyMap, len(b))
	for k, v := range b {
		c[k] = slices.Clip(v)
	}
	for _, r := range others {
		c.add(r, start, end)
	}
	return c
}

func (b busyMap) free(key string, start, end time.Time, gap time.Duration) bool {
	for _, iv := range b[key] {
		if iv.start.Before(end.Add(gap)) && iv.end.After(start.Add(-gap)) {
			return false
		}
	}
	return true
}

// allocate (re)computes r.Allocated for the window [start, end]. current
// holds the resources already allocated (update); when active, none of them
// may be given up, as Blazar cannot take hosts out of a running lease. Its steps
// are the plugins': the candidates that match the reservation's query
// (conditions, filter), those free over the window (freeOf), what it keeps of its
// allocation (keptOf), then more up to its count (counts).
func (s *site) allocate(r *reservation, start, end time.Time, b busyMap, active bool) *apiError {
	k := kinds[r.ResourceType]
	notEnough := k.notEnoughErr(r, 1)
	conds, fits, err := s.conditions(r)
	if err != nil {
		return err
	}
	if !fits {
		return notEnough
	}
	cands, err := filter(s.resources(k.kind), conds, k.capTable)
	if err != nil {
		return err
	}
	if len(cands) == 0 {
		notEnough = k.notEnoughErr(r, 0)
	}
	ok, free := s.freeOf(r, k.kind, cands, b, start, end)
	kept, taken, enough := keptOf(r, ok, active)
	if !enough {
		return notEnough
	}
	want, most, least := counts(r)
	if len(kept) > most {
		if active {
			return notEnough
		}
		kept = kept[:most]
	}
	for _, id := range free {
		if len(kept) >= want {
			break
		}
		if !taken[id] {
			kept = append(kept, id)
			taken[id] = true
		}
	}
	if len(kept) < least {
		return notEnough
	}
	r.Allocated = kept
	for _, id := range kept {
		b[k.kind+":"+id] = append(b[k.kind+":"+id], interval{start, end})
	}
	return nil
}

// conditions is the query a reservation's resources must match; fits is false for a
// floating IP reservation on a network the site does not have.
func (s *site) conditions(r *reservation) (conds []cond, fits bool, err *apiError) {
	switch r.ResourceType {
	case "physical:host":
		c1, err := parseRequirements(r.HypervisorProperties)
		if err != nil {
			return nil, false, err
		}
		c2, err := parseRequirements(r.ResourceProperties)
		if err != nil {
			return nil, false, err
		}
		return append(c1, c2...), true, nil
	case "device", "network":
		c, err := parseRequirements(r.ResourceProperties)
		if err != nil {
			return nil, false, err
		}
		if r.ResourceType == "network" {
			// network_properties filter Neutron attributes we do not model: only checked.
			if _, err := parseRequirements(r.NetworkProperties); err != nil {
				return nil, false, err
			}
		}
		return c, true, nil
	case "virtual:floatingip":
		return nil, r.NetworkID == s.fipNetID, nil
	case "flavor:instance":
		return []cond{{op: "==", key: "flavor_id", val: r.FlavorID}}, true, nil
	}
	return nil, true, nil
}

// freeOf is which candidates are free over the window (ok), and those in the order they
// are taken (free): never-allocated ones first, like Blazar's host selection.
func (s *site) freeOf(r *reservation, kind string, cands []resource, b busyMap, start, end time.Time) (ok map[string]bool, free []string) {
	gap := s.gap()
	ok = map[string]bool{}
	for _, c := range cands {
		if b.free(kind+":"+c.id, start, end, gap) {
			ok[c.id] = true
			free = append(free, c.id)
		}
	}
	sort.SliceStable(free, func(i, j int) bool {
		return len(b[kind+":"+free[i]]) == 0 && len(b[kind+":"+free[j]]) > 0
	})
	if s.fork && r.ResourceType == "physical:host" && len(r.Allocated) == 0 {
		// The fork takes only never-allocated hosts when there are at least min of them,
		// even if max is more: min 1, max 2 gets one host while two are free.
		never := 0
		for _, id := range free {
			if len(b[kind+":"+id]) == 0 {
				never++
			}
		}
		if never >= r.Min {
			free = free[:never]
		}
	}
	return ok, free
}

// keptOf is what the reservation keeps of its allocation (the resources still free), a
// floating IP reservation's required addresses first; enough is false when it cannot
// keep what it must: an active reservation's resources, or a required address.
func keptOf(r *reservation, ok map[string]bool, active bool) (kept []string, taken map[string]bool, enough bool) {
	for _, id := range r.Allocated {
		if ok[id] {
			kept = append(kept, id)
		}
	}
	if active && len(kept) < len(r.Allocated) {
		return nil, nil, false
	}
	taken = map[string]bool{}
	for _, id := range kept {
		taken[id] = true
	}
	if r.ResourceType != "virtual:floatingip" {
		return kept, taken, true
	}
	var req []string
	for _, ip := range r.RequiredIPs {
		if !ok[ip] {
			return nil, nil, false
		}
		req = append(req, ip)
		taken[ip] = true
	}
	for _, id := range kept {
		if !slices.Contains(req, id) {
			req = append(req, id)
		}
	}
	return req, taken, true
}

// counts is how many resources a reservation looks for (want), may hold (most) and needs
// (least).
func counts(r *reservation) (want, most, least int) {
	switch r.ResourceType {
	case "physical:host", "device":
		// Create and update alike take up to max and fail only below min:
		// Blazar's _update_allocations keeps what still fits and looks for
		// max - kept more, so raising max grows even an active reservation.
		return r.Max, r.Max, r.Min
	case "network":
		return 1, 1, 1
	case "virtual:floatingip", "flavor:instance":
		return r.Amount, r.Amount, r.Amount
	}
	return 0, 0, 0
}
