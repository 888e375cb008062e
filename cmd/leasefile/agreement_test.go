package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
)

// TestAvailabilityAgreement plans many random Leasefiles (one to three leases, often competing
// at one site) against a busy emulator (other projects' seeded calendar, a 5-minute cleaning
// gap, and every lease applied before) and applies each: a lease plan says fits must be
// created, one it says will fail must be refused by the emulator's Blazar. It reports the
// agreement rate, which must be 100%.
//
// Times are on whole hours and the seeded calendar starts a minute past, so no window ever
// touches a booking exactly: there the emulator (free when a booking ends exactly at the gap)
// and Chameleon's fork (busy, its overlap test includes both ends), which plan follows, differ.
func TestAvailabilityAgreement(t *testing.T) {
	inv := emulator.DefaultInventory()
	for i := range inv.Sites {
		inv.Sites[i].CleaningGapMinutes = 5
	}
	clock := emulator.NewFakeClock(scriptStart)
	srv, err := emulator.Start(emulator.Config{Clock: clock, Inventory: inv, StartDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.SeedOtherProjects(); err != nil {
		t.Fatal(err)
	}
	run := func(dir string, args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		a := newApp(strings.NewReader(""), &out, &errOut, func(k string) (string, bool) { return "", false })
		a.wd, a.clock, a.cloudsYAML = dir, clock, srv.CloudsYAML()
		a.after = func(d time.Duration) <-chan time.Time {
			ch := make(chan time.Time, 1)
			ch <- clock.Now()
			return ch
		}
		code := a.run(context.Background(), append([]string{"leasefile", "--no-color"}, args...))
		return out.String(), errOut.String(), code
	}
	rng := rand.New(rand.NewPCG(12, 2026))
	nodeTypes := map[string][]string{
		"CHI@UC":   {"compute_skylake", "compute_cascadelake_r", "storage_hierarchy", "gpu_rtx_6000", "gpu_a100_pcie"},
		"CHI@TACC": {"compute_skylake", "gpu_rtx_6000", "gpu_a100_pcie", "compute_arm64"},
	}
	const n = 100
	agree, fits, total := 0, 0, 0
	for i := 0; i < n; i++ {
		dir := t.TempDir()
		// One to three leases, usually at one site so that they compete.
		site := []string{"CHI@UC", "CHI@TACC", "CHI@Edge"}[rng.IntN(3)]
		k := 1 + rng.IntN(3)
		lf := "version: 1\nleases:\n"
		var keys []string
		for j := 0; j < k; j++ {
			if rng.IntN(4) == 0 {
				site = []string{"CHI@UC", "CHI@TACC", "CHI@Edge"}[rng.IntN(3)]
			}
			start := `"now"`
			if rng.IntN(3) > 0 {
				start = fmt.Sprintf("%q", scriptStart.Add(time.Duration(1+rng.IntN(120))*time.Hour).Format("2006-01-02 15:04"))
			}
			hours := 1 + rng.IntN(72)
			if rng.IntN(15) == 0 {
				hours = 8 * 24 // past the 7-day policy
			}
			var resv string
			switch {
			case site == "CHI@Edge":
				resv = fmt.Sprintf("{type: device, count: %d, machine_name: %s}", 1+rng.IntN(5), []string{"raspberrypi4-64", "jetson-nano"}[rng.IntN(2)])
			case rng.IntN(6) == 0:
				resv = "{type: network, network_name: net, physical_network: physnet1}"
			default:
				nt := nodeTypes[site][rng.IntN(len(nodeTypes[site]))]
				if rng.IntN(12) == 0 {
					nt = nt[:len(nt)-1] // a typo
				}
				resv = fmt.Sprintf("{type: node, count: %d, node_type: %s}", 1+rng.IntN(4), nt)
			}
			key := fmt.Sprintf("l%03d-%d", i, j)
			keys = append(keys, key)
			lf += fmt.Sprintf("  %s:\n    site: %s\n    start: %s\n    duration: %dh\n    wait: none\n    reservations:\n      r: %s\n",
				key, site, start, hours, resv)
		}
		if err := os.WriteFile(filepath.Join(dir, "Leasefile"), []byte(lf), 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := run(dir, "plan", "-allow-unavailable", "-json")
		if code != 0 {
			t.Fatalf("case %d: plan exit %d\n%s\n%s\n%s", i, code, lf, out, errOut)
		}
		var p struct {
			Changes []struct {
				Key          string   `json:"key"`
				Availability []string `json:"availability"`
			} `json:"changes"`
		}
		if err := json.Unmarshal([]byte(out), &p); err != nil || len(p.Changes) != k {
			t.Fatalf("case %d: plan -json: %v\n%s", i, err, out)
		}
		says := map[string]bool{}
		for _, ch := range p.Changes {
			ok := len(ch.Availability) > 0
			for _, v := range ch.Availability {
				if strings.Contains(v, "will fail") || strings.Contains(v, "unknown") {
					ok = false
				}
			}
			says[ch.Key] = ok
		}
		// One lease at a time, in the plan's order, as the plan counted them: apply's own
		// worker pool starts the creates in no fixed order, even with -parallelism 1.
		for _, key := range keys {
			applyOut, applyErr, _ := run(dir, "apply", "-auto-approve", "-target", key)
			total++
			accepted := strings.Contains(applyOut, "\n"+key+": created")
			if says[key] {
				fits++
			}
			if says[key] == accepted {
				agree++
				continue
			}
			t.Errorf("case %d, lease %s: plan says %v, apply created it: %v\n%s%s%s", i, key, says[key], accepted, lf, applyOut, applyErr)
		}
	}
	t.Logf("availability agreement: %d of %d leases in %d plans (%.0f%%), %d predicted to fit", agree, total, n, 100*float64(agree)/float64(total), fits)
}
