package emulator_test

import (
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/google/go-cmp/cmp"
)

// keyTree reduces a JSON value to its shape: object keys (recursively) and
// the type of leaves, so a response can be compared with a recorded one.
func keyTree(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = keyTree(e)
		}
		return out
	case []any:
		if len(x) == 0 {
			return []any{}
		}
		return []any{keyTree(x[0])}
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	}
	return "?"
}

func loadFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestKeystoneDiscovery(t *testing.T) {
	v := newEnv(t, emulator.Config{})
	r := v.call("GET", v.base("CHI@UC")+"/identity/", "", nil)
	values := r.body["versions"].(map[string]any)["values"].([]any)
	if r.status != 300 || len(values) != 1 {
		t.Fatalf("GET /: %d %s", r.status, r.raw)
	}
	r = v.call("GET", v.base("CHI@UC")+"/identity/v3", "", nil)
	ver := r.body["version"].(map[string]any)
	link := ver["links"].([]any)[0].(map[string]any)["href"]
	got := []any{r.status, ver["id"], ver["status"], link}
	want := []any{200, "v3.14", "stable", v.base("CHI@UC") + "/identity/v3/"}
	if d := cmp.Diff(want, got); d != "" {
		t.Error(d)
	}
}

func appCredAuth(cred map[string]any) map[string]any {
	return map[string]any{"auth": map[string]any{"identity": map[string]any{
		"methods": []string{"application_credential"}, "application_credential": cred}}}
}

func TestKeystoneTokens(t *testing.T) {
	v := newEnv(t, emulator.Config{})
	demoUserID, demoProjectID := "", ""
	{
		r := v.call("POST", v.base("CHI@UC")+"/identity/v3/auth/tokens", "", passwordAuth("demo", "demo", "demo"))
		tok := r.body["token"].(map[string]any)
		demoUserID = tok["user"].(map[string]any)["id"].(string)
		demoProjectID = tok["project"].(map[string]any)["id"].(string)
	}
	tests := []struct {
		name       string
		body       map[string]any
		wantStatus int
		fixture    string
		wantMethod string
	}{
		{"password by names", passwordAuth("demo", "demo", "demo"), 201, "keystone-token-password.json", "password"},
		{"password by ids", map[string]any{"auth": map[string]any{
			"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{
				"user": map[string]any{"id": demoUserID, "password": "demo"}}},
			"scope": map[string]any{"project": map[string]any{"id": demoProjectID}}}}, 201, "keystone-token-password.json", "password"},
		{"app cred by id", appCredAuth(map[string]any{"id": emulator.DemoAppCredID, "secret": emulator.DemoAppCredSecret}), 201, "keystone-token-appcred.json", "application_credential"},
		{"app cred by name and user", appCredAuth(map[string]any{"name": emulator.DemoAppCredName, "secret": emulator.DemoAppCredSecret,
			"user": map[string]any{"name": "demo", "domain": map[string]any{"name": "Default"}}}), 201, "keystone-token-appcred.json", "application_credential"},
		{"bad password", passwordAuth("demo", "nope", "demo"), 401, "", ""},
		{"unknown user", passwordAuth("nobody", "demo", "demo"), 401, "", ""},
		{"foreign project", passwordAuth("demo", "demo", "other"), 401, "", ""},
		{"bad app cred secret", appCredAuth(map[string]any{"id": emulator.DemoAppCredID, "secret": "x"}), 401, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := v.call("POST", v.base("CHI@UC")+"/identity/v3/auth/tokens", "", tc.body)
			if r.status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, tc.wantStatus, r.raw)
			}
			if tc.wantStatus == 401 {
				want := map[string]any{"error": map[string]any{"code": float64(401), "title": "Unauthorized",
					"message": "The request you have made requires authentication."}}
				if d := cmp.Diff(want, r.body); d != "" {
					t.Error(d)
				}
				return
			}
			if r.header.Get("X-Subject-Token") == "" {
				t.Error("no X-Subject-Token")
			}
			if d := cmp.Diff(keyTree(loadFixture(t, tc.fixture)), keyTree(r.body)); d != "" {
				t.Errorf("token shape differs from the recorded one (-recorded +emulator):\n%s", d)
			}
			tok := r.body["token"].(map[string]any)
			if got := tok["methods"].([]any)[0]; got != tc.wantMethod {
				t.Errorf("method %v", got)
			}
			exp, err1 := time.Parse("2006-01-02T15:04:05.000000Z", tok["expires_at"].(string))
			iss, err2 := time.Parse("2006-01-02T15:04:05.000000Z", tok["issued_at"].(string))
			if err1 != nil || err2 != nil || exp.Sub(iss) != 1000*time.Hour {
				t.Errorf("expires_at %v issued_at %v", tok["expires_at"], tok["issued_at"])
			}
			var got []string
			for _, svc := range tok["catalog"].([]any) {
				s := svc.(map[string]any)
				for _, ep := range s["endpoints"].([]any) {
					e := ep.(map[string]any)
					got = append(got, strings.Join([]string{s["type"].(string), s["name"].(string), e["interface"].(string),
						e["region"].(string), e["region_id"].(string), strings.TrimPrefix(e["url"].(string), v.srv.URL)}, " "))
				}
			}
			sort.Strings(got)
			want := []string{
				"compute nova admin CHI@UC CHI@UC /chi-uc/compute/v2.1",
				"compute nova internal CHI@UC CHI@UC /chi-uc/compute/v2.1",
				"compute nova public CHI@UC CHI@UC /chi-uc/compute/v2.1",
				"identity keystone admin CHI@UC CHI@UC /chi-uc/identity/v3",
				"identity keystone internal CHI@UC CHI@UC /chi-uc/identity/v3",
				"identity keystone public CHI@UC CHI@UC /chi-uc/identity/v3",
				"network neutron admin CHI@UC CHI@UC /chi-uc/network",
				"network neutron internal CHI@UC CHI@UC /chi-uc/network",
				"network neutron public CHI@UC CHI@UC /chi-uc/network",
				"reservation blazar admin CHI@UC CHI@UC /chi-uc/reservation/v1",
				"reservation blazar internal CHI@UC CHI@UC /chi-uc/reservation/v1",
				"reservation blazar public CHI@UC CHI@UC /chi-uc/reservation/v1",
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Error(d)
			}
		})
	}
}

