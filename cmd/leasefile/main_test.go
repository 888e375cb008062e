package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		// The real binary, for scripts that need a separate process (emulator serve in the background).
		"leasefile-bin": func() { os.Exit(run(context.Background(), os.Args, os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// scriptStart is the emulator clock's start in every script: a fixed time, so that plans and
// outputs are reproducible.
var scriptStart = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

// world is what one script runs against: an emulator with a fake clock.
type world struct {
	clock *emulator.FakeClock
	srv   *emulator.Server
	marks map[string]int // call counts at the last "emu mark", by site and op
}

const worldKey = "leasefile-world"

// TestScripts runs the end-to-end scripts in testdata/script. `leasefile ARGS` runs the CLI
// in-process against the script's own emulator (over HTTP, with the real client), on a fake
// clock that waits advance instead of sleeping; `exec leasefile-bin` runs the binary as its own process;
// `emu` inspects and steers the emulator.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       os.Getenv("UPDATE_SCRIPTS") != "",
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			env.Setenv("USER", "tester")
			clock := emulator.NewFakeClock(scriptStart)
			// LEASEFILE_TEST_BLAZAR=upstream runs every script against upstream's rules.
			srv, err := emulator.Start(emulator.Config{Clock: clock, StartDelay: 10 * time.Second, Blazar: os.Getenv("LEASEFILE_TEST_BLAZAR")})
			if err != nil {
				return err
			}
			env.Defer(func() { srv.Close() })
			env.Values[worldKey] = &world{clock: clock, srv: srv, marks: map[string]int{}}
			env.Setenv("EMU_URL", srv.URL)
			examples, err := filepath.Abs("../../examples")
			if err != nil {
				return err
			}
			env.Setenv("EXAMPLES", examples) // scripts that run an example as it is
			return nil
		},
		Cmds:      scriptCmds(),
		Condition: scriptCondition,
	})
}

// scriptCondition answers [blazar:chameleon] and [blazar:upstream]: the Blazar profile the
// scripts' emulator follows (LEASEFILE_TEST_BLAZAR, default chameleon).
func scriptCondition(cond string) (bool, error) {
	if p, ok := strings.CutPrefix(cond, "blazar:"); ok {
		return p == cmp.Or(os.Getenv("LEASEFILE_TEST_BLAZAR"), emulator.BlazarChameleon), nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

func scriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	cmds := map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"leasefile": cmdLeasefile,
		"emu":       cmdEmu,
		"uistream":  cmdUIStream,
	}
	for name, c := range emulatorScriptCmds() {
		cmds[name] = c
	}
	for name, c := range stateScriptCmds() {
		cmds[name] = c
	}
	return cmds
}

func worldOf(ts *testscript.TestScript) *world {
	return ts.Value(worldKey).(*world)
}

