package emulator

import (
	"net/http"
	"strings"
)

// serveNova is the little of Nova's compute API v2.1 that flavor reservations need: the
// flavor list (GET /flavors and /flavors/detail), from the site's inventory, at the sites
// that have flavors. Everything else is Nova's 404.
func (e *Emulator) serveNova(w http.ResponseWriter, r *http.Request, s *site, base, rest string) {
	p := strings.Trim(rest, "/")
	if len(s.inv.Flavors) == 0 || !strings.HasPrefix(p, "v2.1") {
		novaError(w, http.StatusNotFound, "The resource could not be found.")
		return
	}
	if e.applyFaults(w, r, s.name, "nova", false) {
		return
	}
	if e.authenticate(r, s) == nil {
		writeUnauthorized(w, base+"/identity/v3")
		return
	}
	p = strings.TrimPrefix(strings.TrimPrefix(p, "v2.1"), "/")
	if r.Method != http.MethodGet || (p != "flavors" && p != "flavors/detail") {
		novaError(w, http.StatusNotFound, "The resource could not be found.")
		return
	}
	e.count(s.name, "nova "+p)
	detail := p == "flavors/detail"
	out := []any{}
	for _, f := range s.inv.Flavors {
		links := []any{omap{{"href", base + "/compute/v2.1/flavors/" + f.ID}, {"rel", "self"}}}
		if !detail {
			out = append(out, omap{{"id", f.ID}, {"links", links}, {"name", f.Name}})
			continue
		}
		out = append(out, omap{{"OS-FLV-DISABLED:disabled", false}, {"disk", f.Disk}, {"OS-FLV-EXT-DATA:ephemeral", 0},
			{"os-flavor-access:is_public", true}, {"id", f.ID}, {"links", links}, {"name", f.Name}, {"ram", f.RAM},
			{"swap", ""}, {"vcpus", f.VCPUs}, {"rxtx_factor", 1.0}})
	}
	writeJSON(w, http.StatusOK, omap{{"flavors", out}})
}

// novaError is Nova's error body: {"itemNotFound": {"code": 404, "message": ...}}.
func novaError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"itemNotFound": omap{{"code", status}, {"message", msg}}})
}