func TestKeystoneAppCredRejectsScope(t *testing.T) {
	v := newEnv(t, emulator.Config{})
	body := appCredAuth(map[string]any{"id": emulator.DemoAppCredID, "secret": emulator.DemoAppCredSecret})
	body["auth"].(map[string]any)["scope"] = map[string]any{"project": map[string]any{"name": "demo", "domain": map[string]any{"name": "Default"}}}
	r := v.call("POST", v.base("CHI@UC")+"/identity/v3/auth/tokens", "", body)
	if r.status != 401 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
}

func TestTokenExpiryAndSite(t *testing.T) {
	v := newEnv(t, emulator.Config{TokenTTL: time.Hour})
	tok := v.login("CHI@UC", "demo")
	if r := v.call("GET", v.blazar("CHI@UC")+"/leases", tok, nil); r.status != 200 {
		t.Fatalf("fresh token: %d %s", r.status, r.raw)
	}
	r := v.call("GET", v.blazar("CHI@TACC")+"/leases", tok, nil)
	if r.status != 401 {
		t.Errorf("token of CHI@UC at CHI@TACC: %d", r.status)
	}
	r = v.call("GET", v.blazar("CHI@UC")+"/leases", "", nil)
	if d := cmp.Diff(loadFixture(t, "blazar-noauth-401.json"), r.body); r.status != 401 || d != "" {
		t.Errorf("no token: %d %s", r.status, d)
	}
	if got := r.header.Get("WWW-Authenticate"); got != `Keystone uri="`+v.base("CHI@UC")+`/identity/v3"` {
		t.Errorf("WWW-Authenticate %q", got)
	}
	v.clock.Advance(time.Hour)
	if r := v.call("GET", v.blazar("CHI@UC")+"/leases", tok, nil); r.status != 401 {
		t.Errorf("expired token: %d", r.status)
	}
	if r := v.call("GET", v.base("CHI@UC")+"/network/v2.0/networks", tok, nil); r.status != 401 {
		t.Errorf("expired token at neutron: %d", r.status)
	}
}

// TestRestrictedAppCredCreate: Blazar's trust creation fails for a
// restricted application credential, an unexpected exception that
// internal_error answers with a named 500 (blazar-api.md §5.1.2).
func TestRestrictedAppCredCreate(t *testing.T) {
	v := newEnv(t, emulator.Config{})
	r := v.call("POST", v.base("CHI@UC")+"/identity/v3/auth/tokens", "", appCredAuth(map[string]any{
		"id": emulator.RestrictedAppCredID, "secret": emulator.RestrictedAppCredSecret}))
	if r.status != 201 {
		t.Fatalf("auth: %d %s", r.status, r.raw)
	}
	r = v.call("POST", v.blazar("CHI@UC")+"/leases", r.header.Get("X-Subject-Token"),
		hostLease("x", "2030-01-01 10:00", "2030-01-01 12:00", "compute_skylake", 1))
	want := map[string]any{"error_code": 500.0, "error_message": "Internal Server Error", "error_name": "INTERNAL_SERVER_ERROR"}
	if d := cmp.Diff(want, r.body); r.status != 500 || d != "" {
		t.Errorf("create: %d (-want +got):\n%s", r.status, d)
	}
}

