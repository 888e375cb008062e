package emulator

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Nova is here only as far as leasefile reads it: a compute endpoint in each site's catalog
// ({URL}/{slug}/compute/v2.1) answering GET /servers and /servers/detail with the caller's
// project's servers, which tests add with AddServer. Whether a project runs any server at a
// site is what Chameleon's idle-lease reaper turns on. Servers are not persisted.

// novaServer is a server of one project at one site.
type novaServer struct {
	ID, Name, ProjectID, UserID string
	Created                     time.Time
}

func novaError(w http.ResponseWriter, status int, kind, msg string) {
	w.Header().Set("X-Openstack-Request-Id", requestID())
	writeJSON(w, status, map[string]any{kind: omap{{"code", status}, {"message", msg}}})
}

// AddServer gives the project named project (DemoProject when "") a server named name at
// site, ACTIVE from now on, as if booted on one of its lease's hosts.
func (e *Emulator) AddServer(site, project, name string) error {
	if project == "" {
		project = DemoProject
	}
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.byName[site]
	if s == nil {
		return fmt.Errorf("emulator: unknown site %q", site)
	}
	p := e.projectByName(project)
	if p == nil {
		return fmt.Errorf("emulator: unknown project %q", project)
	}
	s.servers = append(s.servers, &novaServer{ID: stableUUID(fmt.Sprintf("%s/server/%s/%d", s.name, name, len(s.servers))),
		Name: name, ProjectID: p.ID, Created: now})
	return nil
}

func (e *Emulator) serveNova(w http.ResponseWriter, r *http.Request, s *site, base, rest string) {
	if e.applyFaults(w, r, s.name, "nova", false) {
		return
	}
	tok := e.authenticate(r, s)
	if tok == nil {
		writeUnauthorized(w, base+"/identity/v3")
		return
	}
	p := strings.Trim(rest, "/")
	if (p == "v2.1/flavors" || p == "v2.1/flavors/detail") && len(s.inv.Flavors) > 0 && r.Method == http.MethodGet {
		e.serveFlavors(w, s, base, p)
		return
	}
	if p != "v2.1/servers" && p != "v2.1/servers/detail" {
		novaError(w, http.StatusNotFound, "itemNotFound", "The resource could not be found.")
		return
	}
	if r.Method != http.MethodGet {
		novaError(w, http.StatusForbidden, "forbidden", "The emulator's Nova is read-only.")
		return
	}
	e.count(s.name, "servers")
	detail := strings.HasSuffix(p, "/detail")
	q := r.URL.Query()
	limit := -1
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			novaError(w, http.StatusBadRequest, "badRequest", "limit param must be an integer")
			return
		}
		limit = n
	}
	marker := q.Get("marker")
	e.mu.Lock()
	var mine []*novaServer
	for _, sv := range s.servers {
		if sv.ProjectID == tok.project.ID {
			mine = append(mine, sv)
		}
	}
	e.mu.Unlock()
	if marker != "" {
		i := 0
		for i < len(mine) && mine[i].ID != marker {
			i++
		}
		if i == len(mine) {
			novaError(w, http.StatusBadRequest, "badRequest", "marker ["+marker+"] not found")
			return
		}
		mine = mine[i+1:]
	}
	out := []any{}
	for i, sv := range mine {
		if limit >= 0 && i == limit {
			break
		}
		out = append(out, serverBody(sv, s.name, base, tok.user.ID, detail))
	}
	body := omap{{"servers", out}}
	if limit >= 0 && len(mine) > limit && limit > 0 {
		next := base + "/compute/v2.1/" + strings.TrimPrefix(p, "v2.1/") + "?limit=" + strconv.Itoa(limit) + "&marker=" + mine[limit-1].ID
		body = append(body, kv{"servers_links", []any{omap{{"rel", "next"}, {"href", next}}}})
	}
	w.Header().Set("X-Openstack-Request-Id", requestID())
	writeJSON(w, http.StatusOK, body)
}

// serverBody is a server as Nova lists it: id, links and name, or, detailed, every field.
func serverBody(sv *novaServer, site, base, userID string, detail bool) omap {
	self := base + "/compute/v2.1/servers/" + sv.ID
	links := []any{omap{{"rel", "self"}, {"href", self}}, omap{{"rel", "bookmark"}, {"href", base + "/compute/servers/" + sv.ID}}}
	if !detail {
		return omap{{"id", sv.ID}, {"links", links}, {"name", sv.Name}}
	}
	stamp := sv.Created.UTC().Format(time.RFC3339)
	return omap{{"id", sv.ID}, {"name", sv.Name}, {"status", "ACTIVE"}, {"tenant_id", sv.ProjectID},
		{"user_id", userID}, {"metadata", omap{}}, {"hostId", hexID(site + "/host/" + sv.ID)},
		{"image", omap{{"id", stableUUID(site + "/image/CC-Ubuntu22.04")}}}, {"flavor", omap{{"id", "baremetal"}}},
		{"created", stamp}, {"updated", stamp}, {"addresses", omap{}}, {"accessIPv4", ""}, {"accessIPv6", ""},
		{"links", links}, {"OS-DCF:diskConfig", "MANUAL"}, {"progress", 0}, {"OS-EXT-AZ:availability_zone", "nova"},
		{"config_drive", ""}, {"key_name", nil}, {"OS-SRV-USG:launched_at", sv.Created.UTC().Format("2006-01-02T15:04:05.000000")}, {"OS-SRV-USG:terminated_at", nil},
		{"OS-EXT-STS:task_state", nil}, {"OS-EXT-STS:vm_state", "active"}, {"OS-EXT-STS:power_state", 1},
		{"os-extended-volumes:volumes_attached", []any{}}, {"security_groups", []any{omap{{"name", "default"}}}}}
}

// serveFlavors is Nova's flavor list (GET /flavors and /flavors/detail) at a site with
// flavors, which flavor reservations resolve their flavor names through.
func (e *Emulator) serveFlavors(w http.ResponseWriter, s *site, base, p string) {
	e.count(s.name, "nova "+strings.TrimPrefix(p, "v2.1/"))
	detail := strings.HasSuffix(p, "/detail")
	out := []any{}
	for _, f := range s.inv.Flavors {
		links := []any{omap{{"rel", "self"}, {"href", base + "/compute/v2.1/flavors/" + f.ID}}}
		if !detail {
			out = append(out, omap{{"id", f.ID}, {"links", links}, {"name", f.Name}})
			continue
		}
		out = append(out, omap{{"OS-FLV-DISABLED:disabled", false}, {"disk", f.Disk}, {"OS-FLV-EXT-DATA:ephemeral", 0},
			{"os-flavor-access:is_public", true}, {"id", f.ID}, {"links", links}, {"name", f.Name}, {"ram", f.RAM},
			{"swap", ""}, {"vcpus", f.VCPUs}, {"rxtx_factor", 1.0}})
	}
	w.Header().Set("X-Openstack-Request-Id", requestID())
	writeJSON(w, http.StatusOK, omap{{"flavors", out}})
}
