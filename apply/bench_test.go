package apply_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/chameleoncloud/leasefile/plan"
)

// plan200 creates 200 one-node leases in disjoint future windows, so that
// the inventory is never the limit and no wait is involved: the benchmark
// measures the create phase.
func plan200() *plan.Plan {
	var chs []plan.Change
	base := t0.Truncate(time.Hour).Add(24 * time.Hour)
	for i := range 200 {
		ch := create(fmt.Sprintf("l%03d", i), "CHI@UC", hosts("node", 1, "compute_skylake"))
		ch.Wait = "created"
		ch.Create.Start = base.Add(time.Duration(i/8) * 2 * time.Hour)
		ch.Create.Duration = time.Hour
		chs = append(chs, ch)
	}
	return planOf(chs...)
}

// BenchmarkApply200 applies 200 creates against an emulator answering
// every call after 50 ms, with the default parallelism and one at a time,
// and reports how many times faster the parallel run is (DESIGN.md §7
// asks for at least 8x).
func BenchmarkApply200(b *testing.B) {
	run := func(parallelism int) time.Duration {
		b.StopTimer()
		e := newEnv(b, envOpts{cfg: emulator.Config{Latency: 50 * time.Millisecond}})
		o := e.opts()
		o.Reporter = nil
		o.Parallelism = parallelism
		p := plan200()
		b.StartTimer()
		start := time.Now()
		res, err := e.apply(p, o)
		d := time.Since(start)
		if err != nil || len(res.Done) != 200 {
			b.Fatalf("parallelism %d: err = %v, %d done", parallelism, err, len(res.Done))
		}
		return d
	}
	var par, seq time.Duration
	for i := 0; i < b.N; i++ {
		par += run(10)
		seq += run(1)
	}
	b.ReportMetric(par.Seconds()/float64(b.N), "s/parallel")
	b.ReportMetric(seq.Seconds()/float64(b.N), "s/sequential")
	b.ReportMetric(seq.Seconds()/par.Seconds(), "speedup")
}
