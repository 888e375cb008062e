package emulator_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
)

func TestFaults(t *testing.T) {
	v := newEnv(t, emulator.Config{})
	tok := v.login("CHI@UC", "demo")
	list := v.blazar("CHI@UC") + "/leases"

	v.emu.InjectFault(emulator.Fault{Site: "CHI@UC", Op: "list", Status: 429, RetryAfter: 7, Count: 2})
	for i := 0; i < 2; i++ {
		r := v.call("GET", list, tok, nil)
		if r.status != 429 || r.header.Get("Retry-After") != "7" || errMsg(r) != "Too Many Requests" || r.body["error_name"] != 429.0 {
			t.Errorf("call %d: %d %v %s", i, r.status, r.header, r.raw)
		}
	}
	if r := v.call("GET", list, tok, nil); r.status != 200 {
		t.Errorf("third call: %d", r.status)
	}

	// A fault for another site or kind does not fire.
	v.emu.InjectFault(emulator.Fault{Site: "CHI@TACC", Op: "any", Status: 500})
	v.emu.InjectFault(emulator.Fault{Op: "create", Status: 503})
	if r := v.call("GET", list, tok, nil); r.status != 200 {
		t.Errorf("unrelated faults fired: %d", r.status)
	}
	if r := v.call("POST", list, tok, hostLease("x", "2030-01-01 10:00", "2030-01-01 11:00", "compute_skylake", 1)); r.status != 503 {
		t.Errorf("create fault: %d", r.status)
	}
	if n := len(v.emu.Leases("CHI@UC")); n != 0 {
		t.Errorf("faulted create stored a lease")
	}

	v.emu.InjectFault(emulator.Fault{Op: "auth", Status: 503})
	r := v.call("POST", v.base("CHI@UC")+"/identity/v3/auth/tokens", "", passwordAuth("demo", "demo", "demo"))
	if r.status != 503 {
		t.Errorf("auth fault: %d", r.status)
	}

	v.emu.InjectFault(emulator.Fault{Op: "get", Drop: true})
	req, _ := http.NewRequest("GET", list+"/x", nil)
	req.Header.Set("X-Auth-Token", tok)
	// A fresh connection: Go retries idempotent requests dropped on a reused one.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if res, err := fresh.Do(req); err == nil {
		res.Body.Close()
		t.Errorf("dropped connection answered %d", res.StatusCode)
	}

	v.emu.InjectFault(emulator.Fault{Op: "list", Latency: 20 * time.Millisecond})
	start := time.Now()
	if r := v.call("GET", list, tok, nil); r.status != 200 || time.Since(start) < 20*time.Millisecond {
		t.Errorf("latency fault: %d after %v", r.status, time.Since(start))
	}

	if got := v.emu.Calls("CHI@UC", "list"); got != 5 {
		t.Errorf("Calls(list) = %d, want 5", got)
	}
	if got := v.emu.Calls("", "create"); got != 1 {
		t.Errorf("Calls(create) = %d, want 1", got)
	}
}

func TestFaultRateAndLatency(t *testing.T) {
	v := newEnv(t, emulator.Config{FaultRate: 1, Latency: 5 * time.Millisecond})
	tok := v.login("CHI@UC", "demo") // Keystone is not subject to FaultRate
	start := time.Now()
	r := v.call("GET", v.blazar("CHI@UC")+"/leases", tok, nil)
	if r.status != 503 || errMsg(r) != "Service Unavailable" {
		t.Errorf("FaultRate 1: %d %s", r.status, r.raw)
	}
	if time.Since(start) < 5*time.Millisecond {
		t.Errorf("Latency not applied")
	}
}
