package reliability

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/chameleoncloud/leasefile/state"
)

// Counts are what one trial (or a whole campaign) saw.
type Counts struct {
	Trials, Converged                  int
	Duplicates, Orphans, Missing       int
	Corrupt                            int
	Faults, Retries                    int
	Panics, Hangs, OverMemory, Secrets int
	Kills, KillsInSave, LocksReleased  int
	MaxRSSKB                           int64
}

func (c *Counts) add(o Counts) {
	c.Trials += o.Trials
	c.Converged += o.Converged
	c.Duplicates += o.Duplicates
	c.Orphans += o.Orphans
	c.Missing += o.Missing
	c.Corrupt += o.Corrupt
	c.Faults += o.Faults
	c.Retries += o.Retries
	c.Panics += o.Panics
	c.Hangs += o.Hangs
	c.OverMemory += o.OverMemory
	c.Secrets += o.Secrets
	c.Kills += o.Kills
	c.KillsInSave += o.KillsInSave
	c.LocksReleased += o.LocksReleased
	c.MaxRSSKB = max(c.MaxRSSKB, o.MaxRSSKB)
}

// bad is the sum of the counts that must be zero.
func (c *Counts) bad() int {
	return c.Duplicates + c.Orphans + c.Missing + c.Corrupt + c.Panics + c.Hangs + c.OverMemory + c.Secrets + (c.Trials - c.Converged)
}

// Finding is one thing that went wrong, with enough to chase it.
type Finding struct {
	Campaign, Trial, What string
	// Known names the issue item that explains it, when the scenario is marked as a known
	// defect being fixed on another branch (Trial.Known).
	Known string
}

func (f Finding) String() string {
	s := fmt.Sprintf("%s / %s: %s", f.Campaign, f.Trial, f.What)
	if f.Known != "" {
		s += " [known: " + f.Known + "]"
	}
	return s
}

// Trial is one scenario run: its counts and findings.
type Trial struct {
	Campaign, Name string
	Counts
	Findings []Finding
	// Notes are things worth a look that are not failures (shown in the report).
	Notes []string
	// Known, when set, marks the scenario as reproducing a known defect (an issue item fixed
	// on another branch): its findings are reported, and do not fail the CI test.
	Known string
	ok    bool // set by converged(); false while a finding says otherwise
}

func newTrial(campaign, name string) *Trial {
	return &Trial{Campaign: campaign, Name: name, Counts: Counts{Trials: 1}, ok: true}
}

// find records a finding; it also makes the trial not converged.
func (t *Trial) find(format string, args ...any) {
	t.ok = false
	t.Findings = append(t.Findings, Finding{Campaign: t.Campaign, Trial: t.Name, What: fmt.Sprintf(format, args...), Known: t.Known})
}

// note records an observation that is not a failure.
func (t *Trial) note(format string, args ...any) {
	t.Notes = append(t.Notes, fmt.Sprintf("%s / %s: %s", t.Campaign, t.Name, fmt.Sprintf(format, args...)))
}

// observe counts the panics, hangs and peak memory of a run.
func (t *Trial) observe(r *Result) {
	t.MaxRSSKB = max(t.MaxRSSKB, r.MaxRSSKB)
	if r.Panicked() {
		t.Panics++
		t.find("leasefile %s died: %s", strings.Join(r.Args, " "), r.PanicLine())
	}
	if r.Hung {
		t.Hangs++
		t.find("hang: %s", r.Short())
	}
}

// done closes the trial: converged unless a finding said otherwise.
func (t *Trial) done() *Trial {
	if t.ok {
		t.Converged = 1
	}
	return t
}

// Want is the expected outcome of a trial's leases.
type Want struct {
	Prefix string   // the trial's name_prefix: leases of ours
	Names  []string // Blazar names that must exist exactly once; none after a destroy
	Ends   bool     // the plan to check with is `plan -destroy` (after a destroy)
	// PlanTries is how many times the final plan may be run while it fails with an error
	// (exit 1) rather than a change (exit 2): with faults still injected (0: once).
	PlanTries int
}

// Check compares the emulator with the state and the Leasefile after a trial and counts
// duplicates, orphans, missing leases and a corrupt state; then it runs the next plan, which
// must be empty.
func Check(t *Trial, rn *Runner, emu *Emulator, w Want) {
	checkLeases(t, rn.Dir, emu, w)
	args := []string{"plan", "-detailed-exitcode"}
	if w.Ends {
		args = []string{"plan", "-destroy", "-detailed-exitcode"}
	}
	r := rn.Run(args...)
	t.observe(r)
	for try := 1; try < w.PlanTries && r.Exit == 1; try++ {
		r = rn.Run(args...)
		t.observe(r)
	}
	if r.Exit != 0 {
		t.find("next plan not empty: %s", r.Short())
	}
}

func checkLeases(t *Trial, dir string, emu *Emulator, w Want) {
	known := map[string]string{} // lease ID -> key, from the state
	st, err := state.Load(filepath.Join(dir, state.DefaultFileName))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// No state at all is not a corrupt one: any lease it should know counts as missing.
	case err != nil:
		t.Corrupt++
		t.find("state does not load: %v", err)
	default:
		for k, l := range st.Leases {
			known[l.ID] = k
		}
	}
	live, err := emu.Leases()
	if err != nil {
		t.Corrupt++
		t.find("emulator data: %v", err)
		return
	}
	byName := map[string][]string{}
	liveIDs := map[string]bool{}
	for _, l := range live {
		if !strings.HasPrefix(l.Name, w.Prefix) {
			continue
		}
		byName[l.Name] = append(byName[l.Name], l.ID)
		liveIDs[l.ID] = true
		if known[l.ID] == "" {
			t.Orphans++
			t.find("orphan: lease %s (%s) exists at the emulator and the state does not know it", l.Name, l.ID)
		}
	}
	for _, n := range w.Names {
		switch ids := byName[n]; {
		case len(ids) == 0:
			t.Missing++
			t.find("missing: no lease named %s at the emulator", n)
		case len(ids) > 1:
			t.Duplicates += len(ids) - 1
			t.find("duplicate: lease %s exists %d times (%s)", n, len(ids), strings.Join(ids, ", "))
		}
	}
	for _, n := range slices.Sorted(maps.Keys(byName)) {
		if len(w.Names) == 0 || !slices.Contains(w.Names, n) {
			if len(w.Names) == 0 {
				t.find("left behind: lease %s still exists after destroy", n)
			} else {
				t.find("unexpected: lease %s exists and the Leasefile does not declare it", n)
			}
		}
	}
	for id, k := range known {
		if !liveIDs[id] {
			t.Missing++
			t.find("missing: the state's lease.%s (%s) is not at the emulator", k, id)
		}
	}
}