// cmdLeasefile runs the CLI in-process. A non-zero exit status is written to stderr as
// "[exit status N]" so scripts can check which failure it was.
func cmdLeasefile(ts *testscript.TestScript, neg bool, args []string) {
	w := worldOf(ts)
	a := newApp(strings.NewReader(""), ts.Stdout(), ts.Stderr(), func(k string) (string, bool) {
		v := ts.Getenv(k)
		return v, v != ""
	})
	a.wd = ts.MkAbs(".")
	a.clock = w.clock
	a.after = func(d time.Duration) <-chan time.Time {
		w.clock.Advance(d)
		ch := make(chan time.Time, 1)
		ch <- w.clock.Now()
		return ch
	}
	if ts.Getenv("OS_CLIENT_CONFIG_FILE") == "" {
		// A script that names its own clouds.yaml tests credential resolution itself.
		a.cloudsYAML = w.srv.CloudsYAML()
		// Besides one entry per site (the demo user), "other" is CHI@UC as the other project's
		// user, for scripts that act as someone else (sites: {CHI@UC: {cloud: other}}), and
		// "restricted" the demo user's restricted application credential.
		a.cloudsYAML = append(a.cloudsYAML, fmt.Sprintf("  other:\n    auth_type: password\n    auth:\n      auth_url: %q\n      username: %q\n      password: %q\n      project_name: %q\n      user_domain_name: Default\n      project_domain_name: Default\n    region_name: CHI@UC\n",
			w.srv.AuthURL("CHI@UC"), emulator.OtherUser, emulator.OtherPassword, emulator.OtherProject)...)
		a.cloudsYAML = append(a.cloudsYAML, fmt.Sprintf("  restricted:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: %q\n      application_credential_id: %q\n      application_credential_secret: %q\n    region_name: CHI@UC\n",
			w.srv.AuthURL("CHI@UC"), emulator.RestrictedAppCredID, emulator.RestrictedAppCredSecret)...)
	}
	if f := ts.Getenv("CLOUDS_YAML"); f != "" {
		// A script's own clouds.yaml, e.g. one whose auth_url nothing listens on.
		data, err := os.ReadFile(ts.MkAbs(f))
		ts.Check(err)
		a.cloudsYAML = data
	}
	if ts.Getenv("LEASEFILE_TEST_INTERACTIVE") == "1" {
		// Scripts have no terminal: this stands for one on stdin and stderr.
		yes := true
		a.interactive = &yes
	}
	if v := ts.Getenv("CALL_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		ts.Check(err)
		a.callTimeout = d
	}
	code := a.run(context.Background(), append([]string{"leasefile"}, args...))
	if code != 0 {
		fmt.Fprintf(ts.Stderr(), "[exit status %d]\n", code)
	}
	if (code != 0) != neg {
		ts.Fatalf("leasefile %s: exit status %d", strings.Join(args, " "), code)
	}
}

