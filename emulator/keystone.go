package emulator

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// token is an issued Keystone token; tokens live in memory only so they
// never reach the data file.
type token struct {
	site    string
	user    *User
	project *Project
	appCred *AppCred
	methods []string
	issued  time.Time
	expires time.Time
	auditID string
}

func keystoneError(w http.ResponseWriter, status int, title, msg string) {
	w.Header().Set("Vary", "X-Auth-Token")
	w.Header().Set("x-openstack-request-id", requestID())
	writeJSON(w, status, map[string]any{"error": omap{{"code", status}, {"message", msg}, {"title", title}}})
}

func keystoneVersion(base string) omap {
	return omap{{"id", "v3.14"}, {"status", "stable"}, {"updated", "2020-04-07T00:00:00Z"},
		{"links", []any{omap{{"rel", "self"}, {"href", base + "/identity/v3/"}}}},
		{"media-types", []any{omap{{"base", "application/json"}, {"type", "application/vnd.openstack.identity-v3+json"}}}}}
}

func (e *Emulator) serveKeystone(w http.ResponseWriter, r *http.Request, s *site, base, rest string) {
	rest = strings.TrimSuffix(rest, "/")
	switch {
	case rest == "" && r.Method == http.MethodGet:
		e.count(s.name, "versions")
		w.Header().Set("Vary", "X-Auth-Token")
		writeJSON(w, http.StatusMultipleChoices, map[string]any{"versions": map[string]any{"values": []any{keystoneVersion(base)}}})
	case rest == "/v3" && r.Method == http.MethodGet:
		e.count(s.name, "versions")
		w.Header().Set("Vary", "X-Auth-Token")
		writeJSON(w, http.StatusOK, map[string]any{"version": keystoneVersion(base)})
	case rest == "/v3/auth/tokens" && r.Method == http.MethodPost:
		if e.applyFaults(w, r, s.name, "auth", false) {
			return
		}
		e.issueToken(w, r, s, base)
	case strings.HasPrefix(rest, "/v3/OS-FEDERATION/"):
		e.serveFederation(w, r, s, rest)
	case rest == "/v3/auth/tokens" || rest == "/v3" || rest == "":
		keystoneError(w, http.StatusMethodNotAllowed, "Method Not Allowed", "The method is not allowed for the requested URL.")
	default:
		keystoneError(w, http.StatusNotFound, "Not Found", "The resource could not be found.")
	}
}

// authRequest is the subset of Keystone's v3 auth body we honour.
type authRequest struct {
	Auth struct {
		Identity struct {
			Methods  []string `json:"methods"`
			Password *struct {
				User nameRef `json:"user"`
			} `json:"password"`
			Token *struct {
				ID string `json:"id"`
			} `json:"token"`
			AppCred *struct {
				ID     string   `json:"id"`
				Name   string   `json:"name"`
				Secret string   `json:"secret"`
				User   *nameRef `json:"user"`
			} `json:"application_credential"`
		} `json:"identity"`
		Scope json.RawMessage `json:"scope"`
	} `json:"auth"`
}

type nameRef struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Password string   `json:"password"`
	Domain   *nameRef `json:"domain"`
}

func domainOK(d *nameRef) bool {
	return d != nil && (d.ID == "default" || (d.ID == "" && d.Name == DemoDomain))
}

func (e *Emulator) findUser(ref nameRef) *User {
	for i := range e.inv.Users {
		u := &e.inv.Users[i]
		if (ref.ID != "" && ref.ID == u.ID) || (ref.ID == "" && ref.Name == u.Name && domainOK(ref.Domain)) {
			return u
		}
	}
	return nil
}

func (e *Emulator) projectByName(name string) *Project {
	for i := range e.inv.Projects {
		if e.inv.Projects[i].Name == name {
			return &e.inv.Projects[i]
		}
	}
	return nil
}

