package main

import (
	"encoding/json"
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
	bin := filepath.Join(t.TempDir(), "leasefile")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
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
			srv, err := emulator.Start(emulator.Config{Latency: 40 * time.Millisecond, StartDelay: 2 * time.Second})
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
