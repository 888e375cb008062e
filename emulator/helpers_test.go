package emulator_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
)

var t0 = time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)

type env struct {
	t     testing.TB
	emu   *emulator.Emulator
	srv   *httptest.Server
	clock *emulator.FakeClock
}

func newEnv(t testing.TB, cfg emulator.Config) *env {
	t.Helper()
	clock := emulator.NewFakeClock(t0)
	if cfg.Clock == nil {
		cfg.Clock = clock
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = 1000 * time.Hour
	}
	e, err := emulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &env{t: t, emu: e, srv: srv, clock: clock}
}

func (v *env) base(site string) string { return v.srv.URL + "/" + emulator.Slug(site) }

type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (v *env) call(method, url, token string, body any) resp {
	v.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			v.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		v.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		v.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			v.t.Fatalf("%s %s: body %q: %v", method, url, raw, err)
		}
	}
	return r
}

func passwordAuth(user, password, project string) map[string]any {
	return map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{
			"user": map[string]any{"name": user, "domain": map[string]any{"name": "Default"}, "password": password}}},
		"scope": map[string]any{"project": map[string]any{"name": project, "domain": map[string]any{"name": "Default"}}}}}
}

// login returns a token for user at site (user's project has the same name).
func (v *env) login(site, user string) string {
	v.t.Helper()
	r := v.call("POST", v.base(site)+"/identity/v3/auth/tokens", "", passwordAuth(user, user, user))
	if r.status != 201 {
		v.t.Fatalf("auth %s at %s: %d %s", user, site, r.status, r.raw)
	}
	return r.header.Get("X-Subject-Token")
}

func (v *env) blazar(site string) string { return v.base(site) + "/reservation/v1" }

// hostLease is a create body for count hosts of a node type.
func hostLease(name, start, end, nodeType string, count int) map[string]any {
	return map[string]any{"name": name, "start_date": start, "end_date": end, "events": []any{}, "before_end_date": nil,
		"reservations": []any{map[string]any{"resource_type": "physical:host", "min": count, "max": count,
			"hypervisor_properties": "", "resource_properties": `["==", "$node_type", "` + nodeType + `"]`}}}
}

func (v *env) create(site, token string, body map[string]any) map[string]any {
	v.t.Helper()
	r := v.call("POST", v.blazar(site)+"/leases", token, body)
	if r.status != 201 {
		v.t.Fatalf("create: %d %s", r.status, r.raw)
	}
	return r.body["lease"].(map[string]any)
}

func (v *env) get(site, token, id string) map[string]any {
	v.t.Helper()
	r := v.call("GET", v.blazar(site)+"/leases/"+id, token, nil)
	if r.status != 200 {
		v.t.Fatalf("get: %d %s", r.status, r.raw)
	}
	return r.body["lease"].(map[string]any)
}

func errMsg(r resp) string {
	if m, ok := r.body["error_message"].(string); ok {
		return m
	}
	return string(r.raw)
}

func resv(l map[string]any, i int) map[string]any {
	return l["reservations"].([]any)[i].(map[string]any)
}

func eventsByType(l map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, e := range l["events"].([]any) {
		m := e.(map[string]any)
		out[m["event_type"].(string)] = m
	}
	return out
}

// publicNetID looks the public network up in Neutron, as python-chi does.
func (v *env) publicNetID(site, token string) string {
	v.t.Helper()
	r := v.call("GET", v.base(site)+"/network/v2.0/networks?name=public", token, nil)
	nets := r.body["networks"].([]any)
	if r.status != 200 || len(nets) != 1 {
		v.t.Fatalf("public network: %d %s", r.status, r.raw)
	}
	return nets[0].(map[string]any)["id"].(string)
}
