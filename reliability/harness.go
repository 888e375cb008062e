package reliability

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
)

// Config sizes a run of the campaigns.
type Config struct {
	Bin         string        // the built leasefile binary
	Root        string        // temporary directory for every trial
	CrashTrials int           // crash campaign trials (the CI-sized run has 50)
	Repeat      int           // how many times each fault and contention scenario runs (1 in CI)
	Workers     int           // trials at once (each has its own emulator)
	Latency     time.Duration // the emulator's --latency
	Seed        uint64        // for kill points and delays; printed so a run can be replayed
	HostileDirs []string      // directories of *.yaml hostile Leasefiles
	Short       bool          // fewer scenarios, for a quick local check
	// Progress, when set, is called after every trial.
	Progress func(*Trial)
}

// Harness runs the campaigns of one Config.
type Harness struct {
	cfg Config
	mu  sync.Mutex
	rng *rand.Rand
	seq int
}

// New returns a Harness for cfg.
func New(cfg Config) *Harness {
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.Repeat <= 0 {
		cfg.Repeat = 1
	}
	return &Harness{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))}
}

// Build builds the leasefile command from the module at modRoot into dir.
func Build(modRoot, dir string) (string, error) {
	bin := filepath.Join(dir, "leasefile")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/leasefile")
	cmd.Dir = modRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// intn draws from the harness's seeded source (safe for concurrent trials).
func (h *Harness) intn(n int) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rng.IntN(n)
}

// Fixture is one trial's directory, emulator and runner.
type Fixture struct {
	Dir    string
	Prefix string
	Emu    *Emulator
	Run    *Runner
}

// fixture makes a directory and serves an emulator for one trial. The prefix names the
// trial's leases, so a lease of ours is told apart from any other.
func (h *Harness) fixture(t *Trial, emuFlags ...string) (*Fixture, error) {
	h.mu.Lock()
	h.seq++
	n := h.seq
	h.mu.Unlock()
	dir := filepath.Join(h.cfg.Root, fmt.Sprintf("%s-%03d", t.Campaign, n))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	flags := []string{"--latency", h.cfg.Latency.String()}
	if !slices.Contains(emuFlags, "--start-delay") {
		// Leases start at once: no STARTING delay, and no wait for the manager's event poll.
		flags = append(flags, "--start-delay", "-1s", "--event-interval", "-1s")
	}
	flags = append(flags, emuFlags...)
	emu, err := StartEmulator(h.cfg.Bin, dir, flags...)
	if err != nil {
		return nil, err
	}
	env := append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "NO_COLOR=1"}, emu.Env...)
	return &Fixture{Dir: dir, Prefix: fmt.Sprintf("r%03d-", n), Emu: emu,
		Run: &Runner{Bin: h.cfg.Bin, Dir: dir, Env: env, Timeout: 90 * time.Second}}, nil
}

// close stops the emulator; a panic it logged counts against the trial.
func (f *Fixture) close(t *Trial) {
	if out := f.Emu.Stop(); strings.Contains(out, "panic") {
		t.Panics++
		t.find("the emulator logged a panic: %s", lastLines(out, 3))
	}
}

// Leasefile is a Leasefile of n floating-IP leases named prefix + "l0".. (the wait mode and
// the duration as given), and the Blazar names they get.
func Leasefile(prefix string, n int, wait, duration string) (string, []string) {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nname_prefix: %s\ndefaults: {site: CHI@UC, duration: %s}\nleases:\n", prefix, duration)
	var names []string
	for i := range n {
		fmt.Fprintf(&b, "  l%d:\n    wait: %s\n    reservations: {ip: {type: floating_ip}}\n", i, wait)
		names = append(names, fmt.Sprintf("%sl%d", prefix, i))
	}
	return b.String(), names
}

// each runs f for trials 0..n-1 on the configured number of workers and returns the trials
// in order.
func (h *Harness) each(n int, f func(i int) *Trial) []*Trial {
	out := make([]*Trial, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(h.cfg.Workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = f(i)
				if h.cfg.Progress != nil {
					h.cfg.Progress(out[i])
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// setupFailed turns a harness error (no emulator, no directory) into a finding, so that it
// shows instead of passing silently.
func setupFailed(t *Trial, err error) *Trial {
	t.find("harness setup: %v", err)
	return t.done()
}

// inventory writes the emulator's default inventory with the demo user's password and the
// demo application credential's secret replaced, outside every trial directory (the file
// holds them, so it must not be among the files the secrets scan reads), and returns its path.
func (h *Harness) inventory(password, appCredSecret string) (string, error) {
	inv := emulator.DefaultInventory()
	for i := range inv.Users {
		if inv.Users[i].Name == emulator.DemoUser {
			inv.Users[i].Password = password
		}
	}
	for i := range inv.AppCreds {
		if inv.AppCreds[i].ID == emulator.DemoAppCredID {
			inv.AppCreds[i].Secret = appCredSecret
		}
	}
	b, err := json.Marshal(inv)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(h.cfg.Root, "private")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, "inventory-*.json")
	if err != nil {
		return "", err
	}
	defer f.Close()
	_, err = f.Write(b)
	return f.Name(), err
}

// Run runs every campaign, in order: crash, faults, contention, hostile, secrets.
func (h *Harness) Run() []Campaign {
	return []Campaign{
		{"crash", h.Crash()},
		{"faults", h.Faults()},
		{"contention", h.Contention()},
		{"hostile", h.Hostile()},
		{"secrets", h.Secrets()},
	}
}
