package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/chameleoncloud/leasefile/state/swift"
)

// teamLeasefile is an experiment repo's Leasefile with its state in Swift at CHI@UC.
const teamLeasefile = `version: 1
name_prefix: team-
state: {backend: swift, site: CHI@UC, container: leasefile-state, key: exp42}
defaults:
  site: CHI@UC
  duration: 6h
leases:
%s`

func teamLeases(keys ...string) string {
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s:\n    reservations:\n      nodes: {type: node, count: 1, node_type: compute_skylake}\n", k)
	}
	return fmt.Sprintf(teamLeasefile, b.String())
}

// TestSwiftTeamRunsConverge is the team workflow of issue 11: two CI-like runs from two fresh
// clones of one repo share a state in a real Swift (reached through the emulator's catalog,
// as on Chameleon). Whichever order they run in and whether or not they overlap, they end
// with one lease per key and a state that records every one of them.
func TestSwiftTeamRunsConverge(t *testing.T) {
	base := os.Getenv("LEASEFILE_SWIFT_URL")
	if base == "" {
		t.Skip("LEASEFILE_SWIFT_URL is not set: run make swift-test, which starts a Swift on loopback with scripts/swift.sh")
	}
	account := strings.TrimSuffix(base, "/") + "/AUTH_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	srv, err := emulator.Start(emulator.Config{StartDelay: -1, ObjectStore: map[string]string{"CHI@UC": account}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	testOnlySwiftOptions = &swift.Options{PollInterval: 200 * time.Millisecond}
	defer func() { testOnlySwiftOptions = nil }()

	clone := func() string { return t.TempDir() }
	ci := func(dir string) (string, error) {
		var out bytes.Buffer
		a := newApp(strings.NewReader(""), &out, &out, func(string) (string, bool) { return "", false })
		a.wd = dir
		a.cloudsYAML = srv.CloudsYAML()
		if code := a.run(context.Background(), []string{"leasefile", "apply", "-auto-approve", "-lock-timeout", "3m", "-timeout", "2m"}); code != 0 {
			return out.String(), fmt.Errorf("exit status %d", code)
		}
		return out.String(), nil
	}
	both := func(keys []string, overlap, bFirst bool) {
		t.Helper()
		a, b := clone(), clone()
		for _, d := range []string{a, b} {
			if err := os.WriteFile(filepath.Join(d, "Leasefile"), []byte(teamLeases(keys...)), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		order := []string{a, b}
		if bFirst {
			order = []string{b, a}
		}
		outs := make([]string, 2)
		errs := make([]error, 2)
		if overlap {
			var wg sync.WaitGroup
			for i, d := range order {
				wg.Add(1)
				go func() { defer wg.Done(); outs[i], errs[i] = ci(d) }()
			}
			wg.Wait()
		} else {
			for i, d := range order {
				outs[i], errs[i] = ci(d)
			}
		}
		for i := range order {
			if errs[i] != nil {
				t.Fatalf("run %d (overlap %v): %v\n%s", i, overlap, errs[i], outs[i])
			}
		}
		checkConverged(t, srv, keys, order[0])
	}
	both([]string{"train"}, true, false)
	both([]string{"train", "eval"}, false, false)
	both([]string{"train", "eval", "serve"}, false, true)
	both([]string{"train", "eval", "serve", "batch"}, true, true)
}

// checkConverged checks that Blazar has exactly one lease per key and that the shared state
// records each of them.
func checkConverged(t *testing.T, srv *emulator.Server, keys []string, dir string) {
	t.Helper()
	names := map[string]int{}
	ids := map[string]string{}
	for _, l := range srv.Leases("CHI@UC") {
		names[l.Name]++
		ids[l.Name] = l.ID
	}
	var out bytes.Buffer
	a := newApp(strings.NewReader(""), &out, &out, func(string) (string, bool) { return "", false })
	a.wd = dir
	a.cloudsYAML = srv.CloudsYAML()
	if code := a.run(context.Background(), []string{"leasefile", "show", "-json"}); code != 0 {
		t.Fatalf("show: %s", out.String())
	}
	got := out.String()
	for _, k := range keys {
		if n := names["team-"+k]; n != 1 {
			t.Errorf("lease team-%s exists %d times in Blazar, want once", k, n)
		}
		if id := ids["team-"+k]; !strings.Contains(got, id) {
			t.Errorf("the shared state lacks lease %s (%s):\n%s", k, id, got)
		}
	}
	if diff := cmp.Diff(len(keys), len(names)); diff != "" {
		t.Errorf("leases in Blazar (-want +got):\n%s\n%v", diff, names)
	}
}
