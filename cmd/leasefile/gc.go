package main

import (
	"math"
	"runtime/debug"
)

// Collector settings for the client commands. A plan of 1,000 leases against 10,000 live ones
// allocates about 37 MB in a fifth of a second while its heap grows to about 15 MB; at Go's
// default (GOGC=100) it runs eight collections, which cost 15-20% of its CPU marking a heap
// that is still growing. At 400 it runs two or three: 17% less CPU per plan (149 -> 124 ms in
// one run), no measurable change of the peak resident set. The memory limit keeps the
// larger target from outgrowing the machine: near it the collector works harder instead.
// Users' GOGC and GOMEMLIMIT win; `emulator serve`, a long-running server, gets Go's
// defaults back (serverGC, from the emulator command's Before).
const (
	clientGCPercent   = 400
	clientMemoryLimit = 1 << 30
)

// tuneGC applies the client settings unless the environment sets its own.
func tuneGC(lookupEnv func(string) (string, bool)) {
	setGC(lookupEnv, clientGCPercent, clientMemoryLimit)
}

// serverGC restores Go's defaults unless the environment sets its own.
func serverGC(lookupEnv func(string) (string, bool)) {
	setGC(lookupEnv, 100, math.MaxInt64)
}

func setGC(lookupEnv func(string) (string, bool), percent int, limit int64) {
	if _, set := lookupEnv("GOGC"); !set {
		debug.SetGCPercent(percent)
	}
	if _, set := lookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(limit)
	}
}
