package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/chameleoncloud/leasefile/plan"
	"github.com/google/uuid"
)

// The plan benchmark's world (DESIGN.md §7): 1,000 declared leases, all created by a real
// `leasefile apply` and tracked in the state, among 10,000 live leases of the project over
// the three sites (the other 9,000 are older leases of the same project).
const (
	benchDeclared = 1000
	benchLive     = 10000
)

var benchClockStart = time.Date(2027, 1, 1, 8, 0, 0, 0, time.UTC)

var benchSites = []string{"CHI@UC", "CHI@TACC", "CHI@Edge"}

// benchLeasefile declares n leases spread over the three sites, each in its own two-hour
// window so that the inventory never runs out: nodes (every fourth with a floating IP) at
// the bare-metal sites, a device at CHI@Edge.
func benchLeasefile(n int) []byte {
	var b strings.Builder
	b.WriteString("version: 1\nname_prefix: bench-\nleases:\n")
	for i := range n {
		site := benchSites[i%3]
		start := benchClockStart.Add(72*time.Hour + time.Duration(i/3)*2*time.Hour)
		fmt.Fprintf(&b, "  l%04d:\n    site: %s\n    start: %q\n    duration: 1h\n    reservations:\n",
			i, site, start.Format("2006-01-02 15:04"))
		if site == "CHI@Edge" {
			b.WriteString("      boards:\n        type: device\n        count: 1\n        machine_name: raspberrypi4-64\n")
			continue
		}
		b.WriteString("      nodes:\n        type: node\n        count: 1\n        node_type: compute_skylake\n")
		if i%4 == 0 {
			b.WriteString("      ip:\n        type: floating_ip\n")
		}
	}
	return []byte(b.String())
}

// benchWorld is the seeded data, built once per test binary: the Leasefile, the state the
// apply wrote, and the emulator's data file with all 10,000 leases.
type benchWorld struct {
	leasefile, state, emuData []byte
	applied                   []byte    // the data file right after the apply: the 1,000 only
	now                       time.Time // the emulator's clock after the apply
	url                       string    // the emulator's URL the state records
	took                      time.Duration
}

var (
	benchOnce sync.Once
	benchData benchWorld
	benchErr  error
)

// benchApp is an in-process CLI on the emulator's clouds and clock, as the scripts use.
func benchApp(srv *emulator.Server, clock *emulator.FakeClock, dir string, stdout io.Writer) *app {
	a := newApp(strings.NewReader(""), stdout, stdout, func(k string) (string, bool) {
		if k == "NO_COLOR" {
			return "1", true
		}
		return "", false
	})
	a.wd = dir
	a.clock = clock
	a.after = func(d time.Duration) <-chan time.Time {
		clock.Advance(d)
		ch := make(chan time.Time, 1)
		ch <- clock.Now()
		return ch
	}
	a.cloudsYAML = srv.CloudsYAML()
	return a
}

// seedBenchWorld applies the 1,000 leases for real (so the state is what leasefile itself
// writes), then adds 9,000 older leases of the same project straight into the emulator's
// data file: creating them over HTTP would only slow the setup down.
func seedBenchWorld() (benchWorld, error) {
	dir, err := os.MkdirTemp("", "leasefile-bench-")
	if err != nil {
		return benchWorld{}, err
	}
	defer os.RemoveAll(dir)
	w := benchWorld{leasefile: benchLeasefile(benchDeclared)}
	if err := os.WriteFile(filepath.Join(dir, "Leasefile"), w.leasefile, 0o600); err != nil {
		return w, err
	}
	clock := emulator.NewFakeClock(benchClockStart)
	data := filepath.Join(dir, "emu.json")
	srv, err := emulator.Start(emulator.Config{Clock: clock, DataFile: data})
	if err != nil {
		return w, err
	}
	var out bytes.Buffer
	a := benchApp(srv, clock, dir, &out)
	code := a.run(context.Background(), []string{"leasefile", "apply", "-auto-approve"})
	if err := srv.Close(); err != nil {
		return w, err
	}
	if code != exitOK {
		return w, fmt.Errorf("seed apply: exit %d:\n%s", code, tail(out.String(), 2000))
	}
	w.now, w.url = clock.Now(), srv.URL
	if w.state, err = os.ReadFile(filepath.Join(dir, "leasefile.state.json")); err != nil {
		return w, err
	}
	raw, err := os.ReadFile(data)
	if err != nil {
		return w, err
	}
	w.applied = raw
	w.emuData, err = addOlderLeases(raw, benchLive)
	return w, err
}

