package reliability

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// Result is one finished (or killed) leasefile process.
type Result struct {
	Args           []string
	Stdout, Stderr string
	Exit           int   // -1 when killed by a signal
	Killed         bool  // ended by SIGKILL (ours, or a hang's deadline)
	Hung           bool  // still running at its deadline
	MaxRSSKB       int64 // peak resident set size of the child, from rusage
	Err            error // could not start
}

// Output is stdout and stderr together, for messages.
func (r *Result) Output() string { return r.Stdout + r.Stderr }

// Panicked reports whether the process died of a Go panic or a fatal runtime error.
func (r *Result) Panicked() bool { return panicRE.MatchString(r.Stdout + r.Stderr) }

var panicRE = regexp.MustCompile(`(?m)^(panic: |fatal error: |goroutine \d+ \[)`)

// PanicLine is the first line that says why the process died ("panic: ...", "fatal error:
// ..."), with the line before it when that is the runtime's own reason.
func (r *Result) PanicLine() string {
	out := r.Stdout + r.Stderr
	loc := panicRE.FindStringIndex(out)
	if loc == nil {
		return ""
	}
	line, _, _ := strings.Cut(out[loc[0]:], "\n")
	if before := strings.TrimRight(out[:loc[0]], "\n"); before != "" {
		prev := before[strings.LastIndex(before, "\n")+1:]
		if strings.HasPrefix(prev, "runtime") {
			line = prev + " | " + line
		}
	}
	return line
}

// Short is the command line and the last lines of stderr, for a Finding.
func (r *Result) Short() string {
	s := "leasefile " + strings.Join(r.Args, " ")
	switch {
	case r.Hung:
		s += ": still running at its deadline (killed)"
	case r.Err != nil:
		s += ": " + r.Err.Error()
	default:
		s += fmt.Sprintf(": exit %d", r.Exit)
	}
	if tail := lastLines(r.Stderr, 3); tail != "" {
		s += ": " + tail
	}
	return s
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	out := strings.Join(lines, " | ")
	if len(out) > 400 {
		out = out[:400] + "..."
	}
	return out
}

// Runner starts leasefile processes in one directory with one environment.
type Runner struct {
	Bin string
	Dir string
	Env []string
	// Timeout bounds every run (0: 2 minutes); a run past it is killed and reported as hung.
	Timeout time.Duration
	// MemLimitKB, when set, runs the child under `ulimit -v` (address space, KiB), so that an
	// input that makes it allocate without bound fails fast instead of taking the machine.
	MemLimitKB int64
	// Removed counts the lock files RunReleasingLock removed by hand, as the error said to:
	// a lock file that cannot be read holds no ID to force-unlock.
	Removed int
}

// Run runs leasefile with args to completion (or its deadline).
func (rn *Runner) Run(args ...string) *Result {
	p := rn.Start(args...)
	return p.Wait()
}

// Proc is a running leasefile process.
type Proc struct {
	res    *Result
	cmd    *exec.Cmd
	out    bytes.Buffer
	errb   bytes.Buffer
	cancel context.CancelFunc
	ctx    context.Context
	done   chan struct{}
}

// Start starts leasefile with args and returns at once.
func (rn *Runner) Start(args ...string) *Proc {
	timeout := rn.Timeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	p := &Proc{res: &Result{Args: args}, ctx: ctx, cancel: cancel, done: make(chan struct{})}
	name, argv := rn.Bin, args
	if rn.MemLimitKB > 0 {
		name = "/bin/sh"
		argv = append([]string{"-c", fmt.Sprintf(`ulimit -v %d && exec "$0" "$@"`, rn.MemLimitKB), rn.Bin}, args...)
	}
	p.cmd = exec.CommandContext(ctx, name, argv...)
	p.cmd.Dir, p.cmd.Env = rn.Dir, rn.Env
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.errb
	p.cmd.WaitDelay = 5 * time.Second
	if err := p.cmd.Start(); err != nil {
		p.res.Err = err
		close(p.done)
		return p
	}
	go func() {
		err := p.cmd.Wait()
		p.finish(err)
		close(p.done)
	}()
	return p
}

func (p *Proc) finish(err error) {
	r := p.res
	r.Stdout, r.Stderr = p.out.String(), p.errb.String()
	r.Hung = errors.Is(p.ctx.Err(), context.DeadlineExceeded)
	if st := p.cmd.ProcessState; st != nil {
		r.Exit = st.ExitCode()
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			r.Killed = true
		}
		if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
			r.MaxRSSKB = ru.Maxrss
		}
	} else if err != nil {
		r.Err = err
	}
	p.cancel()
}

// Running reports whether the process has not ended yet.
func (p *Proc) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Kill sends SIGKILL and reports whether the process was still running (a kill mid-run).
func (p *Proc) Kill() bool {
	if p.cmd.Process == nil || !p.Running() {
		return false
	}
	return p.cmd.Process.Kill() == nil
}

// Wait waits for the end of the process and returns its Result.
func (p *Proc) Wait() *Result {
	<-p.done
	return p.res
}

// Until polls cond every millisecond until it holds, the process ends or limit passes; it
// reports whether cond held while the process still ran.
func (p *Proc) Until(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if cond() {
			return p.Running()
		}
		if !p.Running() {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

var (
	unlockRE     = regexp.MustCompile(`leasefile force-unlock ([0-9a-fA-F-]{8,})`)
	removeLockRE = regexp.MustCompile(`if no run is in progress, remove (\S+\.lock)`)
)

// RunReleasingLock runs args; when the run stops at a stale lock it releases that lock the
// way the error says (`leasefile force-unlock ID`, or removing a lock file that cannot be
// read) and runs args again. It returns the last Result, how many locks it released, and
// what it did when it had to remove a lock file by hand.
func (rn *Runner) RunReleasingLock(args ...string) (*Result, int) {
	released := 0
	for {
		r := rn.Run(args...)
		if r.Exit == 0 || released > 0 {
			return r, released
		}
		if m := unlockRE.FindStringSubmatch(r.Stderr); m != nil {
			if u := rn.Run("force-unlock", m[1]); u.Exit != 0 {
				return r, released
			}
		} else if m := removeLockRE.FindStringSubmatch(r.Stderr); m != nil {
			p := m[1]
			if !filepath.IsAbs(p) {
				p = filepath.Join(rn.Dir, p)
			}
			if os.Remove(p) != nil {
				return r, released
			}
			rn.Removed++
		} else {
			return r, released
		}
		released++
	}
}

// writeFile writes a file of the test directory, mode 0600.
func writeFile(dir, name, content string) error {
	return os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600)
}
