package reliability

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	flagTrials  = flag.Int("trials", 0, "crash trials (default 50, the CI-sized run; 16 with -short)")
	flagRepeat  = flag.Int("repeat", 1, "runs of each fault and contention scenario")
	flagWorkers = flag.Int("workers", 4, "trials at once (each has its own emulator)")
	flagSeed    = flag.Uint64("seed", 0, "seed of kill points and delays (default: from the clock)")
	flagBin     = flag.String("bin", "", "a built leasefile binary (default: build one)")
	flagDoc     = flag.String("doc", "", "write the report to this Markdown file (make reliability: docs/reliability.md)")
	flagStrict  = flag.Bool("strict", false, "fail on findings marked known too")
)

// built is the leasefile binary the tests share, built once by TestMain unless -bin names one.
var built string

func TestMain(m *testing.M) {
	flag.Parse()
	built = *flagBin
	if built == "" {
		dir, err := os.MkdirTemp("", "reliability-bin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if built, err = Build("..", dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	if *flagBin == "" {
		os.RemoveAll(filepath.Dir(built))
	}
	os.Exit(code)
}

func newHarness(t *testing.T) *Harness {
	t.Helper()
	bin := built
	trials := *flagTrials
	if trials == 0 {
		trials = 50
		if testing.Short() {
			trials = 16
		}
	}
	seed := *flagSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	return New(Config{Bin: bin, Root: t.TempDir(), CrashTrials: trials, Repeat: *flagRepeat, Workers: *flagWorkers,
		Latency: 20 * time.Millisecond, Seed: seed, Short: testing.Short(),
		HostileDirs: []string{"testdata/hostile", "../spec/testdata/hostile"},
		Progress: func(tr *Trial) {
			if testing.Verbose() {
				t.Logf("%s / %s: %d of %d converged, %d findings", tr.Campaign, tr.Name, tr.Converged, tr.Trials, len(tr.Findings))
			}
		}})
}

// TestReliability runs the campaigns (the CI-sized run by default; make reliability runs
// more and writes docs/reliability.md) and fails on every finding that no issue item
// explains, or on all of them with -strict.
func TestReliability(t *testing.T) {
	h := newHarness(t)
	started := time.Now()
	rep := Summarize(h.cfg, started, h.Run())
	t.Logf("seed %d, %s\n%s", h.cfg.Seed, rep.Machine, rep.Table())
	for _, f := range rep.Findings {
		t.Log(f)
	}
	for _, n := range rep.Notes {
		t.Log("note: " + n)
	}
	if *flagDoc != "" {
		cmd := "make reliability"
		if err := os.WriteFile(*flagDoc, []byte(rep.Markdown(cmd)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The campaign must do what it says: most of its runs killed mid-run.
	if rep.Total.Kills < h.cfg.CrashTrials/2 {
		t.Errorf("only %d of %d crash trials killed their run mid-run", rep.Total.Kills, h.cfg.CrashTrials)
	}
	bad := rep.Unexplained()
	if *flagStrict {
		bad = rep.Findings
	}
	for _, f := range bad {
		t.Errorf("%s", f)
	}
}

// TestChecksCountBrokenOutcomes feeds the checks outcomes made broken on purpose and sees
// each counted: a duplicate and an orphan created behind leasefile's back, a lease missing,
// a corrupt state, a hang, a panic, a secret in output, faults and retries in a trace.
func TestChecksCountBrokenOutcomes(t *testing.T) {
	h := newHarness(t)
	tr := newTrial("self-test", "broken on purpose")
	f, err := h.fixture(tr)
	if err != nil {
		t.Fatal(err)
	}
	defer f.close(tr)
	lf, names := Leasefile(f.Prefix, 2, "created", "1h")
	if err := writeFile(f.Dir, "Leasefile", lf); err != nil {
		t.Fatal(err)
	}
	if r := f.Run.Run("apply", "-auto-approve"); r.Exit != 0 {
		t.Fatal(r.Short())
	}
	// A clean outcome counts nothing.
	clean := newTrial("self-test", "clean")
	Check(clean, f.Run, f.Emu, Want{Prefix: f.Prefix, Names: names})
	if clean.done(); clean.Converged != 1 || clean.bad() != 0 {
		t.Fatalf("a clean outcome was counted: %+v %v", clean.Counts, clean.Findings)
	}

	if err := f.Emu.CreateBehindBack(names[0]); err != nil {
		t.Fatal(err)
	}
	dup := newTrial("self-test", "duplicate")
	Check(dup, f.Run, f.Emu, Want{Prefix: f.Prefix, Names: append(names, f.Prefix+"never-created")})
	dup.done()
	if dup.Duplicates != 1 || dup.Orphans != 1 || dup.Missing != 1 || dup.Converged != 0 {
		t.Errorf("duplicate + orphan + missing: counted %+v, want 1 duplicate, 1 orphan, 1 missing, not converged", dup.Counts)
	}

	if err := writeFile(f.Dir, "leasefile.state.json", `{"format_version": 1, "leases": {`); err != nil {
		t.Fatal(err)
	}
	corrupt := newTrial("self-test", "corrupt")
	Check(corrupt, f.Run, f.Emu, Want{Prefix: f.Prefix, Names: names})
	if corrupt.Corrupt != 1 {
		t.Errorf("corrupt state: counted %+v, want 1 corrupt", corrupt.Counts)
	}

	hang := newTrial("self-test", "hang")
	slow := *f.Run
	slow.Timeout = 300 * time.Millisecond
	hang.observe(slow.Run("emulator", "serve"))
	if hang.Hangs != 1 {
		t.Errorf("a run past its deadline: counted %+v, want 1 hang", hang.Counts)
	}

	panicked := newTrial("self-test", "panic")
	panicked.observe(&Result{Stderr: "panic: runtime error: index out of range\n\ngoroutine 1 [running]:\n"})
	panicked.observe(&Result{Stderr: "fatal error: out of memory\n"})
	if panicked.Panics != 2 {
		t.Errorf("panics: counted %+v, want 2", panicked.Counts)
	}

	leak := newTrial("self-test", "secret")
	secretSet{"OS_PASSWORD": "pw-123456"}.scan(leak, "stdout", "name: x-pw-123456-y\nX-Auth-Token: gAAAAA"+strings.Repeat("x", 60))
	if leak.Secrets != 2 {
		t.Errorf("a password and a token in output: counted %+v, want 2 secrets", leak.Counts)
	}

	trace := "> GET http://h/chi-uc/reservation/v1/leases\n< 503 Service Unavailable (1ms)\n\n" +
		"> GET http://h/chi-uc/reservation/v1/leases\n< 200 OK (1ms)\n\n" +
		"> POST http://h/chi-uc/reservation/v1/leases\n< error after 2ms: EOF\n\n"
	if faults, retries := traceStats(trace); faults != 2 || retries != 1 {
		t.Errorf("trace: %d faults, %d retries; want 2 faults, 1 retry", faults, retries)
	}
}
