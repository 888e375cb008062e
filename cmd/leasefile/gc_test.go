package main

import (
	"context"
	"math"
	"runtime"
	"runtime/debug"
	"strings"
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
	check := func(name string, wantPercent int, wantLimit int64) {
		t.Helper()
		if got := debug.SetGCPercent(100); got != wantPercent {
			t.Errorf("%s: GC percent %d, want %d", name, got, wantPercent)
		}
		if got := debug.SetMemoryLimit(-1); got != wantLimit {
			t.Errorf("%s: memory limit %d, want %d", name, got, wantLimit)
		}
	}
	cases := []struct {
		name        string
		vars        map[string]string
		wantPercent int
		wantLimit   int64
	}{
		{"client", nil, clientFirstGCPercent, clientMemoryLimit},
		{"user GOGC wins", map[string]string{"GOGC": "50"}, 100, clientMemoryLimit},
		{"user GOMEMLIMIT wins", map[string]string{"GOMEMLIMIT": "1GiB"}, clientFirstGCPercent, math.MaxInt64},
	}
	for _, c := range cases {
		restore(100, math.MaxInt64)
		firstGC.Store(false)
		tuneGC(env(c.vars))
		check(c.name, c.wantPercent, c.wantLimit)
	}

	// After the first collection, the client's steady setting.
	restore(100, math.MaxInt64)
	tuneGC(env(nil))
	for firstGC.Load() { // the cleanup runs on its own goroutine, after a collection
		runtime.GC()
		runtime.Gosched()
	}
	check("after the first collection", clientGCPercent, clientMemoryLimit)

	// The emulator server gets Go's defaults back, wherever its name stands in the command line.
	for _, args := range [][]string{
		{"leasefile", "emulator"},
		{"leasefile", "--debug", "emulator"},
		{"leasefile", "-f", "x.yaml", "--no-color", "emulator"},
	} {
		restore(100, math.MaxInt64)
		tuneGC(env(nil))
		var out strings.Builder
		a := newApp(strings.NewReader(""), &out, &out, env(nil))
		a.run(context.Background(), args)
		check(strings.Join(args, " "), 100, math.MaxInt64)
	}
}
