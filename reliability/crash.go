package reliability

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chameleoncloud/leasefile/state"
)

// crashLeases is how many leases each crash trial declares.
const crashLeases = 6

// killPoint is where a crash trial kills its run: a condition observed from the run (its
// files and the emulator's), or a random delay.
type killPoint struct {
	name string
	// arm returns the condition for one trial (drawing its random parameters) and a label
	// saying what they were.
	arm func(h *Harness, f *Fixture, base []Lease) (cond func() bool, label string)
}

func at(name string, cond func(f *Fixture) func() bool) killPoint {
	return killPoint{name, func(_ *Harness, f *Fixture, _ []Lease) (func() bool, string) { return cond(f), name }}
}

var (
	atStart   = at("start", func(*Fixture) func() bool { return func() bool { return true } })
	lockTaken = at("lock taken", func(f *Fixture) func() bool {
		return func() bool { return exists(filepath.Join(f.Dir, state.DefaultFileName+".lock")) }
	})
	intentsSaved = at("intents saved", func(f *Fixture) func() bool {
		return func() bool {
			// A run's saves after its first go to the journal (state/journal.go).
			b, _ := os.ReadFile(filepath.Join(f.Dir, state.DefaultFileName))
			j, _ := os.ReadFile(filepath.Join(f.Dir, state.DefaultFileName+".journal"))
			return strings.Contains(string(b), `"intents"`) || strings.Contains(string(j), `"intents":[{`)
		}
	})
	// inSave: a temp file of the state (or its backup) exists, so a save is between its
	// create and its rename.
	inSave = at("state save", func(f *Fixture) func() bool {
		return func() bool {
			m, _ := filepath.Glob(filepath.Join(f.Dir, "."+state.DefaultFileName+"*.tmp-*"))
			return len(m) > 0
		}
	})
	allCreated = at("all created, waiting", func(f *Fixture) func() bool {
		return func() bool { return f.Emu.countLeases() >= crashLeases }
	})
	someCreated = killPoint{"some created", func(h *Harness, f *Fixture, _ []Lease) (func() bool, string) {
		k := 1 + h.intn(crashLeases-1)
		return func() bool { return f.Emu.countLeases() >= k }, fmt.Sprintf("%d of %d created", k, crashLeases)
	}}
	someDeleted = killPoint{"some deleted", func(h *Harness, f *Fixture, _ []Lease) (func() bool, string) {
		k := 1 + h.intn(crashLeases-1)
		return func() bool { return f.Emu.countLeases() <= crashLeases-k }, fmt.Sprintf("%d of %d deleted", k, crashLeases)
	}}
	someUpdated = killPoint{"some updated", func(h *Harness, f *Fixture, base []Lease) (func() bool, string) {
		k := 1 + h.intn(crashLeases-1)
		ends := map[string]time.Time{}
		for _, l := range base {
			ends[l.ID] = l.End
		}
		return func() bool {
			ls, _ := f.Emu.Leases()
			n := 0
			for _, l := range ls {
				if l.End.After(ends[l.ID].Add(30 * time.Minute)) {
					n++
				}
			}
			return n >= k
		}, fmt.Sprintf("%d of %d updated", k, crashLeases)
	}}
	randomDelay = killPoint{"random delay", func(h *Harness, _ *Fixture, _ []Lease) (func() bool, string) {
		d := time.Duration(h.intn(400)) * time.Millisecond
		t0 := time.Now()
		return func() bool { return time.Since(t0) >= d }, fmt.Sprintf("after %s", d)
	}}
)

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// crashKind is one of the runs the crash campaign kills.
type crashKind struct {
	name   string
	points []killPoint
}

var crashKinds = []crashKind{
	{"apply", []killPoint{atStart, lockTaken, intentsSaved, someCreated, inSave, allCreated, randomDelay}},
	{"destroy", []killPoint{atStart, lockTaken, someDeleted, inSave, randomDelay}},
	{"update", []killPoint{atStart, someUpdated, inSave, randomDelay}},
}

// Crash runs the crash campaign: CrashTrials runs of apply, destroy or update (two applies
// for each destroy and update) killed at a point, then recovered and checked.
func (h *Harness) Crash() []*Trial {
	order := []int{0, 0, 1, 2}
	return h.each(h.cfg.CrashTrials, func(i int) *Trial {
		kind := crashKinds[order[i%len(order)]]
		point := kind.points[(i/len(order))%len(kind.points)]
		return h.crashTrial(i, kind.name, point)
	})
}

func (h *Harness) crashTrial(i int, kind string, point killPoint) *Trial {
	t := newTrial("crash", fmt.Sprintf("trial %d: %s killed at %s", i, kind, point.name))
	f, err := h.fixture(t)
	if err != nil {
		return setupFailed(t, err)
	}
	defer f.close(t)
	// Waiting for ACTIVE makes the kill point "waiting" reachable; elsewhere leases are
	// waited for only until created, which keeps trials short.
	wait := "created"
	if point.name == allCreated.name || i%5 == 0 {
		wait = "active"
	}
	lf, names := Leasefile(f.Prefix, crashLeases, wait, "1h")
	if err := writeFile(f.Dir, "Leasefile", lf); err != nil {
		return setupFailed(t, err)
	}
	args := []string{"apply", "-auto-approve", "-parallelism", fmt.Sprint(1 + h.intn(3))}
	want := Want{Prefix: f.Prefix, Names: names}
	if kind != "apply" {
		r := f.Run.Run("apply", "-auto-approve")
		t.observe(r)
		if r.Exit != 0 {
			t.find("set-up apply failed: %s", r.Short())
			return t.done()
		}
		switch kind {
		case "destroy":
			args[0] = "destroy"
			want = Want{Prefix: f.Prefix, Ends: true}
		case "update":
			lf, _ = Leasefile(f.Prefix, crashLeases, wait, "3h")
			if err := writeFile(f.Dir, "Leasefile", lf); err != nil {
				return setupFailed(t, err)
			}
		}
	}
	base, _ := f.Emu.Leases()
	cond, label := point.arm(h, f, base)
	if label != point.name {
		t.Name += " (" + label + ")"
	}

	p := f.Run.Start(args...)
	p.Until(60*time.Second, cond)
	if p.Kill() {
		t.Kills++
		if point.name == inSave.name {
			t.KillsInSave++
		}
	} else {
		t.Name += ", run ended before the kill"
	}
	t.observe(p.Wait())

	rr, released := f.Run.RunReleasingLock(args[:2]...)
	if f.Run.Removed > 0 {
		t.note("the killed run left a lock file that cannot be read (killed between creating and writing it); the recovery removed it as the error says, with no ID or PID to check the holder is gone")
	}
	t.LocksReleased += released
	t.observe(rr)
	if rr.Exit != 0 {
		t.find("recovery run failed: %s", rr.Short())
	}
	Check(t, f.Run, f.Emu, want)
	return t.done()
}
