//go:build profile

package main

// A build that profiles itself, for finding where a command's CPU goes (docs/benchmarks.md):
//
//	go build -tags profile -o /tmp/leasefile-prof ./cmd/leasefile
//	LEASEFILE_CPUPROFILE=cpu.prof /tmp/leasefile-prof plan
//	go tool pprof -top -cum /tmp/leasefile-prof cpu.prof
//
// LEASEFILE_MEMPROFILE=mem.prof writes the allocations at exit (-sample_index=alloc_space).
// BenchmarkPlanProcess runs such a build as LEASEFILE_BENCH_BIN. A developer's tool: its
// messages go straight to stderr, and a profile it cannot start stops the command.

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

func init() {
	if path := os.Getenv("LEASEFILE_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "LEASEFILE_CPUPROFILE:", err)
			os.Exit(2)
		}
		stopProfile = func() {
			pprof.StopCPUProfile()
			f.Close()
		}
	}
	if path := os.Getenv("LEASEFILE_MEMPROFILE"); path != "" {
		runtime.MemProfileRate = 1
		stopCPU := stopProfile
		stopProfile = func() {
			stopCPU()
			f, err := os.Create(path)
			if err == nil {
				runtime.GC() // the profile is as of the last collection
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "LEASEFILE_MEMPROFILE:", err)
			}
		}
	}
}
