package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/testscript"
)

// emulatorScriptCmds are the testscript commands the emulator scripts need; TestScripts
// merges them into its Params.Cmds.
//
//	waitfile FILE [TIMEOUT]   wait until FILE exists and is not empty (default timeout 10s)
func emulatorScriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"waitfile": cmdWaitfile,
	}
}

// cmdWaitfile polls because a background server announces readiness only by writing a file.
func cmdWaitfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! waitfile")
	}
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waitfile FILE [TIMEOUT]")
	}
	timeout := 10 * time.Second
	if len(args) == 2 {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		timeout = d
	}
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(timeout)
	for {
		if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not appear within %s", args[0], timeout)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestCheckServeOptions(t *testing.T) {
	ok := serveOptions{addr: "127.0.0.1:0"}
	tests := []struct {
		name string
		mod  func(o *serveOptions)
		want string // "" = accepted; else a fragment of the error
	}{
		{"default", func(o *serveOptions) {}, ""},
		{"ipv6 loopback", func(o *serveOptions) { o.addr = "[::1]:8080" }, ""},
		{"localhost", func(o *serveOptions) { o.addr = "localhost:5000" }, ""},
		{"other loopback", func(o *serveOptions) { o.addr = "127.0.0.2:0" }, ""},
		{"all interfaces", func(o *serveOptions) { o.addr = "0.0.0.0:0" }, "not a loopback address"},
		{"empty host", func(o *serveOptions) { o.addr = ":8080" }, "not a loopback address"},
		{"ipv6 any", func(o *serveOptions) { o.addr = "[::]:0" }, "not a loopback address"},
		{"lan address", func(o *serveOptions) { o.addr = "192.168.1.5:0" }, "not a loopback address"},
		{"host name", func(o *serveOptions) { o.addr = "example.org:0" }, "not a loopback address"},
		{"remote allowed", func(o *serveOptions) { o.addr = "0.0.0.0:0"; o.allowRemote = true }, ""},
		{"no port", func(o *serveOptions) { o.addr = "127.0.0.1" }, "want HOST:PORT"},
		{"fault rate above 1", func(o *serveOptions) { o.faultRate = 1.5 }, "--fault-rate"},
		{"negative fault rate", func(o *serveOptions) { o.faultRate = -0.1 }, "--fault-rate"},
		{"fault rate 1", func(o *serveOptions) { o.faultRate = 1 }, ""},
		{"negative latency", func(o *serveOptions) { o.latency = -time.Second }, "--latency"},
		{"negative token ttl", func(o *serveOptions) { o.tokenTTL = -time.Second }, "--token-ttl"},
		{"negative start delay means immediate", func(o *serveOptions) { o.startDelay = -1 }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.mod(&o)
			err := checkServeOptions(o)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("checkServeOptions(%+v) = %q, want an error containing %q", o, got, tt.want)
			}
		})
	}
}

func TestExportLines(t *testing.T) {
	got := exportLines([]string{
		"OS_AUTH_URL=http://127.0.0.1:5000/chi-uc/identity/v3",
		"OS_REGION_NAME=CHI@UC",
		"OS_PASSWORD=it's a secret",
		"OS_EMPTY=",
		"OS_DOLLAR=$HOME",
	})
	want := []string{
		"export OS_AUTH_URL=http://127.0.0.1:5000/chi-uc/identity/v3",
		"export OS_REGION_NAME=CHI@UC",
		`export OS_PASSWORD='it'\''s a secret'`,
		"export OS_EMPTY=''",
		"export OS_DOLLAR='$HOME'",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("exportLines (-want +got):\n%s", d)
	}
}

