package emulator

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The emulator's OpenID Connect provider stands for Chameleon's Keycloak realm: one realm
// for every site (as at Chameleon, where auth.chameleoncloud.org serves all of them), so one
// refresh token, and one ccauth cache file, logs a user in everywhere.
const (
	// OIDCRealmPath is where the realm is served, under the emulator's URL.
	OIDCRealmPath = "/auth/realms/chameleon"
	// OIDCClientID is the public client ccauth uses.
	OIDCClientID = "chi-cli-device-token"
	// OIDCIdentityProvider and OIDCProtocol name the realm in Keystone's OS-FEDERATION API.
	OIDCIdentityProvider = "chameleon"
	OIDCProtocol         = "openid"
)

// Lifetimes on the emulator's clock. Device codes and access tokens are Keycloak's defaults;
// a refresh token lasts as long as an SSO session may.
const (
	deviceCodeTTL   = 10 * time.Minute
	accessTokenTTL  = 5 * time.Minute
	refreshTokenTTL = 30 * 24 * time.Hour
	deviceInterval  = 1 // seconds between polls: real Keycloak says 5, tests should not wait that long
)

// oidcRealm is the provider's state, in memory only, like Keystone tokens.
type oidcRealm struct {
	mu      sync.Mutex
	devices map[string]*deviceCode // by device_code
	access  map[string]oidcGrant
	refresh map[string]oidcGrant
	// approval steers how device logins end: "" stays pending, else "approve", "deny" or
	// "expire"; approveAfter is how many polls an approved one still answers pending.
	approval     string
	approveUser  string
	approveAfter int
}

type deviceCode struct {
	userCode string
	verdict  string // "approve" or "deny" once the user answered on the verification page
	clientID string
	scope    string
	expires  time.Time
	polls    int
}

type oidcGrant struct {
	user    string
	scope   string
	expires time.Time
}

func (o *oidcRealm) init() {
	if o.devices == nil {
		o.devices, o.access, o.refresh = map[string]*deviceCode{}, map[string]oidcGrant{}, map[string]oidcGrant{}
	}
}

func oidcRandom(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// userCode is Keycloak's shape: two groups of four capitals.
func userCode() string {
	const letters = "BCDFGHJKLMNPQRSTVWXZ"
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	out := make([]byte, 0, 9)
	for i, c := range b {
		if i == 4 {
			out = append(out, '-')
		}
		out = append(out, letters[int(c)%len(letters)])
	}
	return string(out)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, omap{{"error", code}, {"error_description", desc}})
}

// serveOIDC answers the realm's discovery document, device authorization endpoint, token
// endpoint and device verification page.
func (e *Emulator) serveOIDC(w http.ResponseWriter, r *http.Request) {
	issuer := baseURL(r) + OIDCRealmPath
	rest := strings.TrimPrefix(r.URL.Path, OIDCRealmPath)
	switch {
	case rest == "/.well-known/openid-configuration" && r.Method == http.MethodGet:
		e.count("oidc", "discovery")
		writeJSON(w, http.StatusOK, omap{
			{"issuer", issuer},
			{"authorization_endpoint", issuer + "/protocol/openid-connect/auth"},
			{"token_endpoint", issuer + "/protocol/openid-connect/token"},
			{"device_authorization_endpoint", issuer + "/protocol/openid-connect/auth/device"},
			{"grant_types_supported", []string{"refresh_token", "urn:ietf:params:oauth:grant-type:device_code"}},
			{"response_types_supported", []string{"code"}},
			{"subject_types_supported", []string{"public"}},
			{"scopes_supported", []string{"openid", "offline_access"}},
			{"token_endpoint_auth_methods_supported", []string{"none", "client_secret_post", "client_secret_basic"}},
		})
	case rest == "/protocol/openid-connect/auth/device" && r.Method == http.MethodPost:
		e.count("oidc", "device")
		e.deviceAuthorization(w, r, issuer)
	case rest == "/protocol/openid-connect/token" && r.Method == http.MethodPost:
		e.tokenEndpoint(w, r)
	case rest == "/device" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, devicePage, html.EscapeString(r.URL.Query().Get("user_code")))
	case rest == "/device" && r.Method == http.MethodPost:
		e.verifyDevice(w, r)
	default:
		oauthError(w, http.StatusNotFound, "not_found", "Unknown path")
	}
}