func (e *Emulator) issueToken(w http.ResponseWriter, r *http.Request, s *site, base string) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var req authRequest
	if err := json.Unmarshal(body, &req); err != nil {
		keystoneError(w, http.StatusBadRequest, "Bad Request", "Malformed request body")
		return
	}
	id := req.Auth.Identity
	unauthorized := func() { keystoneError(w, http.StatusUnauthorized, "Unauthorized", unauthMessage) }
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	tok := &token{site: s.name, issued: now.Truncate(time.Second), expires: now.Add(e.ttl).Truncate(time.Second)}
	method := ""
	if len(id.Methods) > 0 {
		method = id.Methods[0]
	}
	switch method {
	case "password":
		if id.Password == nil {
			keystoneError(w, http.StatusBadRequest, "Bad Request", "Expecting to find password in identity. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.")
			return
		}
		u := e.findUser(id.Password.User)
		if u == nil || u.Password != id.Password.User.Password {
			unauthorized()
			return
		}
		tok.user = u
	case "token":
		if id.Token == nil {
			unauthorized()
			return
		}
		old := e.tokens[id.Token.ID]
		if old == nil || old.site != s.name || !now.Before(old.expires) {
			unauthorized()
			return
		}
		tok.user = old.user
	case "application_credential":
		ac := id.AppCred
		if ac == nil {
			unauthorized()
			return
		}
		found := e.findAppCred(ac.ID, ac.Name, ac.User)
		if found == nil || found.Secret != ac.Secret {
			unauthorized()
			return
		}
		if len(req.Auth.Scope) > 0 && string(req.Auth.Scope) != "null" {
			keystoneError(w, http.StatusUnauthorized, "Unauthorized", "Application credentials cannot request a scope.")
			return
		}
		e.appCredToken(tok, found)
	default:
		unauthorized()
		return
	}
	tok.methods = []string{method}
	if string(req.Auth.Scope) == `"unscoped"` && tok.appCred == nil {
		// An explicitly unscoped token: no project, no catalog; Blazar refuses it.
	} else if tok.project == nil {
		p, ok := e.scopeProject(req.Auth.Scope, tok.user)
		if !ok {
			unauthorized()
			return
		}
		tok.project = p
	}
	var value string
	value, tok.auditID = newTokenID()
	e.pruneTokens(now)
	e.tokens[value] = tok
	w.Header().Set("X-Subject-Token", value)
	w.Header().Set("Vary", "X-Auth-Token")
	w.Header().Set("x-openstack-request-id", requestID())
	writeJSON(w, http.StatusCreated, map[string]any{"token": e.tokenBody(tok, s, base)})
}

// appCredToken makes tok the token of application credential a: its user, and the project
// it carries.
func (e *Emulator) appCredToken(tok *token, a *AppCred) {
	tok.appCred = a
	tok.user = e.findUser(nameRef{Name: a.User, Domain: &nameRef{ID: "default"}})
	tok.project = e.projectByName(tok.user.Project)
}

// findAppCred finds an application credential by its id, or by its name and its user's.
func (e *Emulator) findAppCred(id, name string, user *nameRef) *AppCred {
	var found *AppCred
	for i := range e.inv.AppCreds {
		a := &e.inv.AppCreds[i]
		if id != "" {
			if a.ID == id {
				found = a
			}
			continue
		}
		if name == a.Name && user != nil {
			if u := e.findUser(*user); u != nil && u.Name == a.User {
				found = a
			}
		}
	}
	return found
}

// newTokenID is a new random token (shaped like a Fernet token) and its audit id.
func newTokenID() (value, auditID string) {
	raw := make([]byte, 48)
	_, _ = rand.Read(raw)
	value = "gAAAAA" + base64.RawURLEncoding.EncodeToString(raw)
	audit := make([]byte, 16)
	_, _ = rand.Read(audit)
	return value, base64.RawURLEncoding.EncodeToString(audit)
}

