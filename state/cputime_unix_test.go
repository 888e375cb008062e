//go:build unix

package state_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user and system) this process has used, for benchmarks to report
// beside wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