func (e *Emulator) deviceAuthorization(w http.ResponseWriter, r *http.Request, issuer string) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Malformed form")
		return
	}
	if r.PostForm.Get("client_id") != OIDCClientID {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Invalid client or Invalid client credentials")
		return
	}
	now := e.now()
	code, uc := oidcRandom("emu-dc-", 24), userCode()
	o := &e.oidc
	o.mu.Lock()
	o.init()
	o.devices[code] = &deviceCode{userCode: uc, clientID: OIDCClientID, scope: r.PostForm.Get("scope"), expires: now.Add(deviceCodeTTL)}
	o.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, omap{
		{"device_code", code}, {"user_code", uc},
		{"verification_uri", issuer + "/device"},
		{"verification_uri_complete", issuer + "/device?user_code=" + url.QueryEscape(uc)},
		{"expires_in", int(deviceCodeTTL.Seconds())}, {"interval", deviceInterval},
	})
}

// devicePage is the verification page: the demo user approves or denies a code, as a
// browser would after logging in at Chameleon.
const devicePage = `<!doctype html>
<title>leasefile emulator: device login</title>
<h1>Device login</h1>
<p>Log in to the leasefile emulator as the demo user?</p>
<form method="post"><label>Code <input name="user_code" value="%s"></label>
<button name="action" value="approve">Approve</button> <button name="action" value="deny">Deny</button></form>
`

// verifyDevice records the user's answer for a user code.
func (e *Emulator) verifyDevice(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "malformed form", http.StatusBadRequest)
		return
	}
	code := strings.ToUpper(strings.TrimSpace(r.PostForm.Get("user_code")))
	verdict := r.PostForm.Get("action")
	if verdict != "deny" {
		verdict = "approve"
	}
	o := &e.oidc
	o.mu.Lock()
	found := false
	for _, d := range o.devices {
		if d.userCode == code {
			d.verdict, found = verdict, true
		}
	}
	o.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch {
	case !found:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, "no pending device login has the code %q\n", code)
	case verdict == "deny":
		fmt.Fprintln(w, "device login denied")
	default:
		fmt.Fprintln(w, "device login approved: you can close this page")
	}
}

func (e *Emulator) tokenEndpoint(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Malformed form")
		return
	}
	client := r.PostForm.Get("client_id")
	if u, _, ok := r.BasicAuth(); ok {
		client = u
	}
	if client != OIDCClientID {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Invalid client or Invalid client credentials")
		return
	}
	now := e.now()
	switch r.PostForm.Get("grant_type") {
	case "refresh_token":
		e.refreshGrant(w, r, now)
	case "urn:ietf:params:oauth:grant-type:device_code":
		e.deviceGrant(w, r, now)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant_type")
	}
}

// refreshGrant answers the refresh_token grant: a refresh token works once.
func (e *Emulator) refreshGrant(w http.ResponseWriter, r *http.Request, now time.Time) {
	o := &e.oidc
	e.count("oidc", "refresh")
	old := r.PostForm.Get("refresh_token")
	o.mu.Lock()
	o.init()
	g, ok := o.refresh[old]
	// Rotation: a refresh token works once (Keycloak's "Revoke Refresh Token").
	delete(o.refresh, old)
	o.mu.Unlock()
	switch {
	case !ok:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Stale token")
	case !now.Before(g.expires):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Token is not active")
	default:
		e.issueOIDCTokens(w, g.user, g.scope, now)
	}
}