// TestKeystoneProfiles: whether Blazar can make the lease's trust from an application
// credential follows the Keystone profile (recorded 320/321 under Keystone's 2025 fix,
// 330/331 with allow_insecure_application_credential_trust_escalation).
func TestKeystoneProfiles(t *testing.T) {
	for _, tc := range []struct {
		profile                  string
		restricted, unrestricted int
	}{
		{emulator.KeystoneLegacy, 500, 201},
		{emulator.KeystoneFixed, 500, 500},
		{emulator.KeystoneInsecureEscalation, 201, 201},
	} {
		v := newEnv(t, emulator.Config{Keystone: tc.profile})
		for i, ac := range []struct {
			id, secret string
			want       int
		}{{emulator.RestrictedAppCredID, emulator.RestrictedAppCredSecret, tc.restricted}, {emulator.DemoAppCredID, emulator.DemoAppCredSecret, tc.unrestricted}} {
			r := v.call("POST", v.base("CHI@UC")+"/identity/v3/auth/tokens", "", appCredAuth(map[string]any{"id": ac.id, "secret": ac.secret}))
			if r.status != 201 {
				t.Fatalf("auth: %d %s", r.status, r.raw)
			}
			r = v.call("POST", v.blazar("CHI@UC")+"/leases", r.header.Get("X-Subject-Token"),
				hostLease("x", "2030-01-01 10:00", "2030-01-01 12:00", "compute_skylake", i+1))
			if r.status != ac.want || (r.status == 500 && errMsg(r) != "Internal Server Error") {
				t.Errorf("%s, %s: %d %s, want %d", tc.profile, ac.id, r.status, r.raw, ac.want)
			}
		}
	}
	if _, err := emulator.New(emulator.Config{Keystone: "nope"}); err == nil {
		t.Error("an unknown keystone profile was taken")
	}
	if _, err := emulator.New(emulator.Config{Blazar: "nope"}); err == nil {
		t.Error("an unknown blazar profile was taken")
	}
}

// TestUnscopedTokenRefused: Keystone gives an unscoped token on request ("scope":
// "unscoped"), without project or catalog; no service takes it (401), and it can be rescoped
// to the user's project.
func TestUnscopedTokenRefused(t *testing.T) {
	v := newEnv(t, emulator.Config{})
	body := passwordAuth("demo", "demo", "demo")
	body["auth"].(map[string]any)["scope"] = "unscoped"
	r := v.call("POST", v.base("CHI@UC")+"/identity/v3/auth/tokens", "", body)
	tok := r.header.Get("X-Subject-Token")
	tb, _ := r.body["token"].(map[string]any)
	if r.status != 201 || tb["project"] != nil || tb["catalog"] != nil {
		t.Fatalf("unscoped auth: %d %s", r.status, r.raw)
	}
	for _, m := range []string{"GET", "POST", "PATCH"} {
		if r := v.call(m, v.blazar("CHI@UC")+"/leases", tok, map[string]any{}); r.status != 401 {
			t.Errorf("%s leases with an unscoped token: %d %s", m, r.status, r.raw)
		}
	}
	if r := v.call("GET", v.base("CHI@UC")+"/network/v2.0/networks", tok, nil); r.status != 401 {
		t.Errorf("neutron with an unscoped token: %d", r.status)
	}
	rescope := map[string]any{"auth": map[string]any{"identity": map[string]any{"methods": []string{"token"}, "token": map[string]any{"id": tok}},
		"scope": map[string]any{"project": map[string]any{"name": "demo", "domain": map[string]any{"name": "Default"}}}}}
	r = v.call("POST", v.base("CHI@UC")+"/identity/v3/auth/tokens", "", rescope)
	if r.status != 201 {
		t.Fatalf("rescope: %d %s", r.status, r.raw)
	}
	if r := v.call("GET", v.blazar("CHI@UC")+"/leases", r.header.Get("X-Subject-Token"), nil); r.status != 200 {
		t.Errorf("rescoped token: %d %s", r.status, r.raw)
	}
}