// syncBuffer lets the test read what the serving goroutine writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeLifecycle runs serve in-process: it must announce itself, write a private env file
// that points at a live Keystone, and on cancellation save --data and exit 0.
func TestServeLifecycle(t *testing.T) {
	dir := t.TempDir()
	envFile := filepath.Join(dir, "emu.env")
	dataFile := filepath.Join(dir, "emu.json")
	var stdout, stderr syncBuffer
	a := newApp(strings.NewReader(""), &stdout, &stderr, func(string) (string, bool) { return "", false })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- a.run(ctx, []string{"leasefile", "emulator", "serve", "--env-file", envFile, "--data", dataFile, "--start-delay", "-1s"})
	}()

	deadline := time.Now().Add(10 * time.Second)
	var env []byte
	for {
		if b, err := os.ReadFile(envFile); err == nil && len(b) > 0 {
			env = b
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited early with %d; stderr:\n%s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no env file after 10s; stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		}
		time.Sleep(2 * time.Millisecond)
	}

	fi, err := os.Stat(envFile)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("env file mode = %o, want 600", perm)
	}
	vars := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(env)), "\n") {
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok || !strings.HasPrefix(line, "export ") {
			t.Fatalf("env file line %q is not export K=V", line)
		}
		vars[k] = v
	}
	if got, want := vars["OS_REGION_NAME"], "CHI@UC"; got != want {
		t.Errorf("OS_REGION_NAME = %q, want %q", got, want)
	}
	authURL := vars["OS_AUTH_URL"]
	if !strings.HasPrefix(authURL, "http://127.0.0.1:") || !strings.HasSuffix(authURL, "/chi-uc/identity/v3") {
		t.Fatalf("OS_AUTH_URL = %q, want http://127.0.0.1:PORT/chi-uc/identity/v3", authURL)
	}
	// The stdout export lines are the env file's, and the announcement names the listener.
	out := stdout.String()
	if !strings.Contains(out, string(env)) {
		t.Errorf("stdout lacks the env file's lines:\n%s", out)
	}
	base := strings.TrimSuffix(authURL, "/chi-uc/identity/v3")
	if !strings.Contains(out, "# leasefile emulator listening on "+base+" (sites: CHI@UC, CHI@TACC, CHI@Edge, KVM@TACC)") {
		t.Errorf("stdout lacks the listening line:\n%s", out)
	}
	for _, site := range []string{`"chi-uc":`, `"chi-tacc":`, `"chi-edge":`} { // as examples/multisite.yaml names them
		if !strings.Contains(out, "#     "+site) {
			t.Errorf("clouds.yaml on stdout lacks %s:\n%s", site, out)
		}
	}
	// The env file promises a live server: Keystone answers GET /v3 at once.
	resp, err := http.Get(authURL)
	if err != nil {
		t.Fatalf("GET %s: %v", authURL, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s = %d, want 200", authURL, resp.StatusCode)
	}

	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit code after cancel = %d, want 0; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop within 10s of cancellation")
	}
	if s := stderr.String(); s != "" {
		t.Errorf("stderr not empty:\n%s", s)
	}
	b, err := os.ReadFile(dataFile)
	if err != nil {
		t.Fatalf("data file not saved on shutdown: %v", err)
	}
	if !json.Valid(b) {
		t.Errorf("data file is not JSON:\n%s", b)
	}
	if !strings.HasSuffix(stdout.String(), "# leasefile emulator stopped; leases saved in "+dataFile+"\n") {
		t.Errorf("stdout does not end with the stop line:\n%s", stdout.String())
	}
}

func TestServeRefusesRemoteAddr(t *testing.T) {
	var stdout, stderr bytes.Buffer
	a := newApp(strings.NewReader(""), &stdout, &stderr, func(string) (string, bool) { return "", false })
	// A regression would serve until cancelled: bound it so the test fails instead of hanging.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	code := a.run(ctx, []string{"leasefile", "emulator", "serve", "--addr", "0.0.0.0:0"})
	if code != exitError {
		t.Errorf("exit code = %d, want %d", code, exitError)
	}
	want := "leasefile: error: --addr \"0.0.0.0:0\" is not a loopback address: the emulator's credentials are public, so anyone who can connect could use it\n" +
		"leasefile: hint: use 127.0.0.1:PORT, or add --allow-remote if you really mean to expose it\n"
	if d := cmp.Diff(want, stderr.String()); d != "" {
		t.Errorf("stderr (-want +got):\n%s", d)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", stdout.String())
	}
}

func TestParseFault(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want emulator.Fault
		err  string
	}{
		{in: "create:503", want: emulator.Fault{Op: "create", Status: 503, RetryAfter: 1, Count: 1}},
		{in: "list:500:3", want: emulator.Fault{Op: "list", Status: 500, Count: 3}},
		{in: "any:drop:2", want: emulator.Fault{Op: "any", Drop: true, Count: 2}},
		{in: "get:429", want: emulator.Fault{Op: "get", Status: 429, RetryAfter: 1, Count: 1}},
		{in: "frob:500", err: "unknown OP"},
		{in: "create:200", err: "STATUS must be drop or an HTTP error status"},
		{in: "create:503:0", err: "COUNT must be a whole number"},
		{in: "create", err: "wrong number of fields"},
	} {
		got, err := parseFault(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseFault(%q) error = %v, want one containing %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseFault(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("parseFault(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}
