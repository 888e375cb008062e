package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
)

// TestKillAndReapplyConverges kills `leasefile apply` (SIGKILL, no chance to clean up) at
// several points of its run, then applies again as a user would: every lease ends up
// created exactly once, and the next plan has nothing to do. DESIGN.md section 8.
func TestKillAndReapplyConverges(t *testing.T) {
	bin := buildLeasefile(t)
	const leases = 8
	var lf strings.Builder
	lf.WriteString("version: 1\ndefaults: {site: CHI@UC, duration: 1h}\nleases:\n")
	for i := range leases {
		fmt.Fprintf(&lf, "  l%d: {reservations: {ip: {type: floating_ip}}}\n", i)
	}
	// Kill points, each reached by watching the run rather than by timing it: before it has
	// done anything, once its first intents are saved, with some creates done and others in
	// flight, and while it waits for ACTIVE.
	points := []struct {
		name string
		when func(dir string, srv *emulator.Server) bool
	}{
		{"at start", func(string, *emulator.Server) bool { return true }},
		{"intents saved", func(dir string, _ *emulator.Server) bool {
			_, err := os.Stat(filepath.Join(dir, "leasefile.state.json"))
			return err == nil
		}},
		{"some created", func(_ string, srv *emulator.Server) bool { return len(srv.Leases("CHI@UC")) >= 3 }},
		{"waiting", func(_ string, srv *emulator.Server) bool { return len(srv.Leases("CHI@UC")) == leases }},
	}
	for _, point := range points {
		t.Run(point.name, func(t *testing.T) {
			// A short event poll: this test runs on the real clock.
			srv, err := emulator.Start(emulator.Config{Latency: 40 * time.Millisecond, StartDelay: 2 * time.Second, EventInterval: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			dir := t.TempDir()
			write := func(name, content string) {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			write("Leasefile", lf.String())
			write("clouds.yaml", string(srv.CloudsYAML()))
			env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "NO_COLOR=1", "OS_CLIENT_CONFIG_FILE=" + filepath.Join(dir, "clouds.yaml")}
			run := func(args ...string) (string, error) {
				cmd := exec.Command(bin, args...)
				cmd.Dir, cmd.Env = dir, env
				out, err := cmd.CombinedOutput()
				return string(out), err
			}

			killed := exec.Command(bin, "apply", "-auto-approve", "-parallelism", "2")
			killed.Dir, killed.Env = dir, env
			if err := killed.Start(); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(20 * time.Second); !point.when(dir, srv); time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("the run never reached %q", point.name)
				}
			}
			_ = killed.Process.Kill()
			_ = killed.Wait()

			// A killed run leaves its lock behind; the user releases it as the error says.
			if b, err := os.ReadFile(filepath.Join(dir, "leasefile.state.json.lock")); err == nil {
				var info struct{ ID string }
				if err := json.Unmarshal(b, &info); err == nil && info.ID != "" {
					if out, err := run("force-unlock", info.ID); err != nil {
						t.Fatalf("force-unlock: %v\n%s", err, out)
					}
				}
			}
			if out, err := run("apply", "-auto-approve"); err != nil {
				t.Fatalf("apply after the kill: %v\n%s", err, out)
			}
			names := map[string]int{}
			for _, l := range srv.Leases("CHI@UC") {
				names[l.Name]++
			}
			for i := range leases {
				if n := names[fmt.Sprintf("l%d", i)]; n != 1 {
					t.Errorf("lease l%d exists %d times in Blazar, want exactly once (all: %v)", i, n, names)
				}
			}
			if len(names) != leases {
				t.Errorf("Blazar holds leases %v, want exactly l0..l%d", names, leases-1)
			}
			if out, err := run("plan", "-detailed-exitcode"); err != nil || !strings.Contains(out, "No changes.") {
				t.Errorf("plan after convergence: %v\n%s", err, out)
			}
		})
	}
}

// TestInterruptDuringWait sends SIGINT while apply waits for ACTIVE: calls in flight finish,
// the state is saved with every lease, the lock is released, and the exit status is 130.
func TestInterruptDuringWait(t *testing.T) {
	bin := buildLeasefile(t)
	srv, err := emulator.Start(emulator.Config{StartDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	lf := "version: 1\ndefaults: {site: CHI@UC, duration: 2h}\nleases:\n  a: {reservations: {ip: {type: floating_ip}}}\n  b: {reservations: {ip: {type: floating_ip}}}\n"
	for name, content := range map[string]string{"Leasefile": lf, "clouds.yaml": string(srv.CloudsYAML())} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "apply", "-auto-approve")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "NO_COLOR=1", "OS_CLIENT_CONFIG_FILE=" + filepath.Join(dir, "clouds.yaml")}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); len(srv.Leases("CHI@UC")) < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("apply never created both leases:\n%s", out.String())
		}
	}
	time.Sleep(200 * time.Millisecond) // into the wait phase: StartDelay keeps them STARTING
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted {
		t.Fatalf("apply after SIGINT: %v, want exit status %d\n%s", err, exitInterrupted, out.String())
	}
	if !strings.Contains(out.String(), "interrupted: what was done is saved in the state") {
		t.Errorf("no interrupt message:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "leasefile.state.json.lock")); err == nil {
		t.Error("the state lock is still held after the interrupt")
	}
	st, err := os.ReadFile(filepath.Join(dir, "leasefile.state.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range srv.Leases("CHI@UC") {
		if !strings.Contains(string(st), l.ID) {
			t.Errorf("lease %s (%s) is in Blazar but not in the saved state", l.Name, l.ID)
		}
	}
}

// buildLeasefile builds the command into a temporary directory, for tests that need it as a
// process of its own (signals, SIGKILL, start-up time), linked as a release is (releaseEnv):
// the process benchmarks measure the binary users run.
func buildLeasefile(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "leasefile")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = releaseEnv()
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
