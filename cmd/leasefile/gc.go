package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"sync/atomic"
)

// Collector settings for the client commands. A plan of 1,000 leases against 10,000 live ones
// allocates about 20 MB in a tenth of a second; at Go's default (GOGC=100) it runs eight
// collections, which cost 15-20% of its CPU marking a heap that is still growing, and at 400
// (a 16 MB first target) still one, which cost 10% (66 -> 59 ms of CPU in one run with the
// first at 64 MB instead). So the first collection waits for a 64 MB heap (1600), and the
// ones after it keep the heap within five times what is live (400), as a long apply needs.
// The memory limit keeps the larger target from outgrowing the machine: near it the collector
// works harder instead. Users' GOGC and GOMEMLIMIT win; `emulator serve`, a long-running
// server, gets Go's defaults back (serverGC, from the emulator command's Before).
const (
	clientFirstGCPercent = 1600
	clientGCPercent      = 400
	clientMemoryLimit    = 1 << 30
)

// firstGC says the client's first-collection setting is on, until the first collection ends
// it (or serverGC does).
var firstGC atomic.Bool

// tuneGC applies the client settings unless the environment sets its own.
func tuneGC(lookupEnv func(string) (string, bool)) {
	if _, set := lookupEnv("GOGC"); !set {
		firstGC.Store(true)
		debug.SetGCPercent(clientFirstGCPercent)
		// A cleanup runs once its object has been collected: after the first collection.
		runtime.AddCleanup(new([64]byte), func(struct{}) {
			if firstGC.CompareAndSwap(true, false) {
				debug.SetGCPercent(clientGCPercent)
			}
		}, struct{}{})
	}
	if _, set := lookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(clientMemoryLimit)
	}
}

// serverGC restores Go's defaults unless the environment sets its own.
func serverGC(lookupEnv func(string) (string, bool)) {
	firstGC.Store(false)
	if _, set := lookupEnv("GOGC"); !set {
		debug.SetGCPercent(100)
	}
	if _, set := lookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(math.MaxInt64)
	}
}