// scopeProject resolves the scope block; with none, the user's own project.
func (e *Emulator) scopeProject(raw json.RawMessage, u *User) (*Project, bool) {
	own := e.projectByName(u.Project)
	if len(raw) == 0 || string(raw) == "null" {
		return own, own != nil
	}
	var sc struct {
		Project *nameRef `json:"project"`
	}
	if err := json.Unmarshal(raw, &sc); err != nil || sc.Project == nil {
		return nil, false
	}
	if own == nil {
		return nil, false
	}
	if sc.Project.ID != "" {
		return own, sc.Project.ID == own.ID
	}
	return own, sc.Project.Name == own.Name && domainOK(sc.Project.Domain)
}

func (e *Emulator) pruneTokens(now time.Time) {
	if len(e.tokens) < 10000 {
		return
	}
	for k, t := range e.tokens {
		if !now.Before(t.expires) {
			delete(e.tokens, k)
		}
	}
}

func (e *Emulator) tokenBody(t *token, s *site, base string) omap {
	dom := omap{{"id", "default"}, {"name", DemoDomain}}
	endpoints := func(service, url string) []any {
		var out []any
		for _, iface := range []string{"public", "internal", "admin"} {
			out = append(out, omap{{"id", hexID(s.name + "/" + service + "/" + iface)}, {"interface", iface},
				{"region_id", s.name}, {"url", url}, {"region", s.name}})
		}
		return out
	}
	catalog := []any{
		omap{{"endpoints", endpoints("identity", base+"/identity/v3")}, {"id", hexID(s.name + "/identity")}, {"type", "identity"}, {"name", "keystone"}},
		omap{{"endpoints", endpoints("reservation", base+"/reservation/v1")}, {"id", hexID(s.name + "/reservation")}, {"type", "reservation"}, {"name", "blazar"}},
		omap{{"endpoints", endpoints("network", base+"/network")}, {"id", hexID(s.name + "/network")}, {"type", "network"}, {"name", "neutron"}},
		omap{{"endpoints", endpoints("compute", base+"/compute/v2.1")}, {"id", hexID(s.name + "/compute")}, {"type", "compute"}, {"name", "nova"}},
	}
	if u := e.cfg.ObjectStore[s.name]; u != "" {
		catalog = append(catalog, omap{{"endpoints", endpoints("object-store", u)}, {"id", hexID(s.name + "/object-store")}, {"type", "object-store"}, {"name", "swift"}})
	}
	if t.project == nil {
		return omap{{"methods", t.methods},
			{"user", omap{{"domain", dom}, {"id", t.user.ID}, {"name", t.user.Name}, {"password_expires_at", nil}}},
			{"audit_ids", []string{t.auditID}}, {"expires_at", t.expires.Format(keystoneDate)}, {"issued_at", t.issued.Format(keystoneDate)}}
	}
	body := omap{
		{"methods", t.methods},
		{"user", omap{{"domain", dom}, {"id", t.user.ID}, {"name", t.user.Name}, {"password_expires_at", nil}}},
		{"audit_ids", []string{t.auditID}},
		{"expires_at", t.expires.Format(keystoneDate)},
		{"issued_at", t.issued.Format(keystoneDate)},
		{"project", omap{{"domain", dom}, {"id", t.project.ID}, {"name", t.project.Name}}},
		{"is_domain", false},
		{"roles", []any{omap{{"id", hexID("role/member")}, {"name", "member"}}, omap{{"id", hexID("role/reader")}, {"name", "reader"}}}},
		{"catalog", catalog},
	}
	if t.appCred != nil {
		body = append(body, kv{"application_credential", omap{{"id", t.appCred.ID}, {"name", t.appCred.Name}, {"restricted", t.appCred.Restricted}}})
	}
	return body
}

// authenticate returns the token of the request if it is valid at site s.
func (e *Emulator) authenticate(r *http.Request, s *site) *token {
	v := r.Header.Get("X-Auth-Token")
	if v == "" {
		return nil
	}
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.tokens[v]
	// An unscoped (federated) token reaches no service.
	if t == nil || t.site != s.name || !now.Before(t.expires) || t.project == nil {
		return nil
	}
	return t
}
