package reliability

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/chameleoncloud/leasefile/state"
)

// contentionCase is two runs racing on one state.
type contentionCase struct {
	name          string
	first, second []string
	// secondAt starts the second run: at once, or when the first has created some leases.
	secondAt func(f *Fixture) func() bool
	// waits: the second run has -lock-timeout, so it must wait for the lock and succeed.
	waits bool
	// forceUnlock: before the second run starts, a user runs `force-unlock` with the live
	// first run's lock ID, which must be refused.
	forceUnlock bool
	known       string
}

var (
	soon         = func(*Fixture) func() bool { return func() bool { return true } }
	someCreated2 = func(f *Fixture) func() bool { return func() bool { return f.Emu.countLeases() >= 2 } }
	wroteRE      = regexp.MustCompile(`(?m): (created|deleted|updated|replaced|adopted)\b`)
	lockedRE     = regexp.MustCompile(`is locked`)
	halfLockRE   = regexp.MustCompile(`lock file cannot be read`)
)

var contentionCases = []contentionCase{
	{name: "two applies at once", first: []string{"apply", "-auto-approve"}, second: []string{"apply", "-auto-approve"}, secondAt: soon},
	{name: "second apply during the first's creates", first: []string{"apply", "-auto-approve", "-parallelism", "1"},
		second: []string{"apply", "-auto-approve"}, secondAt: someCreated2},
	{name: "second apply waits (-lock-timeout)", first: []string{"apply", "-auto-approve", "-parallelism", "1"},
		second: []string{"apply", "-auto-approve", "-lock-timeout", "60s"}, secondAt: someCreated2, waits: true},
	{name: "force-unlock of a live apply, then a second apply", first: []string{"apply", "-auto-approve", "-parallelism", "1"},
		second: []string{"apply", "-auto-approve"}, secondAt: someCreated2, forceUnlock: true},
	{name: "destroy during apply", first: []string{"apply", "-auto-approve", "-parallelism", "1"},
		second: []string{"destroy", "-auto-approve"}, secondAt: someCreated2},
}

// Contention runs the contention campaign: each case Repeat times.
func (h *Harness) Contention() []*Trial {
	var list []contentionCase
	for _, c := range contentionCases {
		for range h.cfg.Repeat {
			list = append(list, c)
		}
	}
	return h.each(len(list), func(i int) *Trial { return h.contentionTrial(i, list[i]) })
}

func (h *Harness) contentionTrial(i int, c contentionCase) *Trial {
	t := newTrial("contention", fmt.Sprintf("trial %d: %s", i, c.name))
	t.Known = c.known
	f, err := h.fixture(t)
	if err != nil {
		return setupFailed(t, err)
	}
	defer f.close(t)
	lf, names := Leasefile(f.Prefix, 6, "created", "1h")
	if err := writeFile(f.Dir, "Leasefile", lf); err != nil {
		return setupFailed(t, err)
	}
	p1 := f.Run.Start(c.first...)
	p1.Until(30*time.Second, c.secondAt(f))
	if c.forceUnlock {
		var info struct{ ID string }
		b, _ := os.ReadFile(filepath.Join(f.Dir, state.DefaultFileName+".lock"))
		if json.Unmarshal(b, &info) == nil && info.ID != "" && p1.Running() {
			if u := f.Run.Run("force-unlock", info.ID); u.Exit == 0 {
				t.find("force-unlock released the lock of a run still alive on this host: %s", u.Short())
			}
		}
	}
	p2 := f.Run.Start(c.second...)
	r1, r2 := p1.Wait(), p2.Wait()
	t.observe(r1)
	t.observe(r2)
	w1, w2 := wroteRE.MatchString(r1.Stdout), wroteRE.MatchString(r2.Stdout)
	switch {
	case r1.Exit != 0 && r2.Exit != 0:
		t.find("both runs failed: %s; %s", r1.Short(), r2.Short())
	case r2.Exit != 0 && !lockedRE.MatchString(r2.Stderr):
		t.find("the second run failed for another reason than the lock: %s", r2.Short())
	case r1.Exit != 0 && !lockedRE.MatchString(r1.Stderr):
		t.find("the first run failed for another reason than the lock: %s", r1.Short())
	}
	for _, r := range []*Result{r1, r2} {
		if r.Exit != 0 && halfLockRE.MatchString(r.Stderr) {
			t.note("the losing run read the lock file while the winner was still writing it, and was told to remove the lock of a live run: %s", r.Short())
		}
	}
	if c.waits && r2.Exit != 0 {
		t.find("the second run had -lock-timeout and still failed: %s", r2.Short())
	}
	// Both may succeed only one after the other: then the later one found its work done
	// (apply after apply) or undid it (destroy after apply), never both creating.
	if w1 && w2 && c.second[0] == "apply" {
		t.find("both runs created leases: one did not wait for the other's lock")
	}
	// The end state is whichever run went last; make it the Leasefile's and check.
	r, released := f.Run.RunReleasingLock("apply", "-auto-approve")
	t.LocksReleased += released
	t.observe(r)
	if released > 0 {
		t.find("a lock was left behind by runs that ended normally")
	}
	if r.Exit != 0 {
		t.find("final apply failed: %s", r.Short())
	}
	Check(t, f.Run, f.Emu, Want{Prefix: f.Prefix, Names: names})
	return t.done()
}
