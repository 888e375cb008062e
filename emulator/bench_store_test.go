//go:build unix

package emulator_test

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
)

// BenchmarkCreateDataFile is N lease creates against an in-process emulator with a DataFile,
// as `--local apply` of N leases costs the emulator (issue 13): each create is durable before
// it is answered, and costs the same at the thousandth lease as at the first. It reports
// wall and CPU time (this process's user + system, the HTTP client's share included) per
// create, and the same without a DataFile: the difference is what persisting costs (the
// create itself checks the new lease against the others, which grows with N).
func BenchmarkCreateDataFile(b *testing.B) {
	for _, n := range []int{100, 1000} {
		for _, file := range []bool{false, true} {
			benchCreates(b, n, file)
		}
	}
}

func benchCreates(b *testing.B, n int, file bool) {
	b.Run(fmt.Sprintf("leases=%d/datafile=%v", n, file), func(b *testing.B) {
		var wall, cpu time.Duration
		for b.Loop() {
			cfg := emulator.Config{StartDelay: -1}
			if file {
				cfg.DataFile = filepath.Join(b.TempDir(), "emu.json")
			}
			v := newEnv(b, cfg)
			token := v.login("CHI@UC", emulator.DemoUser)
			c0, w0 := cpuTime(b), time.Now()
			for i := range n {
				start := t0.Add(72*time.Hour + time.Duration(i)*2*time.Hour)
				v.create("CHI@UC", token, hostLease(fmt.Sprintf("bench-%04d", i), start.Format("2006-01-02 15:04"),
					start.Add(time.Hour).Format("2006-01-02 15:04"), "compute_skylake", 1))
			}
			wall += time.Since(w0)
			cpu += cpuTime(b) - c0
		}
		creates := float64(n) * float64(b.N)
		b.ReportMetric(float64(wall.Microseconds())/creates, "µs/create")
		b.ReportMetric(float64(cpu.Microseconds())/creates, "cpu-µs/create")
	})
}

// cpuTime is this process's user + system time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