// addOlderLeases adds to an emulator data file older copies of its leases, up to total
// leases in all. The copies keep the applied leases' shape (reservations, allocations,
// events) with new IDs and names, a year or more earlier, so they are TERMINATED and
// collide with nothing. The JSON is edited as generic maps so that every field the emulator
// stores survives untouched.
func addOlderLeases(raw []byte, total int) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	sites, _ := doc["sites"].(map[string]any)
	var names []string
	have := 0
	for name, ls := range sites {
		names = append(names, name)
		have += len(ls.([]any))
	}
	sort.Strings(names)
	if have == 0 {
		return nil, fmt.Errorf("no applied leases in the data file")
	}
	shift := func(m map[string]any, key string, d time.Duration) error {
		s, ok := m[key].(string)
		if !ok {
			return nil
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		m[key] = t.Add(d).Format(time.RFC3339Nano)
		return nil
	}
	originals := map[string][]any{}
	for _, name := range names {
		originals[name] = sites[name].([]any)
	}
	copies := 0
	for round := 1; have+copies < total; round++ {
		d := -time.Duration(round) * 400 * 24 * time.Hour
		for _, name := range names {
			ls := sites[name].([]any)
			for _, x := range originals[name] {
				if have+copies >= total {
					break
				}
				c, err := deepCopy(x)
				if err != nil {
					return nil, err
				}
				l := c.(map[string]any)
				l["id"] = uuid.NewString()
				l["name"] = fmt.Sprintf("%s-old%d", l["name"], round)
				for _, k := range []string{"start", "end", "created_at", "updated_at"} {
					if err := shift(l, k, d); err != nil {
						return nil, err
					}
				}
				for _, r := range asList(l["reservations"]) {
					r["id"] = uuid.NewString()
					_ = shift(r, "created_at", d)
					_ = shift(r, "updated_at", d)
				}
				for _, ev := range asList(l["events"]) {
					ev["id"] = uuid.NewString()
					_ = shift(ev, "time", d)
					_ = shift(ev, "created_at", d)
					_ = shift(ev, "updated_at", d)
				}
				ls = append(ls, l)
				copies++
			}
			sites[name] = ls
		}
	}
	return json.Marshal(doc)
}

