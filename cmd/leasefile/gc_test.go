package main

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	restore := func(percent int, limit int64) {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
	defer restore(debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64))
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	cases := []struct {
		name        string
		args        []string
		vars        map[string]string
		wantPercent int
		wantLimit   int64
	}{
		{"plan", []string{"leasefile", "plan"}, nil, clientGCPercent, clientMemoryLimit},
		{"user GOGC wins", []string{"leasefile", "plan"}, map[string]string{"GOGC": "50"}, 100, clientMemoryLimit},
		{"user GOMEMLIMIT wins", []string{"leasefile", "apply"}, map[string]string{"GOMEMLIMIT": "1GiB"}, clientGCPercent, math.MaxInt64},
		{"emulator keeps the defaults", []string{"leasefile", "emulator", "serve"}, nil, 100, math.MaxInt64},
	}
	for _, c := range cases {
		restore(100, math.MaxInt64)
		tuneGC(c.args, env(c.vars))
		if got := debug.SetGCPercent(100); got != c.wantPercent {
			t.Errorf("%s: GC percent %d, want %d", c.name, got, c.wantPercent)
		}
		if got := debug.SetMemoryLimit(-1); got != c.wantLimit {
			t.Errorf("%s: memory limit %d, want %d", c.name, got, c.wantLimit)
		}
	}
}
