package reliability

import (
	"flag"
	"os"
	"testing"
	"time"
)

var (
	flagTrials = flag.Int("trials", 0, "crash trials (default 50, 16 with -short)")
	flagBin    = flag.String("bin", "", "a built leasefile binary (default: build one)")
)

func harness(t *testing.T) *Harness {
	t.Helper()
	bin := *flagBin
	if bin == "" {
		var err error
		if bin, err = Build("..", t.TempDir()); err != nil {
			t.Fatal(err)
		}
	}
	n := *flagTrials
	if n == 0 {
		n = 50
	}
	return New(Config{Bin: bin, Root: t.TempDir(), CrashTrials: n, Workers: 4, Latency: 20 * time.Millisecond,
		Seed: uint64(time.Now().UnixNano()), HostileDirs: []string{"testdata/hostile", "../spec/testdata/hostile"},
		Progress: func(tr *Trial) {
			t.Logf("%s: converged %d kills %d insave %d unlock %d; %v", tr.Name, tr.Converged, tr.Kills, tr.KillsInSave, tr.LocksReleased, tr.Findings)
		}})
}

func TestCrashOnly(t *testing.T) {
	h := harness(t)
	h.Crash()
	_ = os.Stdout
}

func TestFaultsOnly(t *testing.T) {
	h := harness(t)
	for _, tr := range h.Faults() {
		t.Logf("faults %d retries %d", tr.Faults, tr.Retries)
	}
}

func TestContentionOnly(t *testing.T) {
	h := harness(t)
	h.cfg.Repeat = 3
	for _, tr := range h.Contention() {
		t.Logf("%s %v", tr.Name, tr.Findings)
	}
}

func TestHostileOnly(t *testing.T) {
	h := harness(t)
	for _, tr := range h.Hostile() {
		t.Logf("%s rss=%dMB %v", tr.Name, tr.MaxRSSKB>>10, tr.Findings)
	}
}
