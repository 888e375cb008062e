package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/google/go-cmp/cmp"
)

func startOIDCEmulator(t *testing.T) (*emulator.Server, *emulator.FakeClock) {
	t.Helper()
	clock := emulator.NewFakeClock(time.Date(2031, 3, 3, 8, 0, 0, 0, time.UTC))
	srv, err := emulator.Start(emulator.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, clock
}

// writeCCAuthCache writes the file as ccauth's _save_refresh_token does.
func writeCCAuthCache(t *testing.T, dir, token string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "refresh_token.json")
	if err := os.WriteFile(p, []byte(`{"refresh_token": "`+token+`", "cached_at": 1764576000.123456}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func cachedToken(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		RefreshToken string  `json:"refresh_token"`
		CachedAt     float64 `json:"cached_at"`
	}
	if err := json.Unmarshal(data, &c); err != nil || c.CachedAt == 0 {
		t.Fatalf("cache %s is not ccauth's format (%v): %s", path, err, data)
	}
	return c.RefreshToken
}

// TestOIDCReauthUsesTheRefreshTokenAgain lets the Keystone token (and the access token) expire
// mid-run: the next Blazar call is refused, and the ReauthFunc logs in again with the refresh
// token, which rotates once more and is written back.
func TestOIDCReauthUsesTheRefreshTokenAgain(t *testing.T) {
	srv, clock := startOIDCEmulator(t)
	dir := t.TempDir()
	cache := writeCCAuthCache(t, dir, "seed")
	srv.IssueRefreshToken("", "seed")
	r := &Resolver{Env: envMap("CC_LOGIN_STATE", dir), CloudsYAML: srv.OIDCCloudsYAML()}
	site, err := r.Connect(context.Background(), "CHI@UC")
	if err != nil {
		t.Fatal(err)
	}
	if site.ProjectID == "" || site.UserID == "" {
		t.Errorf("site project %q user %q: want both from the scoped token", site.ProjectID, site.UserID)
	}
	first := cachedToken(t, cache)
	if first == "seed" || !srv.ValidRefreshToken(first) {
		t.Fatalf("after login the cache holds %q: want the rotated, valid token", first)
	}
	clock.Advance(2 * time.Hour)
	before := srv.Calls("oidc", "refresh")
	if _, err := leases.ListAll(context.Background(), site.Reservation); err != nil {
		t.Fatalf("list after the token expired: %v", err)
	}
	if got := srv.Calls("oidc", "refresh") - before; got != 1 {
		t.Errorf("re-authentication made %d refresh grants, want 1", got)
	}
	second := cachedToken(t, cache)
	if second == first || !srv.ValidRefreshToken(second) || srv.ValidRefreshToken(first) {
		t.Errorf("after re-authentication the cache holds %q (valid %v), before %q: want a new valid token", second, srv.ValidRefreshToken(second), first)
	}
	fi, err := os.Stat(cache)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("cache mode %v, want 0600", fi.Mode().Perm())
	}
}

// TestOIDCSitesShareOneLogin connects three sites at once: one refresh grant serves all of
// them. With rotating refresh tokens, one grant per site would spend the token the others
// are about to use.
func TestOIDCSitesShareOneLogin(t *testing.T) {
	srv, _ := startOIDCEmulator(t)
	dir := t.TempDir()
	writeCCAuthCache(t, dir, "seed")
	srv.IssueRefreshToken("", "seed")
	r := &Resolver{Env: envMap("CC_LOGIN_STATE", dir), CloudsYAML: srv.OIDCCloudsYAML()}
	errs := make(chan error, 3)
	for _, s := range srv.Sites() {
		go func() {
			_, err := r.Connect(context.Background(), s)
			errs <- err
		}()
	}
	for range srv.Sites() {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := srv.Calls("oidc", "refresh"); got != 1 {
		t.Errorf("%d refresh grants for three sites, want 1", got)
	}
}

// TestOIDCFromEnvironment reads ccauth's openrc (OS_AUTH_TYPE=v3chameleonoidc and friends),
// and keystoneauth's v3oidcaccesstoken with OS_ACCESS_TOKEN.
func TestOIDCFromEnvironment(t *testing.T) {
	srv, _ := startOIDCEmulator(t)
	dir := t.TempDir()
	writeCCAuthCache(t, dir, "seed")
	srv.IssueRefreshToken("", "seed")
	yaml := string(srv.OIDCCloudsYAML())
	projectID := yaml[strings.Index(yaml, "project_id: ")+len(`project_id: "`):]
	projectID = projectID[:strings.Index(projectID, `"`)]
	env := []string{"OS_AUTH_TYPE", "v3chameleonoidc", "OS_AUTH_URL", srv.AuthURL("CHI@UC"),
		"OS_IDENTITY_PROVIDER", "chameleon", "OS_PROTOCOL", "openid", "OS_PROJECT_ID", projectID,
		"OS_CLIENT_ID", emulator.OIDCClientID, "OS_DISCOVERY_ENDPOINT", srv.OIDCDiscoveryURL(),
		"OS_REGION_NAME", "CHI@UC", "CC_LOGIN_STATE", dir}
	site, err := (&Resolver{Env: envMap(env...), CloudsYAML: []byte("clouds: {}")}).Connect(context.Background(), "CHI@UC")
	if err != nil {
		t.Fatal(err)
	}
	if site.ProjectID != projectID {
		t.Errorf("project %q, want %q", site.ProjectID, projectID)
	}

	// An access token from the provider, given as keystoneauth's v3oidcaccesstoken takes it.
	login := &oidcLogin{kind: authChameleonOIDC, hc: http.DefaultClient, cache: &refreshCache{path: filepath.Join(dir, "refresh_token.json")},
		now: time.Now, set: oidcSettings{ClientID: emulator.OIDCClientID, DiscoveryEndpoint: srv.OIDCDiscoveryURL(), Scope: "openid"}}
	at, err := login.accessToken(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	env = []string{"OS_AUTH_TYPE", "v3oidcaccesstoken", "OS_AUTH_URL", srv.AuthURL("CHI@UC"),
		"OS_IDENTITY_PROVIDER", "chameleon", "OS_PROTOCOL", "openid", "OS_PROJECT_ID", projectID,
		"OS_ACCESS_TOKEN", at, "OS_REGION_NAME", "CHI@UC"}
	if _, err := (&Resolver{Env: envMap(env...), CloudsYAML: []byte("clouds: {}")}).Connect(context.Background(), "CHI@UC"); err != nil {
		t.Fatal(err)
	}
	srv.RevokeLogins()
	_, err = (&Resolver{Env: envMap(env...), CloudsYAML: []byte("clouds: {}")}).Connect(context.Background(), "CHI@UC")
	var oe *OIDCError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "Keystone federation exchange at "+srv.AuthURL("CHI@UC")+"/OS-FEDERATION/identity_providers/chameleon/protocols/openid/auth: refused the OpenID Connect access token (access_token): it may have expired") {
		t.Errorf("revoked access token: got %v, want the federation exchange's refusal", err)
	}
	if err != nil && strings.Contains(err.Error(), at) {
		t.Errorf("the error shows the access token: %v", err)
	}
}

// TestDebugTransportRedactsOIDC traces a device login, the refresh grant and the federation
// exchange: no access token, refresh token, device code or Keystone token reaches the trace.
func TestDebugTransportRedactsOIDC(t *testing.T) {
	srv, _ := startOIDCEmulator(t)
	dir := t.TempDir()
	var trace bytes.Buffer
	srv.ApproveDevices("", 0)
	var prompted DeviceLogin
	r := &Resolver{Env: envMap("CC_LOGIN_STATE", dir), CloudsYAML: srv.OIDCCloudsYAML(),
		HTTPClient:  &http.Client{Transport: DebugTransport(&trace, nil)},
		DeviceLogin: func(d DeviceLogin) { prompted = d }}
	if _, err := r.Connect(context.Background(), "CHI@UC"); err != nil {
		t.Fatal(err)
	}
	if prompted.UserCode == "" || !strings.HasPrefix(prompted.VerificationURI, srv.URL) {
		t.Errorf("device login prompt %+v: want the code and the emulator's verification URI", prompted)
	}
	// A second run refreshes.
	r = &Resolver{Env: envMap("CC_LOGIN_STATE", dir), CloudsYAML: srv.OIDCCloudsYAML(),
		HTTPClient: &http.Client{Transport: DebugTransport(&trace, nil)}}
	if _, err := r.Connect(context.Background(), "CHI@TACC"); err != nil {
		t.Fatal(err)
	}
	out := trace.String()
	for _, secret := range []string{"emu-at-", "emu-rt-", "emu-dc-", "gAAAAA", cachedToken(t, filepath.Join(dir, "refresh_token.json"))} {
		if strings.Contains(out, secret) {
			t.Errorf("trace contains %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{
		"> POST " + srv.URL + "/auth/realms/chameleon/protocol/openid-connect/auth/device",
		"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code",
		"grant_type=refresh_token",
		`"device_code":"<redacted>"`,
		`"refresh_token":"<redacted>"`,
		"> Authorization: <redacted>",
		"/OS-FEDERATION/identity_providers/chameleon/protocols/openid/auth",
		"< X-Subject-Token: <redacted>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q:\n%s", want, out)
		}
	}
}

func TestCCAuthCache(t *testing.T) {
	cases := []struct {
		name string
		env  []string
		want string
	}{
		{"default", []string{"HOME", "/h"}, "/h/.cache/ccauth/refresh_token.json"},
		{"CC_LOGIN_STATE", []string{"HOME", "/h", "CC_LOGIN_STATE", "/state"}, "/state/refresh_token.json"},
		{"CC_LOGIN_STATE with ~", []string{"HOME", "/h", "CC_LOGIN_STATE", "~/s"}, "/h/s/refresh_token.json"},
		{"XDG_CACHE_HOME is not ccauth's", []string{"HOME", "/h", "XDG_CACHE_HOME", "/x"}, "/h/.cache/ccauth/refresh_token.json"},
	}
	for _, tc := range cases {
		if got := ccauthCache(envMap(tc.env...)).path; got != tc.want {
			t.Errorf("%s: path %s, want %s", tc.name, got, tc.want)
		}
	}

	dir := t.TempDir()
	c := &refreshCache{path: filepath.Join(dir, "sub", "refresh_token.json")}
	if tok, err := c.load(); tok != "" || err != nil {
		t.Errorf("load of a missing file = %q, %v; want no login", tok, err)
	}
	if err := c.save(`r"1`, time.Unix(1764576000, 500000000)); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(c.path)
	if diff := cmp.Diff(`{"refresh_token": "r\"1", "cached_at": 1764576000.5}`, string(data)); diff != "" {
		t.Errorf("file not as Python's json.dump writes it (-want +got):\n%s", diff)
	}
	if tok, err := c.load(); tok != `r"1` || err != nil {
		t.Errorf("load = %q, %v", tok, err)
	}
	if err := c.save("r2", time.Unix(1764576001, 0)); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(c.path))
	if len(entries) != 1 {
		t.Errorf("folder holds %d files after two saves, want only the cache (no temporary file left)", len(entries))
	}
	data, _ = os.ReadFile(c.path)
	if want := `{"refresh_token": "r2", "cached_at": 1764576001.0}`; string(data) != want {
		t.Errorf("second save wrote %s, want %s", data, want)
	}
	if err := os.WriteFile(c.path, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if tok, err := c.load(); tok != "" || err != nil {
		t.Errorf("load of a broken file = %q, %v; want no login, as in ccauth", tok, err)
	}
}

func TestOIDCSettingsCheck(t *testing.T) {
	got, err := oidcSettings{}.check("v3chameleonoidc")
	if err != nil {
		t.Fatal(err)
	}
	want := oidcSettings{IdentityProvider: "chameleon", Protocol: "openid", ClientID: "chi-cli-device-token",
		DiscoveryEndpoint: chameleonDiscovery, Scope: "openid"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ccauth defaults (-want +got):\n%s", diff)
	}
	if _, err := (oidcSettings{}).check("v3oidcdeviceauthz"); err == nil || err.Error() !=
		"auth_type v3oidcdeviceauthz needs identity_provider (OS_IDENTITY_PROVIDER) and protocol (OS_PROTOCOL) and client_id (OS_CLIENT_ID) and discovery_endpoint (OS_DISCOVERY_ENDPOINT)" {
		t.Errorf("missing settings: %v", err)
	}
	if _, err := (oidcSettings{IdentityProvider: "i", Protocol: "p"}).check("v3oidcaccesstoken"); err == nil ||
		!strings.Contains(err.Error(), "access_token (OS_ACCESS_TOKEN)") {
		t.Errorf("missing access token: %v", err)
	}
	if got, want := federationURL("https://k:5000/v3/", "chameleon", "openid"), "https://k:5000/v3/OS-FEDERATION/identity_providers/chameleon/protocols/openid/auth"; got != want {
		t.Errorf("federationURL = %s, want %s", got, want)
	}
	if got, want := federationURL("https://k:5000", "a b", "openid"), "https://k:5000/v3/OS-FEDERATION/identity_providers/a%20b/protocols/openid/auth"; got != want {
		t.Errorf("federationURL = %s, want %s", got, want)
	}
}

// TestOIDCDeviceAuthz is keystoneauth's v3oidcdeviceauthz: a device login each run, nothing
// written to ccauth's cache, and, without a way to prompt, a refusal that starts nothing.
func TestOIDCDeviceAuthz(t *testing.T) {
	srv, _ := startOIDCEmulator(t)
	dir := t.TempDir()
	clouds := strings.ReplaceAll(string(srv.OIDCCloudsYAML()), "auth_type: v3chameleonoidc", "auth_type: v3oidcdeviceauthz")
	srv.ApproveDevices("", 0)
	prompts := 0
	r := &Resolver{Env: envMap("CC_LOGIN_STATE", dir), CloudsYAML: []byte(clouds), DeviceLogin: func(DeviceLogin) { prompts++ }}
	if _, err := r.Connect(context.Background(), "CHI@UC"); err != nil {
		t.Fatal(err)
	}
	if prompts != 1 {
		t.Errorf("%d device prompts, want 1", prompts)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("v3oidcdeviceauthz wrote %d files to ccauth's folder, want none", len(entries))
	}
	before := srv.Calls("oidc", "device")
	_, err := (&Resolver{Env: envMap("CC_LOGIN_STATE", dir), CloudsYAML: []byte(clouds)}).Connect(context.Background(), "CHI@UC")
	if !errors.Is(err, ErrLoginRequired) || !strings.Contains(err.Error(), "auth_type v3oidcdeviceauthz keeps no login between runs") {
		t.Errorf("non-interactive v3oidcdeviceauthz: %v", err)
	}
	if srv.Calls("oidc", "device") != before {
		t.Errorf("a non-interactive run started a device login")
	}
}

// TestOIDCReauthPrefersTheCache: another process rotated the token while this one ran; the
// re-authentication uses the file's token, never the spent one it holds.
func TestOIDCReauthPrefersTheCache(t *testing.T) {
	srv, clock := startOIDCEmulator(t)
	dir := t.TempDir()
	cache := writeCCAuthCache(t, dir, "seed")
	srv.IssueRefreshToken("", "seed")
	r := &Resolver{Env: envMap("CC_LOGIN_STATE", dir), CloudsYAML: srv.OIDCCloudsYAML()}
	site, err := r.Connect(context.Background(), "CHI@UC")
	if err != nil {
		t.Fatal(err)
	}
	// ccauth, meanwhile, spends the token leasefile holds and caches its successor.
	srv.IssueRefreshToken("", "from-ccauth")
	writeCCAuthCache(t, dir, "from-ccauth")
	clock.Advance(2 * time.Hour)
	if _, err := leases.ListAll(context.Background(), site.Reservation); err != nil {
		t.Fatalf("list after the token expired: %v", err)
	}
	if got := cachedToken(t, cache); got == "from-ccauth" || !srv.ValidRefreshToken(got) {
		t.Errorf("cache holds %q after re-authentication: want the successor of ccauth's token", got)
	}
	if srv.ValidRefreshToken("from-ccauth") != false {
		t.Errorf("ccauth's token was not the one traded")
	}
}

// TestOIDCWrongProject: the login works but the project is not the user's; the message says
// so rather than asking to check a password.
func TestOIDCWrongProject(t *testing.T) {
	srv, _ := startOIDCEmulator(t)
	dir := t.TempDir()
	writeCCAuthCache(t, dir, "seed")
	srv.IssueRefreshToken("", "seed")
	yaml := regexpReplace(string(srv.OIDCCloudsYAML()), `project_id: "[0-9a-f]+"`, `project_id: "0123456789abcdef"`)
	_, err := (&Resolver{Env: envMap("CC_LOGIN_STATE", dir), CloudsYAML: []byte(yaml)}).Connect(context.Background(), "CHI@UC")
	if err == nil || !strings.Contains(err.Error(), "scope the token to project 0123456789abcdef: refused by Keystone at ") ||
		!strings.Contains(err.Error(), "check project_id, and that the user is a member of the project") {
		t.Errorf("wrong project: %v", err)
	}
}

func regexpReplace(s, re, with string) string {
	return regexp.MustCompile(re).ReplaceAllString(s, with)
}
