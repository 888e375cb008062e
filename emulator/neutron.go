package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// adminProject owns the shared external network, as the cloud's admin
// project does on a real site.
var adminProjectID = hexID("project/admin")

func neutronStamp(t time.Time) string { return t.UTC().Format(neutronDate) }

func neutronError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("X-Openstack-Request-Id", requestID())
	writeJSON(w, status, map[string]any{"NeutronError": omap{{"type", typ}, {"message", msg}, {"detail", ""}}})
}

func (e *Emulator) publicNetwork(s *site) omap {
	p := s.inv.FloatingIPs
	return omap{{"id", s.fipNetID}, {"name", p.NetworkName}, {"tenant_id", adminProjectID}, {"admin_state_up", true},
		{"mtu", 1500}, {"status", "ACTIVE"}, {"subnets", []string{s.fipSubnet}}, {"shared", false},
		{"availability_zone_hints", []string{}}, {"availability_zones", []string{"nova"}},
		{"ipv4_address_scope", nil}, {"ipv6_address_scope", nil}, {"router:external", true}, {"description", ""},
		{"port_security_enabled", true}, {"is_default", true}, {"l2_adjacency", true}, {"qos_policy_id", nil},
		{"tags", []string{}}, {"created_at", neutronStamp(inventoryEpoch)}, {"updated_at", neutronStamp(inventoryEpoch)},
		{"revision_number", 1}, {"project_id", adminProjectID},
		{"provider:network_type", "flat"}, {"provider:physical_network", "public"}, {"provider:segmentation_id", nil}}
}

func (e *Emulator) publicSubnet(s *site) omap {
	p := s.inv.FloatingIPs
	pools := []any{}
	if len(p.Addresses) > 0 {
		pools = append(pools, omap{{"start", p.Addresses[0]}, {"end", p.Addresses[len(p.Addresses)-1]}})
	}
	gw := any(nil)
	if p.Gateway != "" {
		gw = p.Gateway
	}
	return omap{{"id", s.fipSubnet}, {"name", p.NetworkName + "-subnet"}, {"tenant_id", adminProjectID},
		{"network_id", s.fipNetID}, {"ip_version", 4}, {"subnetpool_id", nil}, {"enable_dhcp", false},
		{"ipv6_ra_mode", nil}, {"ipv6_address_mode", nil}, {"gateway_ip", gw}, {"cidr", p.CIDR},
		{"allocation_pools", pools}, {"host_routes", []any{}}, {"dns_nameservers", []any{}}, {"description", ""},
		{"service_types", []any{}}, {"tags", []string{}}, {"created_at", neutronStamp(inventoryEpoch)},
		{"updated_at", neutronStamp(inventoryEpoch)}, {"revision_number", 0}, {"project_id", adminProjectID}}
}

// neutronObjects derives the networks and floating IPs that Blazar has
// created for the active leases of a project (all projects for "").
func (e *Emulator) neutronObjects(s *site, project string, now time.Time) (nets, fips []omap) {
	if s.inv.FloatingIPs != nil {
		nets = append(nets, e.publicNetwork(s))
	}
	segs := map[string]Segment{}
	for _, g := range s.inv.Segments {
		segs[g.ID] = g
	}
	for _, l := range s.leases {
		if project != "" && l.ProjectID != project {
			continue
		}
		ph := e.phaseOf(l, now)
		if ph.status != "ACTIVE" {
			continue
		}
		created := neutronStamp(ph.activeAt)
		for _, r := range l.Reservations {
			switch r.ResourceType {
			case "network":
				for _, id := range r.Allocated {
					g := segs[id]
					nets = append(nets, omap{{"id", stableUUID(s.name + "/net/" + r.ID)}, {"name", r.NetworkName},
						{"tenant_id", l.ProjectID}, {"admin_state_up", true}, {"mtu", 1500}, {"status", "ACTIVE"},
						{"subnets", []string{}}, {"shared", false}, {"availability_zone_hints", []string{}},
						{"availability_zones", []string{"nova"}}, {"ipv4_address_scope", nil}, {"ipv6_address_scope", nil},
						{"router:external", false}, {"description", r.NetworkDescription}, {"port_security_enabled", true},
						{"l2_adjacency", true}, {"qos_policy_id", nil}, {"tags", []string{}}, {"created_at", created},
						{"updated_at", created}, {"revision_number", 1}, {"project_id", l.ProjectID},
						{"provider:network_type", g.NetworkType}, {"provider:physical_network", g.PhysicalNetwork},
						{"provider:segmentation_id", g.SegmentID}})
				}
			case "virtual:floatingip":
				for _, ip := range r.Allocated {
					fips = append(fips, omap{{"id", stableUUID(s.name + "/fip/" + r.ID + "/" + ip)}, {"tenant_id", l.ProjectID},
						{"floating_ip_address", ip}, {"floating_network_id", r.NetworkID}, {"router_id", nil}, {"port_id", nil},
						{"fixed_ip_address", nil}, {"status", "DOWN"}, {"project_id", l.ProjectID}, {"description", ""},
						{"qos_policy_id", nil}, {"port_details", nil}, {"dns_domain", ""}, {"dns_name", ""},
						{"port_forwardings", []any{}}, {"tags", []string{"blazar", "reservation:" + r.ID}},
						{"created_at", created}, {"updated_at", created}, {"revision_number", 1}})
				}
			}
		}
	}
	return nets, fips
}

