package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chameleoncloud/leasefile/emulator"
)

// form posts to the realm and decodes the JSON answer.
func (v *env) form(path string, vals url.Values) (int, map[string]any) {
	v.t.Helper()
	r, err := http.PostForm(v.srv.URL+emulator.OIDCRealmPath+path, vals)
	if err != nil {
		v.t.Fatal(err)
	}
	defer r.Body.Close()
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	return r.StatusCode, body
}

// TestOIDCDeviceLoginToBlazar walks the whole login by hand: discovery, a device login
// approved on the verification page, the federation exchange for an unscoped token that no
// service accepts, the token scoped to the project, and a rotating refresh token.
func TestOIDCDeviceLoginToBlazar(t *testing.T) {
	v := newEnv(t, emulator.Config{})
	r, err := http.Get(v.srv.URL + emulator.OIDCRealmPath + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var disc map[string]any
	json.NewDecoder(r.Body).Decode(&disc)
	r.Body.Close()
	issuer := v.srv.URL + emulator.OIDCRealmPath
	if disc["issuer"] != issuer || disc["token_endpoint"] != issuer+"/protocol/openid-connect/token" ||
		disc["device_authorization_endpoint"] != issuer+"/protocol/openid-connect/auth/device" {
		t.Fatalf("discovery document %v", disc)
	}

	client := url.Values{"client_id": {emulator.OIDCClientID}}
	if st, body := v.form("/protocol/openid-connect/auth/device", url.Values{"client_id": {"someone-else"}}); st != 401 || body["error"] != "invalid_client" {
		t.Errorf("unknown client: %d %v", st, body)
	}
	_, da := v.form("/protocol/openid-connect/auth/device", url.Values{"client_id": {emulator.OIDCClientID}, "scope": {"openid"}})
	poll := url.Values{"client_id": client["client_id"], "grant_type": {"urn:ietf:params:oauth:grant-type:device_code"},
		"device_code": {da["device_code"].(string)}}
	if st, body := v.form("/protocol/openid-connect/token", poll); st != 400 || body["error"] != "authorization_pending" {
		t.Fatalf("before approval: %d %v", st, body)
	}
	if st, _ := v.form("/device", url.Values{"user_code": {da["user_code"].(string)}, "action": {"approve"}}); st != 200 {
		t.Fatalf("approve on the verification page: %d", st)
	}
	st, tok := v.form("/protocol/openid-connect/token", poll)
	if st != 200 || tok["access_token"] == nil || tok["refresh_token"] == nil || tok["token_type"] != "Bearer" {
		t.Fatalf("after approval: %d %v", st, tok)
	}
	if st, body := v.form("/protocol/openid-connect/token", poll); st != 400 || body["error"] != "invalid_grant" {
		t.Errorf("device code used twice: %d %v", st, body)
	}

	fed := v.base("CHI@UC") + "/identity/v3/OS-FEDERATION/identity_providers/chameleon/protocols/openid/auth"
	req, _ := http.NewRequest(http.MethodPost, fed, nil)
	req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	fr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	fr.Body.Close()
	unscoped := fr.Header.Get("X-Subject-Token")
	if fr.StatusCode != 201 || unscoped == "" {
		t.Fatalf("federation exchange: %s, token %q", fr.Status, unscoped)
	}
	if got := v.call("GET", v.base("CHI@UC")+"/reservation/v1/leases", unscoped, nil); got.status != 401 {
		t.Errorf("Blazar with the unscoped token: %d, want 401", got.status)
	}
	req, _ = http.NewRequest(http.MethodPost, fed, nil)
	req.Header.Set("Authorization", "Bearer not-a-token")
	if fr, _ := http.DefaultClient.Do(req); fr.StatusCode != 401 {
		t.Errorf("federation with a bad access token: %s", fr.Status)
	}

	scoped := v.call("POST", v.base("CHI@UC")+"/identity/v3/auth/tokens", "", map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"token"}, "token": map[string]any{"id": unscoped}},
		"scope":    map[string]any{"project": map[string]any{"name": emulator.DemoProject, "domain": map[string]any{"id": "default"}}}}})
	if scoped.status != 201 {
		t.Fatalf("scoping: %d %s", scoped.status, scoped.raw)
	}
	if got := v.call("GET", v.base("CHI@UC")+"/reservation/v1/leases", scoped.header.Get("X-Subject-Token"), nil); got.status != 200 {
		t.Errorf("Blazar with the scoped token: %d", got.status)
	}

	refresh := url.Values{"client_id": client["client_id"], "grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}}
	st, next := v.form("/protocol/openid-connect/token", refresh)
	if st != 200 || next["refresh_token"] == tok["refresh_token"] {
		t.Fatalf("refresh: %d %v", st, next)
	}
	if st, body := v.form("/protocol/openid-connect/token", refresh); st != 400 || body["error"] != "invalid_grant" {
		t.Errorf("a rotated refresh token used again: %d %v, want invalid_grant", st, body)
	}
	if !v.emu.ValidRefreshToken(next["refresh_token"].(string)) || strings.Contains(string(scoped.raw), tok["access_token"].(string)) {
		t.Errorf("the new refresh token should be valid")
	}
}
