package cloud

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Demo credentials of the fake Keystone. The secrets are distinctive so a
// test can grep traces and messages for them.
const (
	demoUser       = "demo"
	demoPassword   = "pw-s3cr3t-4242"
	demoAppCredID  = "demo-appcred"
	demoAppSecret  = "appcred-s3cr3t-9999"
	demoUserID     = "63c3f89734de4021b9c9c37b3927de84"
	demoProjectID  = "5043d48c91d14c20aa0a02784ac68145"
	demoRegion     = "CHI@UC"
	tokenPrefix    = "tok-s3cr3t-"
	keystoneDomain = "Default"
)

// fakeKeystone is a Keystone v3 plus a Blazar /leases behind token checks.
type fakeKeystone struct {
	t   *testing.T
	srv *httptest.Server

	mu          sync.Mutex
	issued      int
	valid       map[string]bool
	expireFirst bool // the first token is refused by Blazar, as if it expired
	restricted  bool // app-cred tokens say restricted: true
	lastAuth    map[string]any
	regions     []string
}

func newFakeKeystone(t *testing.T, tls bool) *fakeKeystone {
	k := &fakeKeystone{t: t, valid: map[string]bool{}, regions: []string{demoRegion}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /identity/v3/auth/tokens", k.tokens)
	mux.HandleFunc("GET /reservation/v1/leases", func(w http.ResponseWriter, r *http.Request) {
		k.mu.Lock()
		ok := k.valid[r.Header.Get("X-Auth-Token")]
		k.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`)
			return
		}
		fmt.Fprint(w, `{"leases": []}`)
	})
	if tls {
		k.srv = httptest.NewUnstartedServer(mux)
		// The unknown-CA case makes the server log a handshake error.
		k.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		k.srv.StartTLS()
	} else {
		k.srv = httptest.NewServer(mux)
	}
	t.Cleanup(k.srv.Close)
	return k
}

func (k *fakeKeystone) authURL() string { return k.srv.URL + "/identity/v3" }

func (k *fakeKeystone) tokensIssued() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.issued
}

func unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprintf(w, `{"error": {"code": 401, "title": "Unauthorized", "message": %q}}`, msg)
}

func (k *fakeKeystone) tokens(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Auth struct {
			Identity struct {
				Methods  []string `json:"methods"`
				Password struct {
					User struct {
						ID, Name, Password string
						Domain             struct{ ID, Name string }
					} `json:"user"`
				} `json:"password"`
				AppCred struct {
					ID, Name, Secret string
					User             struct {
						ID, Name string
						Domain   struct{ ID, Name string }
					}
				} `json:"application_credential"`
			} `json:"identity"`
			Scope json.RawMessage `json:"scope"`
		} `json:"auth"`
	}
	var raw map[string]any
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&raw); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	b, _ := json.Marshal(raw)
	json.Unmarshal(b, &body)
	k.mu.Lock()
	k.lastAuth = raw
	k.mu.Unlock()

	id := body.Auth.Identity
	appCred := false
	switch {
	case len(id.Methods) == 1 && id.Methods[0] == "password":
		u := id.Password.User
		okUser := u.ID == demoUserID || (u.Name == demoUser && (u.Domain.Name == keystoneDomain || u.Domain.ID == "default"))
		if !okUser || u.Password != demoPassword {
			unauthorized(w, "The request you have made requires authentication.")
			return
		}
	case len(id.Methods) == 1 && id.Methods[0] == "application_credential":
		appCred = true
		a := id.AppCred
		okID := a.ID == demoAppCredID
		okName := a.Name == "leasefile" && (a.User.ID == demoUserID || (a.User.Name == demoUser && a.User.Domain.Name == keystoneDomain))
		if !(okID || okName) || a.Secret != demoAppSecret {
			unauthorized(w, "The request you have made requires authentication.")
			return
		}
		if len(body.Auth.Scope) > 0 && string(body.Auth.Scope) != "null" {
			unauthorized(w, "Application credentials cannot request a scope.")
			return
		}
	default:
		unauthorized(w, "unsupported auth method")
		return
	}

	k.mu.Lock()
	k.issued++
	tok := fmt.Sprintf("%s%d", tokenPrefix, k.issued)
	k.valid[tok] = !(k.expireFirst && k.issued == 1)
	restricted := k.restricted
	regions := k.regions
	k.mu.Unlock()

	var eps func(path string) string = func(path string) string {
		var parts []string
		for _, reg := range regions {
			parts = append(parts, fmt.Sprintf(`{"id": "e-%s", "interface": "public", "region_id": %q, "region": %q, "url": %q}`,
				reg, reg, reg, k.srv.URL+path))
		}
		return strings.Join(parts, ", ")
	}
	extra := ""
	if appCred {
		extra = fmt.Sprintf(`, "application_credential": {"id": "10d124af145c45299840de25ae58ab96", "name": "leasefile", "restricted": %t}`, restricted)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Subject-Token", tok)
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"token": {"methods": ["password"], "user": {"domain": {"id": "default", "name": "Default"}, "id": %q, "name": "demo", "password_expires_at": null},
 "audit_ids": ["VczBQ1E3TUeKcEfh5Nw0Yw"], "expires_at": "2099-11-24T19:34:04.000000Z", "issued_at": "2026-11-24T18:34:04.000000Z",
 "project": {"domain": {"id": "default", "name": "Default"}, "id": %q, "name": "demo"}, "is_domain": false,
 "roles": [{"id": "96c7f2b5c6f34c9bb9dc80e9bc1ee2c0", "name": "member"}],
 "catalog": [
  {"endpoints": [%s], "id": "923869af", "type": "identity", "name": "keystone"},
  {"endpoints": [%s], "id": "c4a921f0", "type": "reservation", "name": "blazar"},
  {"endpoints": [%s], "id": "d5b0e1a2", "type": "network", "name": "neutron"}]%s}}`,
		demoUserID, demoProjectID, eps("/identity/v3"), eps("/reservation/v1"), eps("/network/"), extra)
}
