package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/chameleoncloud/leasefile/state"
)

// tfHTTP is a server of Terraform's HTTP backend protocol (GET/POST state, LOCK/UNLOCK with
// the lock info, 423 with the holder), as GitLab's managed state speaks it.
type tfHTTP struct {
	mu    sync.Mutex
	state []byte
	lock  []byte
}

func (s *tfHTTP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	id := func(b []byte) string {
		var li struct{ ID string }
		_ = json.Unmarshal(b, &li)
		return li.ID
	}
	switch r.Method {
	case http.MethodGet:
		if s.state == nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Write(s.state)
	case http.MethodPost:
		if s.lock != nil && r.URL.Query().Get("ID") != id(s.lock) {
			http.Error(w, "locked", http.StatusConflict)
			return
		}
		s.state = body
	case "LOCK":
		if s.lock != nil {
			w.WriteHeader(http.StatusLocked)
			w.Write(s.lock)
			return
		}
		s.lock = body
	case "UNLOCK":
		if s.lock != nil && id(body) != id(s.lock) {
			w.WriteHeader(http.StatusConflict)
			w.Write(s.lock)
			return
		}
		s.lock = nil
	}
}

// TestHTTPBackendPushPull moves a local state to an HTTP backend and back: the copy keeps
// lineage and serial, a newer or unrelated state is never overwritten, and apply uses the
// backend's state and lock.
func TestHTTPBackendPushPull(t *testing.T) {
	srv, err := emulator.Start(emulator.Config{StartDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	backend := &tfHTTP{}
	hs := httptest.NewServer(backend)
	defer hs.Close()
	dir := t.TempDir()
	run := func(args ...string) (string, int) {
		var out bytes.Buffer
		a := newApp(strings.NewReader(""), &out, &out, func(string) (string, bool) { return "", false })
		a.wd = dir
		a.cloudsYAML = srv.CloudsYAML()
		code := a.run(context.Background(), append([]string{"leasefile"}, args...))
		return out.String(), code
	}
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const leases = "defaults: {site: CHI@UC, duration: 6h}\nleases:\n  a:\n    reservations:\n      n: {type: node, count: 1, node_type: compute_skylake}\n"
	write("Leasefile", "version: 1\nname_prefix: http-\n"+leases)
	if out, code := run("apply", "-auto-approve", "-timeout", "1m"); code != 0 {
		t.Fatalf("local apply: %s", out)
	}
	local, err := state.Load(filepath.Join(dir, state.DefaultFileName))
	if err != nil {
		t.Fatal(err)
	}

	write("Leasefile", "version: 1\nname_prefix: http-\nstate: {backend: http, address: '"+hs.URL+"/state/exp42'}\n"+leases)
	if out, code := run("state", "push", state.DefaultFileName); code != 0 || !strings.Contains(out, "Pushed") {
		t.Fatalf("push: %d %s", code, out)
	}
	var pushed state.File
	if err := json.Unmarshal(backend.state, &pushed); err != nil {
		t.Fatal(err)
	}
	if pushed.Lineage != local.Lineage || pushed.Serial != local.Serial {
		t.Errorf("pushed lineage %s serial %d, want %s %d", pushed.Lineage, pushed.Serial, local.Lineage, local.Serial)
	}
	if backend.lock != nil {
		t.Errorf("push left the lock: %s", backend.lock)
	}
	// The same serial again, and an unrelated state, are refused.
	if out, code := run("state", "push", state.DefaultFileName); code == 0 || !strings.Contains(out, "not overwritten") {
		t.Errorf("second push: %d %s", code, out)
	}
	other := state.New()
	other.SetLease("x", &state.Lease{ID: "x"})
	if err := other.Save(filepath.Join(dir, "other.json")); err != nil {
		t.Fatal(err)
	}
	if out, code := run("state", "push", "other.json"); code == 0 || !strings.Contains(out, "holds another state") {
		t.Errorf("unrelated push: %d %s", code, out)
	}
	// apply reads the backend's state: nothing to do, nothing duplicated.
	if out, code := run("apply", "-auto-approve", "-timeout", "1m"); code != 0 || !strings.Contains(out, "No changes") {
		t.Errorf("apply on the http state: %d %s", code, out)
	}
	if n := len(srv.Leases("CHI@UC")); n != 1 {
		t.Errorf("%d leases in Blazar, want 1", n)
	}
	// Another holder's lock is reported with its holder.
	backend.mu.Lock()
	backend.lock = []byte(`{"ID":"held-by-ci","Operation":"OperationTypeApply","Who":"ci@runner","Created":"2026-12-01T08:00:00Z"}`)
	backend.mu.Unlock()
	if out, code := run("apply", "-auto-approve"); code == 0 || !strings.Contains(out, "locked by ci@runner") || !strings.Contains(out, "held-by-ci") {
		t.Errorf("apply while locked: %d %s", code, out)
	}
	if out, code := run("force-unlock", "held-by-ci"); code != 0 {
		t.Errorf("force-unlock: %d %s", code, out)
	}
	// pull copies it back; an unrelated file is not overwritten.
	if out, code := run("state", "pull", "back.json"); code != 0 {
		t.Fatalf("pull: %s", out)
	}
	back, err := state.Load(filepath.Join(dir, "back.json"))
	if err != nil {
		t.Fatal(err)
	}
	if back.Lineage != local.Lineage || back.Serial != pushed.Serial {
		t.Errorf("pulled lineage %s serial %d, want %s %d", back.Lineage, back.Serial, local.Lineage, pushed.Serial)
	}
	if out, code := run("state", "pull", "other.json"); code == 0 || !strings.Contains(out, "holds another state") {
		t.Errorf("pull over an unrelated file: %d %s", code, out)
	}
	if out, code := run("state", "pull"); code != 0 || !strings.Contains(out, local.Lineage) {
		t.Errorf("pull to stdout: %d %s", code, out)
	}
}