func asList(v any) []map[string]any {
	var out []map[string]any
	for _, x := range v.([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

func deepCopy(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var c any
	return c, json.Unmarshal(b, &c)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// benchEnv is one benchmark's emulator, loaded from the seeded data file, and a directory
// holding the Leasefile and the state.
type benchEnv struct {
	srv   *emulator.Server
	clock *emulator.FakeClock
	dir   string
}

// seededWorld is the seeded world, built once per test binary.
func seededWorld(b *testing.B) benchWorld {
	b.Helper()
	benchOnce.Do(func() {
		start := time.Now()
		benchData, benchErr = seedBenchWorld()
		benchData.took = time.Since(start)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchData
}

func newBenchEnv(b *testing.B, latency time.Duration) *benchEnv {
	b.Helper()
	benchOnce.Do(func() {
		start := time.Now()
		benchData, benchErr = seedBenchWorld()
		benchData.took = time.Since(start)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	b.Logf("seeding took %v", benchData.took.Round(time.Millisecond))
	dir := b.TempDir()
	data := filepath.Join(dir, "emu.json")
	if err := os.WriteFile(data, benchData.emuData, 0o600); err != nil {
		b.Fatal(err)
	}
	clock := emulator.NewFakeClock(benchData.now)
	srv, err := emulator.Start(emulator.Config{Clock: clock, DataFile: data, Latency: latency})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	// The state records each site's auth URL, port included: point it at this emulator.
	st := bytes.ReplaceAll(benchData.state, []byte(benchData.url+"/"), []byte(srv.URL+"/"))
	for name, data := range map[string][]byte{"Leasefile": benchData.leasefile, "leasefile.state.json": st} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	n := 0
	for _, site := range srv.Sites() {
		n += len(srv.Leases(site))
	}
	if n != benchLive {
		b.Fatalf("emulator holds %d leases, want %d", n, benchLive)
	}
	return &benchEnv{srv: srv, clock: clock, dir: dir}
}

// lists is how many lease-list calls each site has answered so far.
func (e *benchEnv) lists() map[string]int {
	out := map[string]int{}
	for _, site := range e.srv.Sites() {
		out[site] = e.srv.Calls(site, "list")
	}
	return out
}

// gets is how many single-lease GETs all sites have answered so far.
func (e *benchEnv) gets() int {
	n := 0
	for _, site := range e.srv.Sites() {
		n += e.srv.Calls(site, "get")
	}
	return n
}

// peakHeap samples the live heap every millisecond until stop is closed, and sends the
// highest value seen. runtime/metrics reads it without stopping the world.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	res := make(chan uint64, 1)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak {
				peak = v
			}
			select {
			case <-stop:
				res <- peak
				return
			case <-t.C:
			}
		}
	}()
	return res
}

// planOnePerLease is the baseline: the same plan, but each tracked lease fetched with its
// own GET, one after the other, the way python-chi's get_lease or `openstack reservation
// lease show` is called once per lease.
func planOnePerLease(ctx context.Context, a *app) (*plan.Plan, error) {
	s, err := a.openSession(ctx, specRequired)
	if err != nil {
		return nil, err
	}
	defer s.close()
	if err := s.connect(ctx, s.siteNames()); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(s.state.Leases))
	for k := range s.state.Leases {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	live := map[string][]leases.Lease{}
	for _, k := range keys {
		st := s.state.Leases[k]
		l, err := leases.Get(ctx, s.sites[st.Site].Reservation, st.ID).Extract()
		if err != nil {
			return nil, fmt.Errorf("get %s: %w", k, err)
		}
		live[st.Site] = append(live[st.Site], *l)
	}
	p, err := plan.Build(plan.Input{Spec: s.spec, State: s.state, StateExisted: s.existed, Live: live,
		Identity: s.identities(), Now: a.now(), LeasefileHash: s.specHash})
	if err != nil {
		return nil, err
	}
	return p, a.renderPlan(p, "text", false)
}

// BenchmarkPlan1000 runs `leasefile plan` in-process, over HTTP against the emulator, for
// 1,000 declared and applied leases among 10,000 live ones on 3 sites (DESIGN.md §7: one
// lease-list call per site, under 1 s, under 200 MB). The baseline builds the same plan
// from 1,000 sequential GETs. Metrics: s/plan and s/one-at-a-time wall time, their ratio
// (speedup), lists/site, and peak-heap-MB, the live heap's high-water mark during a plan;
// the emulator runs in the same process, so that figure includes its 10,000 leases and the
// list responses it renders: an upper bound on leasefile's own memory.
func BenchmarkPlan1000(b *testing.B) { benchPlan(b, 0) }

// BenchmarkPlan1000Latency20ms is BenchmarkPlan1000 with every emulator answer 20 ms late,
// closer to a real site over the Internet, where the per-lease GETs of the baseline add up.
func BenchmarkPlan1000Latency20ms(b *testing.B) { benchPlan(b, 20*time.Millisecond) }

func benchPlan(b *testing.B, latency time.Duration) {
	e := newBenchEnv(b, latency)
	ctx := context.Background()
	var out bytes.Buffer
	b.ReportAllocs()
	b.ResetTimer()
	var ours, base time.Duration
	var peak, peakBase uint64
	gets := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		out.Reset()
		a := benchApp(e.srv, e.clock, e.dir, &out)
		before := e.lists()
		runtime.GC()
		stop := make(chan struct{})
		heap := peakHeap(stop)
		b.StartTimer()
		start := time.Now()
		code := a.run(ctx, []string{"leasefile", "plan"})
		ours += time.Since(start)
		b.StopTimer()
		close(stop)
		peak = max(peak, <-heap)
		if code != exitOK || !strings.Contains(out.String(), "No changes.") {
			b.Fatalf("plan: exit %d, want no changes:\n%s", code, tail(out.String(), 2000))
		}
		after := e.lists()
		for _, site := range benchSites { // the emulator's other sites are not the Leasefile's
			if d := after[site] - before[site]; d != 1 {
				b.Fatalf("%s answered %d lease-list calls for one plan, want 1", site, d)
			}
		}

		out.Reset()
		a = benchApp(e.srv, e.clock, e.dir, &out)
		getsBefore := e.gets()
		runtime.GC()
		stop = make(chan struct{})
		heap = peakHeap(stop)
		start = time.Now()
		p, err := planOnePerLease(ctx, a)
		base += time.Since(start)
		close(stop)
		peakBase = max(peakBase, <-heap)
		if err != nil || p.HasChanges() {
			b.Fatalf("one-at-a-time plan: %v (changes: %v)", err, p != nil && p.HasChanges())
		}
		gets = e.gets() - getsBefore
		b.StartTimer()
	}
	b.ReportMetric(1, "lists/site") // checked above: exactly one per site per plan
	b.ReportMetric(float64(gets), "gets/one-at-a-time")
	b.ReportMetric(float64(peakBase)/(1<<20), "peak-heap-MB-one-at-a-time")
	b.ReportMetric(ours.Seconds()/float64(b.N), "s/plan")
	b.ReportMetric(base.Seconds()/float64(b.N), "s/one-at-a-time")
	b.ReportMetric(base.Seconds()/ours.Seconds(), "speedup")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// BenchmarkVersion builds the binary once and measures how long `leasefile version` takes
// as a process, start to exit (DESIGN.md §7: under 30 ms). The baseline is the openstack
// CLI's own start-up (`openstack --version`), which every one-lease-at-a-time command pays
// again; it is reported when that CLI is installed, from at most 3 runs as it is slow.
func BenchmarkVersion(b *testing.B) {
	bin := buildLeasefile(b)
	run := func(name string, args ...string) time.Duration {
		start := time.Now()
		out, err := exec.Command(name, args...).CombinedOutput()
		d := time.Since(start)
		if err != nil {
			b.Fatalf("%s: %v\n%s", name, err, out)
		}
		return d
	}
	run(bin, "version") // page the binary in once, as any installed binary is
	b.ResetTimer()
	var ours time.Duration
	for i := 0; i < b.N; i++ {
		ours += run(bin, "version")
	}
	b.StopTimer()
	b.ReportMetric(ours.Seconds()/float64(b.N), "s/start")
	if osc, err := exec.LookPath("openstack"); err == nil {
		var base time.Duration
		n := min(b.N, 3)
		for range n {
			base += run(osc, "--version")
		}
		b.ReportMetric(base.Seconds()/float64(n), "s/openstack-start")
		b.ReportMetric((base.Seconds()/float64(n))/(ours.Seconds()/float64(b.N)), "speedup")
	}
}
