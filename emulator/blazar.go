package emulator

import (
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// inventoryEpoch is when the inventory was "registered" in Blazar.
var inventoryEpoch = time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC)

func blazarHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Vary", "OpenStack-API-Version")
	h.Set("OpenStack-API-Version", "reservation 1.0")
	h.Set("X-Openstack-Request-Id", requestID())
}

// versionRe is compiled on first use: a leasefile process that never starts the emulator
// should not pay for it at package init.
var versionRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([1-9]\d*)\.(0|[1-9]\d*)$`) })

// blazarOp classifies a request for fault injection and call counting.
func blazarOp(method string, parts []string) string {
	if len(parts) == 0 {
		return "versions"
	}
	switch parts[0] {
	case "leases":
		switch {
		case len(parts) == 1 && method == http.MethodGet:
			return "list"
		case len(parts) == 1 && method == http.MethodPost:
			return "create"
		case len(parts) == 2 && method == http.MethodPut:
			return "update"
		case len(parts) == 2 && method == http.MethodDelete:
			return "delete"
		}
		return "get"
	case "os-hosts":
		return "hosts"
	case "devices", "networks", "floatingips":
		return parts[0]
	}
	return "other"
}

func (e *Emulator) serveBlazar(w http.ResponseWriter, r *http.Request, s *site, base, rest string) {
	p := strings.Trim(rest, "/")
	p = strings.TrimSuffix(p, ".json")
	var parts []string
	if p != "" {
		parts = strings.Split(p, "/")
	}
	authURI := base + "/identity/v3"
	isRoot := len(parts) == 0 || (len(parts) == 1 && parts[0] == "versions")
	var api []string
	if !isRoot {
		if parts[0] != "v1" {
			e.count(s.name, "other")
			if e.authenticate(r, s) == nil {
				writeUnauthorized(w, authURI)
				return
			}
			writeWerkzeug(w, http.StatusNotFound)
			return
		}
		api = parts[1:]
	}
	op := blazarOp(r.Method, api)
	if e.applyFaults(w, r, s.name, op, true) {
		return
	}
	tok := e.authenticate(r, s)
	if tok == nil {
		if isRoot {
			// Recorded: the root's 401 has the body but no
			// WWW-Authenticate header.
			writeUnauthorized(w, "")
			return
		}
		writeUnauthorized(w, authURI)
		return
	}
	if isRoot {
		if r.Method != http.MethodGet {
			writeWerkzeug(w, http.StatusMethodNotAllowed)
			return
		}
		writeBlazarVersions(w, base)
		return
	}
	blazarHeaders(w)
	if !acceptAPIVersion(w, r) {
		return
	}
	req, ok := e.readRequest(w, r)
	if !ok {
		return
	}
	if len(api) == 0 {
		writeWerkzeug(w, http.StatusNotFound)
		return
	}
	switch api[0] {
	case "leases":
		e.serveLeases(w, r, s, tok, api[1:], req)
	case "os-hosts":
		e.serveInventory(w, r, s, "host", api[1:])
	case "devices":
		e.serveInventory(w, r, s, "device", api[1:])
	case "networks":
		e.serveInventory(w, r, s, "segment", api[1:])
	case "floatingips":
		e.serveFloatingIPs(w, r, s, api[1:])
	default:
		writeWerkzeug(w, http.StatusNotFound)
	}
}

// writeBlazarVersions answers the root: the deprecated Pecan v2 app is still listed, as
// recorded.
func writeBlazarVersions(w http.ResponseWriter, base string) {
	writeJSON(w, http.StatusMultipleChoices, map[string]any{"versions": []any{
		omap{{"id", "v1.0"}, {"status", "CURRENT"}, {"links", []any{omap{{"href", base + "/reservation/v1"}, {"rel", "self"}}}},
			{"min_version", "1.0"}, {"max_version", "1.0"}},
		omap{{"id", "v2.0"}, {"status", "DEPRECATED"}, {"links", []any{omap{{"href", base + "/reservation/v2"}, {"rel", "self"}}}}}}})
}

// acceptAPIVersion refuses a reservation microversion other than 1.0 (or latest), as Blazar
// does; it says whether the request may go on.
func acceptAPIVersion(w http.ResponseWriter, r *http.Request) bool {
	v := r.Header.Get("OpenStack-API-Version")
	if v == "" {
		return true
	}
	f := strings.Fields(v)
	if len(f) != 2 || !strings.EqualFold(f[0], "reservation") || f[1] == "latest" || f[1] == "1.0" {
		return true
	}
	if !versionRe().MatchString(f[1]) {
		writeJSON(w, http.StatusBadRequest, omap{{"error", 400}, {"error_message", "API Version String " + f[1] + " is of invalid format. Must be of format MajorNum.MinorNum."}})
		return false
	}
	writeJSON(w, http.StatusNotAcceptable, omap{{"error", 406}, {"error_message", "Version " + f[1] + " is not supported by the API. Minimum is 1.0 and maximum is 1.0."}})
	return false
}

// readRequest reads, bounds and decodes the body of a POST, PUT or PATCH, before any lock is
// taken: a large or deeply nested body costs only its own request's time. It says whether
// the request may go on (else the error is written).
func (e *Emulator) readRequest(w http.ResponseWriter, r *http.Request) (request, bool) {
	var req request
	if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
		return req, true
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.Contains(ct, "json") {
		if e.fork() {
			writeJSON(w, http.StatusBadRequest, omap{{"error", 400}, {"error_message", "Content type '" + ct + "' isn't supported"}})
		} else {
			writeBlazarError(w, blazarErr(http.StatusBadRequest, "Content type '%s' isn't supported", ct))
		}
		return req, false
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err == nil && len(raw) > maxBodyBytes {
		writeWerkzeug(w, http.StatusRequestEntityTooLarge)
		return req, false
	}
	if err == nil {
		req, err = decodeRequest(raw)
	}
	if err != nil {
		if e.fork() {
			// The fork's JSON hook raises outside Blazar's error handling.
			writeWerkzeug(w, http.StatusInternalServerError)
		} else {
			writeWerkzeug(w, http.StatusBadRequest)
		}
		return req, false
	}
	return req, true
}

func notFound(key, id string) *apiError {
	return blazarErr(http.StatusNotFound, "Object with {%s: %s} not found", pyRepr(key), pyRepr(id))
}

func policyDenied(w http.ResponseWriter, rule string) {
	writeBlazarError(w, blazarErr(http.StatusForbidden, "Policy doesn't allow blazar:%s to be performed", rule))
}

// leaseRule is the policy rule Blazar checks for a lease call.
func leaseRule(method string) string {
	if m, ok := map[string]string{http.MethodPost: "post", http.MethodPut: "put", http.MethodDelete: "delete"}[method]; ok {
		return "leases:" + m
	}
	return "leases:get"
}

func (e *Emulator) serveLeases(w http.ResponseWriter, r *http.Request, s *site, tok *token, parts []string, req request) {
	now := e.now()
	switch len(parts) {
	case 0:
		e.serveLeaseList(w, r, s, tok, req, now)
		return
	case 1, 2:
	default:
		writeWerkzeug(w, http.StatusNotFound)
		return
	}
	id := parts[0]
	e.mu.Lock()
	defer e.mu.Unlock()
	l := s.byID[id]
	if l != nil && l.ProjectID != tok.project.ID && len(parts) == 1 && !e.fork() {
		// Upstream checks the owner (403 since 2025); the fork lets any user read, change
		// and delete any lease by its id.
		policyDenied(w, leaseRule(r.Method))
		return
	}
	if l != nil && l.ProjectID != tok.project.ID && len(parts) == 2 {
		l = nil
	}
	if len(parts) == 2 {
		e.serveAllocations(w, r, s, l, id, parts[1])
		return
	}
	if l == nil {
		if r.Method == http.MethodGet || r.Method == http.MethodPut || r.Method == http.MethodDelete {
			writeBlazarError(w, notFound("lease_id", id))
		} else {
			writeWerkzeug(w, http.StatusMethodNotAllowed)
		}
		return
	}
	e.serveLease(w, r, s, l, id, req, now)
}

// serveLeaseList lists the leases the token's project sees, or creates one.
func (e *Emulator) serveLeaseList(w http.ResponseWriter, r *http.Request, s *site, tok *token, req request, now time.Time) {
	switch r.Method {
	case http.MethodGet:
		e.mu.Lock()
		ls := s.visibleLeases(tok.project.ID)
		out := make([]any, len(ls))
		for i, l := range ls {
			out[i] = e.render(l, now, "")
		}
		e.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"leases": out})
	case http.MethodPost:
		// Everything that does not depend on other leases is checked before the lock.
		p, err := e.prepareCreate(s, tok, req.body, req.order, now)
		if err != nil {
			writeBlazarError(w, err)
			return
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		l, err := e.commitCreate(s, p)
		if err == nil {
			s.add(l)
			err = e.persistLocked()
		}
		if err != nil {
			writeBlazarError(w, err)
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{"lease": e.render(l, now, "PENDING")})
	default:
		writeWerkzeug(w, http.StatusMethodNotAllowed)
	}
}

// serveAllocations lists the resources of one kind (hosts, networks, devices) allocated to
// lease l, with e.mu held.
func (e *Emulator) serveAllocations(w http.ResponseWriter, r *http.Request, s *site, l *lease, id, what string) {
	kind := map[string]string{"hosts": "host", "networks": "segment", "devices": "device"}[what]
	if kind == "" {
		writeWerkzeug(w, http.StatusNotFound)
		return
	}
	if r.Method != http.MethodGet {
		writeWerkzeug(w, http.StatusMethodNotAllowed)
		return
	}
	if l == nil {
		writeBlazarError(w, notFound("lease_id", id))
		return
	}
	rt := map[string]string{"host": "physical:host", "segment": "network", "device": "device"}[kind]
	ids := map[string]bool{}
	for _, x := range l.allocatedTo(rt) {
		ids[x] = true
	}
	out := []any{}
	for _, obj := range e.inventoryObjects(s, kind) {
		if ids[obj.id] {
			out = append(out, obj.body)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{what: out})
}

// serveLease shows, updates or deletes lease l, with e.mu held.
func (e *Emulator) serveLease(w http.ResponseWriter, r *http.Request, s *site, l *lease, id string, req request, now time.Time) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"lease": e.render(l, now, "")})
	case http.MethodPut:
		nl, err := e.updateLease(s, l, req.body, req.order, now)
		if err != nil {
			writeBlazarError(w, err)
			return
		}
		status := ""
		if nl != l {
			status = "UPDATING"
			*l = *nl
			if err := e.persistLocked(); err != nil {
				writeBlazarError(w, err)
				return
			}
			l = s.byID[id]
		}
		writeJSON(w, http.StatusOK, map[string]any{"lease": e.render(l, now, status)})
	case http.MethodDelete:
		s.remove(id)
		if err := e.persistLocked(); err != nil {
			writeBlazarError(w, err)
			return
		}
		if e.fork() || s.inv.DeleteReturnsEmptyObject {
			writeJSON(w, http.StatusOK, map[string]any{})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNoContent)
	default:
		writeWerkzeug(w, http.StatusMethodNotAllowed)
	}
}

type invObject struct {
	id    string
	body  omap
	extra map[string]string
}

// inventoryObjects renders a site's hosts, devices or network segments as
// Blazar shows them, extra capabilities flat and sorted.
func (e *Emulator) inventoryObjects(s *site, kind string) []invObject {
	var out []invObject
	created := stamp(inventoryEpoch)
	addExtra := func(m omap, extra map[string]string) omap {
		for _, k := range slices.Sorted(maps.Keys(extra)) {
			m = append(m, kv{k, extra[k]})
		}
		return m
	}
	switch kind {
	case "host":
		for _, h := range s.inv.Hosts {
			m := omap{{"created_at", created}, {"updated_at", nil}, {"id", h.ID}, {"vcpus", h.VCPUs}, {"cpu_info", "baremetal cpu"},
				{"hypervisor_type", "ironic"}, {"hypervisor_version", 1}, {"hypervisor_hostname", h.Hostname},
				{"service_name", h.Hostname}, {"memory_mb", h.MemoryMB}, {"local_gb", h.LocalGB}, {"status", nil},
				{"availability_zone", "nova"}, {"trust_id", hexID(s.name + "/host-trust/" + h.ID)}, {"reservable", true}}
			if e.fork() {
				m = append(m, kv{"disabled", false}) // the fork's
			}
			out = append(out, invObject{h.ID, addExtra(m, h.Extra), h.Extra})
		}
	case "device":
		for _, d := range s.inv.Devices {
			m := omap{{"created_at", created}, {"updated_at", nil}, {"id", d.ID}, {"name", d.Name}, {"device_type", d.DeviceType},
				{"device_driver", d.DeviceDriver}, {"reservable", true}}
			out = append(out, invObject{d.ID, addExtra(m, d.Extra), d.Extra})
		}
	case "segment":
		for _, g := range s.inv.Segments {
			m := omap{{"created_at", created}, {"updated_at", nil}, {"id", g.ID}, {"network_type", g.NetworkType},
				{"physical_network", g.PhysicalNetwork}, {"segment_id", g.SegmentID}}
			out = append(out, invObject{g.ID, addExtra(m, g.Extra), g.Extra})
		}
	}
	return out
}

var policyPrefix = map[string]string{"host": "oshosts", "device": "devices", "segment": "networks"}
var idKey = map[string]string{"host": "host_id", "device": "device_id", "segment": "network_id"}
var kindType = map[string]string{"host": "physical:host", "device": "device", "segment": "network"}

// serveInventory answers os-hosts, devices and networks. Reads are open to
// any project member (Chameleon's policy); writes are admin-only.
func (e *Emulator) serveInventory(w http.ResponseWriter, r *http.Request, s *site, kind string, parts []string) {
	pol := policyPrefix[kind]
	if !s.supports(kindType[kind]) {
		writeWerkzeug(w, http.StatusNotFound)
		return
	}
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	objs := e.inventoryObjects(s, kind)
	plural := map[string]string{"host": "hosts", "device": "devices", "segment": "networks"}[kind]
	singular := map[string]string{"host": "host", "device": "device", "segment": "network"}[kind]
	find := func(id string) *invObject {
		for i := range objs {
			if objs[i].id == id {
				return &objs[i]
			}
		}
		return nil
	}
	get := r.Method == http.MethodGet
	switch {
	case len(parts) == 0 && get:
		out := make([]any, len(objs))
		for i, o := range objs {
			out[i] = o.body
		}
		writeJSON(w, http.StatusOK, map[string]any{plural: out})
	case len(parts) == 0 && r.Method == http.MethodPost:
		policyDenied(w, pol+":post")
	case len(parts) == 1 && parts[0] == "allocations" && get:
		writeJSON(w, http.StatusOK, map[string]any{"allocations": e.allocations(s, kind, objs, "", r.URL.Query(), now)})
	case len(parts) == 1 && parts[0] == "properties" && get:
		detail := strings.EqualFold(r.URL.Query().Get("detail"), "true")
		writeJSON(w, http.StatusOK, map[string]any{"resource_properties": resourceProperties(objs, detail)})
	case len(parts) == 2 && parts[0] == "properties" && r.Method == http.MethodPatch:
		policyDenied(w, pol+":update_resource_properties")
	case len(parts) == 1 && parts[0] != "allocations" && parts[0] != "properties":
		o := find(parts[0])
		switch {
		case !get && r.Method != http.MethodPut && r.Method != http.MethodDelete:
			writeWerkzeug(w, http.StatusMethodNotAllowed)
		case !get:
			policyDenied(w, pol+":"+map[string]string{http.MethodPut: "put", http.MethodDelete: "delete"}[r.Method])
		case o == nil:
			writeBlazarError(w, notFound(idKey[kind], parts[0]))
		default:
			writeJSON(w, http.StatusOK, map[string]any{singular: o.body})
		}
	case len(parts) == 2 && parts[1] == "allocation":
		o := find(parts[0])
		switch {
		case r.Method == http.MethodPut:
			policyDenied(w, pol+":reallocate")
		case !get:
			writeWerkzeug(w, http.StatusMethodNotAllowed)
		case o == nil:
			writeBlazarError(w, notFound(idKey[kind], parts[0]))
		case kind == "device":
			// Chameleon's route lacks query=True, so the view is called
			// without its query argument: a TypeError, hence a 500.
			// python-chi lists all allocations instead.
			writeBlazarError(w, errInternal)
		default:
			a := e.allocations(s, kind, objs, o.id, r.URL.Query(), now)
			writeJSON(w, http.StatusOK, map[string]any{"allocation": a[0]})
		}
	case len(parts) <= 2:
		writeWerkzeug(w, http.StatusMethodNotAllowed)
	default:
		writeWerkzeug(w, http.StatusNotFound)
	}
}

// resourceProperties lists the extra capabilities of objs by name, in the order first seen,
// with their distinct values when detailed.
func resourceProperties(objs []invObject, detail bool) []any {
	var names []string
	values := map[string][]string{}
	for _, o := range objs {
		for _, k := range slices.Sorted(maps.Keys(o.extra)) {
			if _, seen := values[k]; !seen {
				names = append(names, k)
				values[k] = []string{}
			}
			if !slices.Contains(values[k], o.extra[k]) {
				values[k] = append(values[k], o.extra[k])
			}
		}
	}
	out := []any{}
	for _, n := range names {
		if detail {
			// is_unique is Chameleon's addition to the detailed form.
			out = append(out, omap{{"property", n}, {"private", false}, {"values", values[n]}, {"is_unique", false}})
		} else {
			out = append(out, omap{{"property", n}})
		}
	}
	return out
}

// allocations lists, per resource, the reservations holding it: those
// whose lease has not ended, or all of them when filtered by lease or
// reservation id.
func (e *Emulator) allocations(s *site, kind string, objs []invObject, only string, q url.Values, now time.Time) []any {
	leaseID, resID := q.Get("lease_id"), q.Get("reservation_id")
	filtered := leaseID != "" || resID != ""
	byRes := map[string][]any{}
	for _, l := range s.leases {
		if !filtered && l.End.Before(now) {
			continue
		}
		if leaseID != "" && l.ID != leaseID {
			continue
		}
		for _, r := range l.Reservations {
			if kinds[r.ResourceType].kind != kind || (resID != "" && r.ID != resID) {
				continue
			}
			for _, id := range r.Allocated {
				a := omap{{"id", r.ID}, {"lease_id", l.ID}, {"start_date", bdate(l.Start)}, {"end_date", bdate(l.End)}}
				switch {
				case !e.fork():
					a = append(a, kv{"extras", map[string]any{"user_name": l.UserName}})
				case only == "":
					// The fork's list has empty extras; its one-resource view has none.
					a = append(a, kv{"extras", map[string]any{}})
				}
				byRes[id] = append(byRes[id], a)
			}
		}
	}
	out := []any{}
	for _, o := range objs {
		if only != "" && o.id != only {
			continue
		}
		rs := byRes[o.id]
		if rs == nil {
			rs = []any{}
		}
		out = append(out, omap{{"resource_id", o.id}, {"reservations", rs}})
	}
	return out
}

func (e *Emulator) fipObjects(s *site) []omap {
	var out []omap
	if p := s.inv.FloatingIPs; p != nil {
		for _, a := range p.Addresses {
			out = append(out, omap{{"id", stableUUID(s.name + "/blazar-fip/" + a)}, {"floating_network_id", s.fipNetID},
				{"subnet_id", s.fipSubnet}, {"floating_ip_address", a}, {"reservable", true},
				{"created_at", stamp(inventoryEpoch)}, {"updated_at", nil}})
		}
	}
	return out
}

func (e *Emulator) serveFloatingIPs(w http.ResponseWriter, r *http.Request, s *site, parts []string) {
	if !s.supports("virtual:floatingip") {
		writeWerkzeug(w, http.StatusNotFound)
		return
	}
	objs := e.fipObjects(s)
	switch {
	case len(parts) == 0 && r.Method == http.MethodGet:
		out := make([]any, len(objs))
		for i, o := range objs {
			out[i] = o
		}
		writeJSON(w, http.StatusOK, map[string]any{"floatingips": out})
	case len(parts) == 0 && r.Method == http.MethodPost:
		policyDenied(w, "floatingips:post")
	case len(parts) == 1 && r.Method == http.MethodGet:
		for _, o := range objs {
			if o[0].V == parts[0] {
				writeJSON(w, http.StatusOK, map[string]any{"floatingip": o})
				return
			}
		}
		writeBlazarError(w, notFound("floatingip_id", parts[0]))
	case len(parts) == 1 && r.Method == http.MethodDelete:
		policyDenied(w, "floatingips:delete")
	case len(parts) <= 1:
		writeWerkzeug(w, http.StatusMethodNotAllowed)
	default:
		writeWerkzeug(w, http.StatusNotFound)
	}
}
