package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
)

// testWorld runs commands' run functions in-process against an emulator on a fake clock, as
// the scripts do, for their table tests.
type testWorld struct {
	t           *testing.T
	srv         *emulator.Server
	clock       *emulator.FakeClock
	dir         string
	out, errOut bytes.Buffer
}

func newTestWorld(t *testing.T, leasefile string) *testWorld {
	t.Helper()
	clock := emulator.NewFakeClock(scriptStart)
	srv, err := emulator.Start(emulator.Config{Clock: clock, StartDelay: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	w := &testWorld{t: t, srv: srv, clock: clock, dir: t.TempDir()}
	w.write("Leasefile", leasefile)
	return w
}

func (w *testWorld) write(name, data string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, name), []byte(data), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// app is a new invocation, its output in w.out and w.errOut (emptied).
func (w *testWorld) app() *app {
	w.out.Reset()
	w.errOut.Reset()
	a := newApp(strings.NewReader(""), &w.out, &w.errOut, func(k string) (string, bool) {
		if k == "NO_COLOR" {
			return "1", true
		}
		return "", false
	})
	a.wd = w.dir
	a.clock = w.clock
	a.after = func(d time.Duration) <-chan time.Time {
		w.clock.Advance(d)
		ch := make(chan time.Time, 1)
		ch <- w.clock.Now()
		return ch
	}
	a.cloudsYAML = w.srv.CloudsYAML()
	return a
}

// leasefile runs a whole command line and fails the test when it does not exit 0.
func (w *testWorld) leasefile(args ...string) string {
	w.t.Helper()
	if code := w.app().run(context.Background(), append([]string{"leasefile"}, args...)); code != exitOK {
		w.t.Fatalf("leasefile %s: exit %d\n%s%s", strings.Join(args, " "), code, w.out.String(), w.errOut.String())
	}
	return w.out.String()
}

// leaseID is the ID of the emulator's lease named name at CHI@UC.
func (w *testWorld) leaseID(name string) string {
	w.t.Helper()
	for _, l := range w.srv.Emulator.Leases("CHI@UC") {
		if l.Name == name {
			return l.ID
		}
	}
	w.t.Fatalf("no lease %s in the emulator", name)
	return ""
}

// errorText is err as the user sees it: the message, then the remedy.
func errorText(err error) string {
	if err == nil {
		return ""
	}
	var b bytes.Buffer
	(&ui{stderr: &b}).report(err)
	return b.String()
}
