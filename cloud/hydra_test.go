package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestOIDCAgainstHydra runs the OAuth2 half of the login (discovery, the refresh-token
// grant, rotation written back to ccauth's cache, a refused token) against a real OpenID
// Connect provider, Ory Hydra, started on loopback with an in-memory database, so that the
// emulator's provider is not the only one the client has met. `make hydra-test` builds
// Hydra once (scripts/hydra.sh) and sets LEASEFILE_HYDRA. Hydra v2.3.0 has no device
// authorization grant, so the first refresh token comes from an authorization-code login
// whose login and consent the test accepts through Hydra's admin API.
func TestOIDCAgainstHydra(t *testing.T) {
	bin := os.Getenv("LEASEFILE_HYDRA")
	if bin == "" {
		t.Skip("LEASEFILE_HYDRA is not set: make hydra-test builds Ory Hydra and runs this test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	public, admin := freePort(t), freePort(t)
	issuer := "http://127.0.0.1:" + public
	adminURL := "http://127.0.0.1:" + admin
	cmd := exec.CommandContext(ctx, bin, "serve", "all", "--dev", "--sqa-opt-out")
	cmd.Env = append(os.Environ(), "DSN=memory", "URLS_SELF_ISSUER="+issuer,
		"URLS_LOGIN=http://127.0.0.1:9/login", "URLS_CONSENT=http://127.0.0.1:9/consent",
		"SECRETS_SYSTEM=leasefile-test-secret-0123456789abcdef",
		"SERVE_PUBLIC_HOST=127.0.0.1", "SERVE_PUBLIC_PORT="+public,
		"SERVE_ADMIN_HOST=127.0.0.1", "SERVE_ADMIN_PORT="+admin, "LOG_LEVEL=warn")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("hydra's log:\n%s", logs.String())
		}
	})
	waitReady(ctx, t, adminURL+"/health/ready")

	const clientID = "chi-cli-device-token"
	const redirect = "http://127.0.0.1:9/callback"
	adminCall(ctx, t, http.MethodPost, adminURL+"/admin/clients", map[string]any{
		"client_id": clientID, "grant_types": []string{"authorization_code", "refresh_token"},
		"response_types": []string{"code"}, "scope": "openid offline", "redirect_uris": []string{redirect},
		"token_endpoint_auth_method": "none"})
	first := hydraLogin(ctx, t, issuer, adminURL, clientID, redirect)
	if first.RefreshToken == "" {
		t.Fatal("hydra issued no refresh token")
	}

	dir := t.TempDir()
	cachePath := writeCCAuthCache(t, dir, first.RefreshToken)
	set := oidcSettings{ClientID: clientID, DiscoveryEndpoint: issuer + "/.well-known/openid-configuration", Scope: "openid offline"}
	newLogin := func() *oidcLogin {
		return &oidcLogin{kind: authChameleonOIDC, set: set, hc: http.DefaultClient,
			cache: &refreshCache{path: cachePath}, now: time.Now}
	}
	at, err := newLogin().accessToken(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if !introspect(ctx, t, adminURL, at) {
		t.Errorf("hydra says the access token from the refresh grant is not active")
	}
	rotated := cachedToken(t, cachePath)
	if rotated == first.RefreshToken || rotated == "" {
		t.Fatalf("the cache still holds the first refresh token: hydra rotates, the new one must be written back")
	}

	// The next run starts from the rotated token, as ccauth would.
	if _, err := newLogin().accessToken(ctx, ""); err != nil {
		t.Fatalf("second run, from the rotated token: %v", err)
	}
	if again := cachedToken(t, cachePath); again == rotated {
		t.Errorf("the second refresh was not written back")
	}

	// A spent token (hydra revokes the whole chain on reuse) is refused, and said so.
	if err := (&refreshCache{path: cachePath}).save(first.RefreshToken, time.Now()); err != nil {
		t.Fatal(err)
	}
	_, err = newLogin().accessToken(ctx, "")
	var ln *loginNeeded
	if !errors.As(err, &ln) || !strings.Contains(err.Error(), "it has expired or was revoked") {
		t.Errorf("spent refresh token: got %v, want a login-needed error saying it expired or was revoked", err)
	}
	if err != nil && strings.Contains(err.Error(), first.RefreshToken) {
		t.Errorf("the error shows the refresh token: %v", err)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// waitReady polls until hydra answers, failing only at ctx's generous deadline.
func waitReady(ctx context.Context, t *testing.T, u string) {
	t.Helper()
	for {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("hydra did not become ready: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func adminCall(ctx context.Context, t *testing.T, method, u string, body any) map[string]any {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(ctx, method, u, r)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %s: %s", method, u, resp.Status, data)
	}
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return out
}

// hydraLogin is a user's browser login: the authorization request, login and consent
// accepted through the admin API, the code exchanged (with PKCE) by golang.org/x/oauth2.
func hydraLogin(ctx context.Context, t *testing.T, issuer, adminURL, clientID, redirect string) *oauth2.Token {
	t.Helper()
	cfg := &oauth2.Config{ClientID: clientID, RedirectURL: redirect, Scopes: []string{"openid", "offline"},
		Endpoint: oauth2.Endpoint{AuthURL: issuer + "/oauth2/auth", TokenURL: issuer + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams}}
	verifier := oauth2.GenerateVerifier()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	next := cfg.AuthCodeURL("leasefile-state-1", oauth2.S256ChallengeOption(verifier))
	for range 10 {
		if strings.HasPrefix(next, redirect) {
			u, _ := url.Parse(next)
			code := u.Query().Get("code")
			if code == "" {
				t.Fatalf("hydra redirected without a code: %s", next)
			}
			tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		u, _ := url.Parse(next)
		switch {
		case u.Query().Get("login_challenge") != "":
			out := adminCall(ctx, t, http.MethodPut, adminURL+"/admin/oauth2/auth/requests/login/accept?login_challenge="+
				url.QueryEscape(u.Query().Get("login_challenge")), map[string]any{"subject": "demo"})
			next = fmt.Sprint(out["redirect_to"])
			continue
		case u.Query().Get("consent_challenge") != "":
			out := adminCall(ctx, t, http.MethodPut, adminURL+"/admin/oauth2/auth/requests/consent/accept?consent_challenge="+
				url.QueryEscape(u.Query().Get("consent_challenge")), map[string]any{"grant_scope": []string{"openid", "offline"}})
			next = fmt.Sprint(out["redirect_to"])
			continue
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		resp, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			t.Fatalf("GET %s: %s without a redirect", next, resp.Status)
		}
		next = loc.String()
	}
	t.Fatal("hydra's login did not end at the redirect URI")
	return nil
}

func introspect(ctx context.Context, t *testing.T, adminURL, token string) bool {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, adminURL+"/admin/oauth2/introspect",
		strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Active bool `json:"active"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out.Active
}