// deviceGrant answers a poll of the device-code grant, as steered by the approval mode.
func (e *Emulator) deviceGrant(w http.ResponseWriter, r *http.Request, now time.Time) {
	o := &e.oidc
	e.count("oidc", "device-poll")
	code := r.PostForm.Get("device_code")
	o.mu.Lock()
	o.init()
	d := o.devices[code]
	var answer, user string
	switch {
	case d == nil:
		answer = "invalid_grant"
	case o.approval == "expire" || !now.Before(d.expires):
		answer = "expired_token"
	case o.approval == "deny" || d.verdict == "deny":
		answer = "access_denied"
	case o.approval == "approve" && d.polls >= o.approveAfter:
		answer, user = "ok", o.approveUser
	case d.verdict == "approve":
		answer, user = "ok", DemoUser
	default:
		answer = "authorization_pending"
	}
	if d != nil {
		d.polls++
		if answer != "authorization_pending" {
			delete(o.devices, code)
		}
	}
	scope := ""
	if d != nil {
		scope = d.scope
	}
	o.mu.Unlock()
	switch answer {
	case "ok":
		e.issueOIDCTokens(w, user, scope, now)
	case "invalid_grant":
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Device code not valid")
	case "expired_token":
		oauthError(w, http.StatusBadRequest, "expired_token", "Device code is expired")
	case "access_denied":
		oauthError(w, http.StatusBadRequest, "access_denied", "The end user denied the authorization request")
	default:
		oauthError(w, http.StatusBadRequest, "authorization_pending", "The authorization request is still pending")
	}
}

func (e *Emulator) issueOIDCTokens(w http.ResponseWriter, user, scope string, now time.Time) {
	at, rt := oidcRandom("emu-at-", 32), oidcRandom("emu-rt-", 32)
	o := &e.oidc
	o.mu.Lock()
	o.init()
	o.access[at] = oidcGrant{user: user, scope: scope, expires: now.Add(accessTokenTTL)}
	o.refresh[rt] = oidcGrant{user: user, scope: scope, expires: now.Add(refreshTokenTTL)}
	o.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, omap{
		{"access_token", at}, {"expires_in", int(accessTokenTTL.Seconds())},
		{"refresh_expires_in", int(refreshTokenTTL.Seconds())}, {"refresh_token", rt},
		{"token_type", "Bearer"}, {"not-before-policy", 0}, {"scope", scope},
	})
}

// oidcUser returns the user an access token belongs to, "" when it is unknown or expired.
func (e *Emulator) oidcUser(accessToken string) string {
	now := e.now()
	o := &e.oidc
	o.mu.Lock()
	defer o.mu.Unlock()
	g, ok := o.access[accessToken]
	if !ok || !now.Before(g.expires) {
		return ""
	}
	return g.user
}

// serveFederation is Keystone's OS-FEDERATION auth endpoint for the realm: it maps the
// access token's user to the Keystone user of that name and answers an unscoped token,
// which the client then scopes to a project with the token method.
func (e *Emulator) serveFederation(w http.ResponseWriter, r *http.Request, s *site, rest string) {
	want := "/v3/OS-FEDERATION/identity_providers/" + OIDCIdentityProvider + "/protocols/" + OIDCProtocol + "/auth"
	if rest != want {
		keystoneError(w, http.StatusNotFound, "Not Found", "The resource could not be found.")
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		keystoneError(w, http.StatusMethodNotAllowed, "Method Not Allowed", "The method is not allowed for the requested URL.")
		return
	}
	e.count(s.name, "federation")
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	name := ""
	if ok {
		name = e.oidcUser(bearer)
	}
	if name == "" {
		keystoneError(w, http.StatusUnauthorized, "Unauthorized", unauthMessage)
		return
	}
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.findUser(nameRef{Name: name, Domain: &nameRef{ID: "default"}})
	if u == nil {
		keystoneError(w, http.StatusUnauthorized, "Unauthorized", unauthMessage)
		return
	}
	tok := &token{site: s.name, user: u, methods: []string{OIDCProtocol},
		issued: now.Truncate(time.Second), expires: now.Add(e.ttl).Truncate(time.Second),
		auditID: oidcRandom("", 16)}
	value := oidcRandom("gAAAAA", 48)
	e.pruneTokens(now)
	e.tokens[value] = tok
	dom := omap{{"id", "default"}, {"name", DemoDomain}}
	w.Header().Set("X-Subject-Token", value)
	w.Header().Set("Vary", "X-Auth-Token")
	w.Header().Set("x-openstack-request-id", requestID())
	writeJSON(w, http.StatusCreated, map[string]any{"token": omap{
		{"methods", tok.methods},
		{"user", omap{{"domain", dom}, {"id", u.ID}, {"name", u.Name},
			{"OS-FEDERATION", omap{{"identity_provider", omap{{"id", OIDCIdentityProvider}}},
				{"protocol", omap{{"id", OIDCProtocol}}}, {"groups", []any{}}}}}},
		{"audit_ids", []string{tok.auditID}},
		{"expires_at", tok.expires.Format(keystoneDate)},
		{"issued_at", tok.issued.Format(keystoneDate)},
	}})
}

