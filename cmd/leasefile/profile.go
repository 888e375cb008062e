//go:build profile

package main

// A build that profiles itself, for finding where a command's CPU goes (docs/benchmarks.md):
//
//	go build -tags profile -o /tmp/leasefile-prof ./cmd/leasefile
//	LEASEFILE_CPUPROFILE=cpu.prof /tmp/leasefile-prof plan
//	go tool pprof -top -cum /tmp/leasefile-prof cpu.prof
//
// BenchmarkPlanProcess runs such a build as LEASEFILE_BENCH_BIN.

import (
	"fmt"
	"os"
	"runtime/pprof"
)

func init() {
	path := os.Getenv("LEASEFILE_CPUPROFILE")
	if path == "" {
		return
	}
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