// cmdEmu steers the script's emulator:
//
//	emu leases [SITE]            print every lease: name status start end reservations
//	emu advance DURATION         move the clock
//	emu fail OP STATUS [COUNT] [RETRY_AFTER] [SKIP]  answer the next COUNT calls of OP with
//	                             STATUS (and Retry-After: RETRY_AFTER seconds, default 1), after
//	                             letting SKIP of them through
//	emu fault SPEC               as emulator serve --fault SPEC (e.g. start:error)
//	emu drop OP [COUNT]          close the connection of the next COUNT calls of OP unanswered
//	emu hang OP                  never answer the next call of OP (until the client gives up)
//	emu fail-on-start NAME       the lease named NAME goes to ERROR when it starts
//	emu delete NAME              delete the lease named NAME, as in the GUI
//	emu set-end NAME TIME        move its end ("2006-01-02 15:04")
//	emu rename NAME NEW          rename it
//	emu id NAME VAR              set VAR to the ID of the lease named NAME
//	emu mark                     remember the call counts
//	emu calls SITE OP            print how many OP calls SITE answered since the mark
//	                             (SITE oidc: the OIDC provider's discovery, device, device-poll, refresh)
//	emu approve-device [POLLS]   approve device logins, now and later, after POLLS pending answers
//	emu deny-device              the user refuses device logins
//	emu expire-device            device codes expire before anyone approves them
//	emu revoke-logins            every OIDC refresh and access token stops working
//	emu refresh-token TOKEN      make TOKEN a valid refresh token of the demo user
//	emu cached-login FILE        print whether the refresh token in ccauth's cache FILE is valid
//	emu oidc-clouds-yaml FILE    write a ccauth-style clouds.yaml for the emulator to FILE
//	emu add-server SITE NAME     give the demo project an ACTIVE Nova server named NAME at SITE
func cmdEmu(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("emu does not fail")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: emu leases|advance|fail|fail-on-start|delete|set-end|rename|calls ...")
	}
	w := worldOf(ts)
	e := w.srv.Emulator
	out := ts.Stdout() // also replaces the previous command's stdout, even when emu prints nothing
	find := func(name string) (site, id string) {
		for _, s := range e.Sites() {
			for _, l := range e.Leases(s) {
				if l.Name == name {
					return s, l.ID
				}
			}
		}
		ts.Fatalf("no lease named %q in the emulator", name)
		return "", ""
	}
	switch args[0] {
	case "leases":
		sites := e.Sites()
		if len(args) > 1 {
			sites = args[1:]
		}
		for _, s := range sites {
			list := e.Leases(s)
			sort.Slice(list, func(i, j int) bool {
				return list[i].Name < list[j].Name || list[i].Name == list[j].Name && list[i].Start.Before(list[j].Start)
			})
			for _, l := range list {
				var rs []string
				for _, r := range l.Reservations {
					rs = append(rs, fmt.Sprintf("%s:%d", r.ResourceType, r.Allocated))
				}
				sort.Strings(rs)
				fmt.Fprintf(out, "%s %s %s %s %s %s\n", s, l.Name, l.Status, l.Start.Format("2006-01-02T15:04"), l.End.Format("2006-01-02T15:04"), strings.Join(rs, ","))
			}
		}
	case "advance":
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		w.clock.Advance(d)
	case "fail":
		status, err := strconv.Atoi(args[2])
		ts.Check(err)
		count := 1
		if len(args) > 3 {
			count, err = strconv.Atoi(args[3])
			ts.Check(err)
		}
		retryAfter, skip := 1, 0
		if len(args) > 4 {
			retryAfter, err = strconv.Atoi(args[4])
			ts.Check(err)
		}
		if len(args) > 5 {
			skip, err = strconv.Atoi(args[5])
			ts.Check(err)
		}
		e.InjectFault(emulator.Fault{Op: args[1], Status: status, Count: count, RetryAfter: retryAfter, Skip: skip})
	case "drop":
		count := 1
		if len(args) > 2 {
			var err error
			count, err = strconv.Atoi(args[2])
			ts.Check(err)
		}
		e.InjectFault(emulator.Fault{Op: args[1], Drop: true, Count: count})
	case "hang":
		e.InjectFault(emulator.Fault{Op: args[1], Latency: time.Hour})
	case "fault": // emu fault SPEC: as emulator serve --fault SPEC
		f, err := parseFault(args[1])
		ts.Check(err)
		e.InjectFault(f)
	case "fail-on-start":
		site, id := find(args[1])
		e.FailOnStart(site, id)
	case "delete":
		site, id := find(args[1])
		ts.Check(e.DeleteLease(site, id))
	case "set-end":
		site, id := find(args[1])
		t, err := time.Parse("2006-01-02 15:04", args[2])
		ts.Check(err)
		ts.Check(e.SetLeaseEnd(site, id, t))
	case "rename":
		site, id := find(args[1])
		ts.Check(e.SetLeaseName(site, id, args[2]))
	case "id": // emu id NAME VAR: set VAR to the ID of the lease named NAME
		_, id := find(args[1])
		ts.Setenv(args[2], id)
	case "mark":
		for _, site := range e.Sites() {
			for _, op := range []string{"list", "get", "create", "update", "delete", "federation", "servers"} {
				w.marks[site+" "+op] = e.Calls(site, op)
			}
		}
		for _, op := range []string{"discovery", "device", "device-poll", "refresh"} {
			w.marks["oidc "+op] = e.Calls("oidc", op)
		}
	case "approve-device":
		polls := 0
		if len(args) > 1 {
			var err error
			polls, err = strconv.Atoi(args[1])
			ts.Check(err)
		}
		e.ApproveDevices("", polls)
	case "deny-device":
		e.DenyDevices()
	case "expire-device":
		e.ExpireDevices()
	case "revoke-logins":
		e.RevokeLogins()
	case "refresh-token":
		e.IssueRefreshToken("", args[1])
	case "cached-login":
		var c struct {
			RefreshToken string `json:"refresh_token"`
		}
		ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[1])), &c))
		if e.ValidRefreshToken(c.RefreshToken) {
			fmt.Fprintln(out, "valid")
		} else {
			fmt.Fprintln(out, "invalid")
		}
	case "oidc-clouds-yaml":
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), w.srv.OIDCCloudsYAML(), 0o600))
	case "add-server":
		ts.Check(e.AddServer(args[1], "", args[2]))
	case "calls":
		fmt.Fprintf(out, "%d\n", e.Calls(args[1], args[2])-w.marks[args[1]+" "+args[2]])
	default:
		ts.Fatalf("unknown emu command %q", args[0])
	}
}