// ApproveDevices makes device logins, pending and later ones, succeed as user (DemoUser
// when ""), each after answering authorization_pending to pendingPolls more polls.
func (e *Emulator) ApproveDevices(user string, pendingPolls int) {
	if user == "" {
		user = DemoUser
	}
	o := &e.oidc
	o.mu.Lock()
	defer o.mu.Unlock()
	o.init()
	o.approval, o.approveUser, o.approveAfter = "approve", user, pendingPolls
	for _, d := range o.devices {
		d.polls = 0
	}
}

// DenyDevices makes device logins end with access_denied, as when the user refuses.
func (e *Emulator) DenyDevices() { e.steerDevices("deny") }

// ExpireDevices makes device logins end with expired_token, as when nobody approves them
// in time.
func (e *Emulator) ExpireDevices() { e.steerDevices("expire") }

func (e *Emulator) steerDevices(mode string) {
	o := &e.oidc
	o.mu.Lock()
	defer o.mu.Unlock()
	o.approval = mode
}

// RevokeLogins ends every OIDC session: refresh and access tokens stop working, as after a
// logout or an administrator's revocation.
func (e *Emulator) RevokeLogins() {
	o := &e.oidc
	o.mu.Lock()
	defer o.mu.Unlock()
	o.access, o.refresh = map[string]oidcGrant{}, map[string]oidcGrant{}
}

// IssueRefreshToken makes token a valid refresh token of user (DemoUser when ""), as if a
// login had issued it: tests write it into a cache file the way ccauth does.
func (e *Emulator) IssueRefreshToken(user, token string) {
	if user == "" {
		user = DemoUser
	}
	o := &e.oidc
	o.mu.Lock()
	defer o.mu.Unlock()
	o.init()
	o.refresh[token] = oidcGrant{user: user, scope: "openid", expires: e.now().Add(refreshTokenTTL)}
}

// ValidRefreshToken reports whether token is a refresh token the realm still accepts.
func (e *Emulator) ValidRefreshToken(token string) bool {
	o := &e.oidc
	o.mu.Lock()
	defer o.mu.Unlock()
	g, ok := o.refresh[token]
	return ok && e.now().Before(g.expires)
}

// OIDCDiscoveryURL is the realm's discovery document.
func (s *Server) OIDCDiscoveryURL() string {
	return s.URL + OIDCRealmPath + "/.well-known/openid-configuration"
}

// OIDCCloudsYAML is a clouds.yaml as `ccauth clouds-yaml --all-sites` writes it: one
// v3chameleonoidc entry per site, named like the site, for the demo project.
func (s *Server) OIDCCloudsYAML() []byte {
	var b strings.Builder
	b.WriteString("clouds:\n")
	for _, name := range s.Sites() {
		fmt.Fprintf(&b, "  %q:\n    auth_type: v3chameleonoidc\n    auth:\n      auth_url: %q\n      identity_provider: %s\n      protocol: %s\n      client_id: %s\n      discovery_endpoint: %q\n      project_id: %q\n    region_name: %q\n",
			name, s.AuthURL(name), OIDCIdentityProvider, OIDCProtocol, OIDCClientID, s.OIDCDiscoveryURL(), s.projectID(DemoProject), name)
	}
	return []byte(b.String())
}

func (s *Server) projectID(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.projectByName(name); p != nil {
		return p.ID
	}
	return ""
}