// neutronFilter applies Neutron's query filters: equality on scalar
// fields (repeated values OR-ed), tags (all of) and tags-any.
func neutronFilter(objs []omap, q url.Values) []any {
	out := []any{}
	for _, o := range objs {
		if matchNeutron(o, q) {
			out = append(out, o)
		}
	}
	return out
}

func matchNeutron(o omap, q url.Values) bool {
	fields := map[string]any{}
	for _, p := range o {
		fields[p.K] = p.V
	}
	for key, vals := range q {
		switch key {
		case "fields", "limit", "marker", "page_reverse", "sort_key", "sort_dir":
			continue
		case "tags", "tags-any":
			have, _ := fields["tags"].([]string)
			var want []string
			for _, v := range vals {
				want = append(want, strings.Split(v, ",")...)
			}
			n := 0
			for _, t := range want {
				if slices.Contains(have, t) {
					n++
				}
			}
			if (key == "tags" && n != len(want)) || (key == "tags-any" && n == 0) {
				return false
			}
			continue
		}
		v, ok := fields[key]
		if !ok {
			continue // Neutron ignores unknown filters
		}
		str := fmt.Sprint(v)
		if v == nil {
			str = ""
		}
		hit := false
		for _, want := range vals {
			if b, isBool := v.(bool); isBool {
				pb, err := strconv.ParseBool(want)
				hit = hit || (err == nil && pb == b)
			} else {
				hit = hit || want == str
			}
		}
		if !hit {
			return false
		}
	}
	return true
}

func (e *Emulator) serveNeutron(w http.ResponseWriter, r *http.Request, s *site, base, rest string) {
	p := strings.TrimSuffix(strings.Trim(rest, "/"), ".json")
	if p == "" {
		e.count(s.name, "versions")
		writeJSON(w, http.StatusOK, map[string]any{"versions": []any{omap{{"status", "CURRENT"}, {"id", "v2.0"},
			{"links", []any{omap{{"href", base + "/network/v2.0/"}, {"rel", "self"}}}}}}})
		return
	}
	if e.applyFaults(w, r, s.name, "neutron", false) {
		return
	}
	tok := e.authenticate(r, s)
	if tok == nil {
		writeUnauthorized(w, base+"/identity/v3")
		return
	}
	parts := strings.Split(p, "/")
	if parts[0] != "v2.0" || len(parts) < 2 || len(parts) > 3 {
		neutronError(w, http.StatusNotFound, "HTTPNotFound", "The resource could not be found.")
		return
	}
	if r.Method != http.MethodGet {
		neutronError(w, http.StatusForbidden, "PolicyNotAuthorized", "The emulator's Neutron is read-only.")
		return
	}
	now := e.now()
	e.mu.Lock()
	nets, fips := e.neutronObjects(s, tok.project.ID, now)
	var subnets []omap
	if s.inv.FloatingIPs != nil {
		subnets = append(subnets, e.publicSubnet(s))
	}
	e.mu.Unlock()
	coll := map[string][]omap{"networks": nets, "floatingips": fips, "subnets": subnets}
	objs, ok := coll[parts[1]]
	if !ok {
		neutronError(w, http.StatusNotFound, "HTTPNotFound", "The resource could not be found.")
		return
	}
	w.Header().Set("X-Openstack-Request-Id", requestID())
	if len(parts) == 2 {
		writeJSON(w, http.StatusOK, map[string]any{parts[1]: neutronFilter(objs, r.URL.Query())})
		return
	}
	for _, o := range objs {
		if o[0].V == parts[2] {
			writeJSON(w, http.StatusOK, map[string]any{strings.TrimSuffix(parts[1], "s"): o})
			return
		}
	}
	typ := map[string]string{"networks": "Network", "floatingips": "FloatingIP", "subnets": "Subnet"}[parts[1]]
	what := map[string]string{"networks": "Network", "floatingips": "Floating IP", "subnets": "Subnet"}[parts[1]]
	neutronError(w, http.StatusNotFound, typ+"NotFound", fmt.Sprintf("%s %s could not be found.", what, parts[2]))
}
