package main

import (
	"runtime/debug"
)

// Collector settings for the client commands. A plan of 1,000 leases against 10,000 live ones
// allocates about 37 MB in a fifth of a second while its heap grows to about 15 MB; at Go's
// default (GOGC=100) it runs eight collections, which cost 15-20% of its CPU marking a heap
// that is still growing. At 400 it runs two or three: 17% less CPU per plan (149 -> 124 ms in
// one run), no measurable change of the peak resident set. The memory limit keeps the
// larger target from outgrowing the machine: near it the collector works harder instead.
// Users' GOGC and GOMEMLIMIT win; `emulator serve`, a long-running server, keeps Go's defaults.
const (
	clientGCPercent   = 400
	clientMemoryLimit = 1 << 30
)

// tuneGC applies the client settings unless the environment sets its own.
func tuneGC(args []string, lookupEnv func(string) (string, bool)) {
	if len(args) > 1 && args[1] == "emulator" {
		return
	}
	if _, set := lookupEnv("GOGC"); !set {
		debug.SetGCPercent(clientGCPercent)
	}
	if _, set := lookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(clientMemoryLimit)
	}
}
