package reliability

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// faultScenario is one emulator configuration of the fault campaign and the run it faults.
type faultScenario struct {
	name  string
	flags []string // emulator serve flags
	op    string   // apply, destroy or update
	wait  string   // the leases' wait mode (default created)
	short bool     // part of the -short run
	known string   // the issue item this scenario reproduces, fixed on another branch
	// proxy, when set, puts a Proxy with this rule between leasefile and the emulator; the
	// apply then runs with -timeout 20s and is a hang past a minute.
	proxy func() func(*http.Request) *injected
}

// faultRuns is how many runs a fault scenario may take to converge: the issue asks that each
// converges after re-runs, with no duplicate.
const faultRuns = 10

var faultScenarios = []faultScenario{
	{name: "fault-rate 0.1, apply", flags: []string{"--fault-rate", "0.1"}, op: "apply", short: true},
	{name: "fault-rate 0.3, apply", flags: []string{"--fault-rate", "0.3"}, op: "apply"},
	{name: "fault-rate 0.3, destroy", flags: []string{"--fault-rate", "0.3"}, op: "destroy"},
	{name: "fault-rate 0.2, update", flags: []string{"--fault-rate", "0.2"}, op: "update"},
	{name: "create response dropped", flags: []string{"--fault", "create:drop:1"}, op: "apply", short: true},
	{name: "3 create responses dropped", flags: []string{"--fault", "create:drop:3"}, op: "apply"},
	{name: "create 429 with Retry-After", flags: []string{"--fault", "create:429:2"}, op: "apply", short: true},
	{name: "create 503 three times", flags: []string{"--fault", "create:503:3"}, op: "apply"},
	{name: "create 500 (permanent)", flags: []string{"--fault", "create:500:1"}, op: "apply"},
	{name: "list 503 twice", flags: []string{"--fault", "list:503:2"}, op: "apply", short: true},
	{name: "list 429 with Retry-After", flags: []string{"--fault", "list:429:1"}, op: "apply"},
	{name: "list dropped", flags: []string{"--fault", "list:drop:1"}, op: "apply"},
	{name: "get 503 three times", flags: []string{"--fault", "get:503:3"}, op: "apply", wait: "active"},
	{name: "auth 503", flags: []string{"--fault", "auth:503:1"}, op: "apply", short: true},
	{name: "auth 500", flags: []string{"--fault", "auth:500:1"}, op: "apply"},
	{name: "auth 429 with Retry-After", flags: []string{"--fault", "auth:429:1"}, op: "apply"},
	{name: "auth dropped", flags: []string{"--fault", "auth:drop:1"}, op: "apply"},
	{name: "neutron 503", flags: []string{"--fault", "neutron:503:1"}, op: "apply"},
	{name: "token expiry mid-run", flags: []string{"--token-ttl", "2s", "--start-delay", "5s"}, op: "apply", wait: "active", short: true},
	{name: "delete 503 twice", flags: []string{"--fault", "delete:503:2"}, op: "destroy", short: true},
	{name: "delete dropped", flags: []string{"--fault", "delete:drop:1"}, op: "destroy"},
	{name: "update 503 twice", flags: []string{"--fault", "update:503:2"}, op: "update", short: true},
	{name: "update dropped", flags: []string{"--fault", "update:drop:1"}, op: "update"},
	{name: "429 with Retry-After: 3600 during the wait, apply -timeout 20s", op: "apply", wait: "active",
		proxy: func() func(*http.Request) *injected { return retryAfterDuringWait("3600") }},
	{name: "any call 503 five times", flags: []string{"--fault", "any:503:5"}, op: "apply"},
}

// Faults runs the fault campaign: each scenario Repeat times.
func (h *Harness) Faults() []*Trial {
	var list []faultScenario
	for _, s := range faultScenarios {
		if !h.cfg.Short || s.short {
			for range h.cfg.Repeat {
				list = append(list, s)
			}
		}
	}
	return h.each(len(list), func(i int) *Trial { return h.faultTrial(i, list[i]) })
}

func (h *Harness) faultTrial(i int, sc faultScenario) *Trial {
	t := newTrial("faults", fmt.Sprintf("trial %d: %s", i, sc.name))
	if len(sc.flags) > 0 {
		t.Name += " (emulator " + strings.Join(sc.flags, " ") + ")"
	}
	t.Known = sc.known
	f, err := h.fixture(t, sc.flags...)
	if err != nil {
		return setupFailed(t, err)
	}
	defer f.close(t)
	wait := sc.wait
	if wait == "" {
		wait = "created"
	}
	timeout := "1m"
	if sc.proxy != nil {
		px, err := StartProxy(strings.TrimSuffix(f.Emu.Getenv("OS_AUTH_URL"), "/chi-uc/identity/v3"), sc.proxy())
		if err != nil {
			return setupFailed(t, err)
		}
		defer px.Close()
		f.Run.Env = append(f.Run.Env, "OS_AUTH_URL="+px.via(f.Emu.Getenv("OS_AUTH_URL")))
		f.Run.Timeout, timeout = time.Minute, "20s"
	}
	lf, names := Leasefile(f.Prefix, 5, wait, "1h")
	if err := writeFile(f.Dir, "Leasefile", lf); err != nil {
		return setupFailed(t, err)
	}
	want := Want{Prefix: f.Prefix, Names: names, PlanTries: faultRuns}
	// converge runs the command until it succeeds, as a user re-running it would.
	converge := func(what string, args ...string) bool {
		for run := 1; run <= faultRuns; run++ {
			r, released := f.Run.RunReleasingLock(append([]string{"--debug"}, args...)...)
			t.LocksReleased += released
			t.observe(r)
			faults, retries := traceStats(r.Stderr)
			t.Faults += faults
			t.Retries += retries
			if r.Exit == 0 {
				if run > 1 {
					t.Name += fmt.Sprintf("; %s took %d runs", what, run)
				}
				return true
			}
			if run == faultRuns {
				t.find("%s did not converge in %d runs; last: %s", what, faultRuns, r.Short())
			}
		}
		return false
	}
	switch sc.op {
	case "apply":
		converge("apply", "apply", "-auto-approve", "-timeout", timeout)
	case "destroy":
		if converge("set-up apply", "apply", "-auto-approve") {
			converge("destroy", "destroy", "-auto-approve")
		}
		want = Want{Prefix: f.Prefix, Ends: true, PlanTries: faultRuns}
	case "update":
		if converge("set-up apply", "apply", "-auto-approve") {
			lf, _ = Leasefile(f.Prefix, 5, wait, "3h")
			if err := writeFile(f.Dir, "Leasefile", lf); err != nil {
				return setupFailed(t, err)
			}
			converge("update", "apply", "-auto-approve")
		}
	}
	Check(t, f.Run, f.Emu, want)
	return t.done()
}
