package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/chameleoncloud/leasefile/apply"
	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/plan"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/urfave/cli/v3"
)

// runOptions are the flags of commands that change leases.
type runOptions struct {
	autoApprove bool
	parallelism int
	timeout     time.Duration
	lockTimeout time.Duration
}

func runFlags(o *runOptions) []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "auto-approve", Usage: "skip the interactive yes (required without a terminal)", Destination: &o.autoApprove},
		&cli.IntFlag{Name: "parallelism", Value: 10, Usage: "operations at once per site", Destination: &o.parallelism},
		&cli.DurationFlag{Name: "timeout", Value: 20 * time.Minute, Usage: "how long to wait for leases to become ACTIVE", Destination: &o.timeout},
		lockTimeoutFlag(&o.lockTimeout),
	}
}

// lockTimeoutFlag is -lock-timeout, for every command that takes the state lock.
func lockTimeoutFlag(dst *time.Duration) cli.Flag {
	return &cli.DurationFlag{Name: "lock-timeout", Usage: "how long to wait for the state lock held by another run; 0 fails at once", Destination: dst}
}

// withoutFlag returns flags without the one named name.
func withoutFlag(flags []cli.Flag, name string) []cli.Flag {
	var out []cli.Flag
	for _, f := range flags {
		if !slices.Contains(f.Names(), name) {
			out = append(out, f)
		}
	}
	return out
}

// check refuses values that make no sense, before anything is read or contacted.
func (o runOptions) check(c *cli.Command) error {
	if o.parallelism < 1 {
		return flagError(c, "-parallelism %d: want at least 1", o.parallelism)
	}
	if o.timeout < 0 || o.lockTimeout < 0 {
		return flagError(c, "-timeout and -lock-timeout must not be negative")
	}
	return nil
}

func (a *app) applyCommand() *cli.Command {
	var o planOptions
	var r runOptions
	return &cli.Command{
		Name:      "apply",
		Usage:     "create, update, replace and delete leases to match the Leasefile, and wait for them",
		UsageText: "leasefile apply [-auto-approve] [-parallelism N] [-timeout D] [PLANFILE]",
		Description: "Without PLANFILE: plan, show the plan, ask for yes, then apply it. With PLANFILE (from\n" +
			"plan -out): apply exactly that plan, refusing it if anything moved since it was made.\n" +
			"The state is saved after every change; Ctrl-C lets calls in flight finish, saves and exits 130.\n\n" +
			"Example:\n  leasefile apply -auto-approve",
		Flags: append(planFlags(&o), runFlags(&r)...),
		Action: func(ctx context.Context, c *cli.Command) error {
			if err := r.check(c); err != nil {
				return err
			}
			planFile := c.Args().First()
			return a.runApply(ctx, planFile, o, r)
		},
	}
}

func (a *app) destroyCommand() *cli.Command {
	var o planOptions
	var r runOptions
	o.destroy = true
	flags := []cli.Flag{
		&cli.StringSliceFlag{Name: "target", Usage: "delete only lease `KEY` (repeatable)", Destination: &o.targets},
	}
	return &cli.Command{
		Name:        "destroy",
		Usage:       "delete every lease in the state",
		UsageText:   "leasefile destroy [-auto-approve] [-target KEY]...",
		Description: "Shows the plan and asks for yes before deleting. Leases the state does not know are never touched.\n\nExample:\n  leasefile destroy -target training",
		// destroy waits for no lease to become ACTIVE.
		Flags: append(flags, withoutFlag(runFlags(&r), "timeout")...),
		Action: func(ctx context.Context, c *cli.Command) error {
			if err := r.check(c); err != nil {
				return err
			}
			return a.runApply(ctx, "", o, r)
		},
	}
}

// runApply is apply and destroy: lock, plan (or read the saved plan and check it is fresh),
// confirm, execute, report.
func (a *app) runApply(ctx context.Context, planFile string, o planOptions, r runOptions) error {
	need := specRequired
	if planFile != "" || o.destroy {
		need = specOptional
	}
	s, err := a.openSession(ctx, need)
	if err != nil {
		return err
	}
	defer s.close()
	unlock, err := s.lockState(ctx, operationName(o), r.lockTimeout)
	if err != nil {
		return err
	}
	defer unlock()

	var p *plan.Plan
	if planFile != "" {
		if p, err = readPlanFile(a.abs(planFile)); err != nil {
			return err
		}
		if err := a.checkFresh(ctx, s, p); err != nil {
			return err
		}
		if err := a.recheckEarliest(ctx, s, p); err != nil {
			return err
		}
	} else {
		if p, err = a.makePlan(ctx, s, o); err != nil {
			return err
		}
		if s.spec != nil && s.spec.HasEarliest() {
			a.checkAvailability(ctx, s, p) // picks the start of `start: earliest` leases
		}
		if err := a.renderPlan(p, "text", false); err != nil {
			return err
		}
		if !p.HasChanges() && !p.HasDrift() && len(p.Observed) == 0 {
			return nil
		}
		if p.HasChanges() && !p.OnlyWaits() {
			if err := a.confirm(ctx, r.autoApprove, o.destroy); err != nil {
				return err
			}
		}
	}
	store := state.NewStore(s.statePath, s.state)
	start := time.Now()
	prog := newProgress(a.stdout, isTTY(a.stdout))
	prog.waitFor = waitedKeys(p)
	res, err := apply.Apply(ctx, p, store, s.applySites(), apply.Options{
		Parallelism: r.parallelism,
		Timeout:     r.timeout,
		Now:         a.now,
		After:       a.after,
		Reporter:    prog,
	})
	prog.done()
	if errors.Is(err, context.Canceled) {
		return err
	}
	if res != nil && (p.HasChanges() || p.RefreshOnly || len(res.Failed) > 0) {
		a.printApplySummary(p, res, err, time.Since(start))
	}
	if err == nil {
		return nil
	}
	if h := saveHint(err); h != "" {
		return &codeError{code: exitError, msg: err.Error(), hint: h}
	}
	if res == nil || len(res.Failed) == 0 {
		return err
	}
	// The summary has named every failure; add each distinct remedy once (HintFor knows
	// which hints fit which operation: the app-credential one only fits a create).
	hinted := map[string]bool{}
	for _, f := range res.Failed {
		h := blazar.HintFor(f.Err, f.Op)
		if ge := (*apply.GrowthError)(nil); errors.As(f.Err, &ge) {
			h = fmt.Sprintf("replace the lease instead (leasefile apply -replace %s), which needs only the new amount free, or add a second lease for the extra resources", f.Key)
		}
		if h != "" && !hinted[h] {
			hinted[h] = true
			a.hintf("%s", h)
		}
	}
	return silent(exitError)
}

// saveHint is the remedy for a state that could not be saved, or "": the run stopped at once,
// and what it created is found again by the next plan from the intents already saved.
func saveHint(err error) string {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return "the disk holding the state file is full: free some space and run apply again; the next plan finds the leases this run created"
	case errors.Is(err, syscall.EROFS), errors.Is(err, fs.ErrPermission):
		return "the state file cannot be written here: fix the permissions (or use --state) and run apply again; the next plan finds the leases this run created"
	}
	return ""
}

func operationName(o planOptions) string {
	if o.destroy {
		return "destroy"
	}
	return "apply"
}

// confirm asks for "yes" on a terminal; without one, only -auto-approve proceeds.
func (a *app) confirm(ctx context.Context, autoApprove, destroy bool) error {
	if autoApprove {
		return nil
	}
	if !isTTY(a.stdin) {
		return &codeError{code: exitError, msg: "no terminal to confirm the plan on",
			hint: "review the plan, then run again with -auto-approve, or save it with plan -out and apply that file"}
	}
	what := "perform these actions"
	if destroy {
		what = "destroy these leases"
	}
	fmt.Fprintf(a.stdout, "\nDo you want to %s?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ", what)
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(a.stdin).ReadString('\n')
		answer <- line
	}()
	var line string
	select {
	case line = <-answer:
	case <-ctx.Done():
		fmt.Fprintln(a.stdout)
		return &codeError{code: exitInterrupted, msg: "apply cancelled: nothing was changed"}
	}
	if strings.TrimSpace(line) != "yes" {
		return &codeError{code: exitError, msg: "apply cancelled: nothing was changed"}
	}
	return nil
}

// printApplySummary prints the last line of an apply: what was done, counting a lease that
// was created even when waiting for it failed, and "finished with errors" whenever the run
// ends with an error (a state that could not be saved included).
func (a *app) printApplySummary(p *plan.Plan, res *apply.Result, err error, took time.Duration) {
	var created, updated, replaced, deleted, waited, notActive, failed, uncertain int
	count := func(act plan.Action) {
		switch {
		case act == plan.Create:
			created++
		case act == plan.Update:
			updated++
		case act.IsReplace():
			replaced++
		case act == plan.Delete:
			deleted++
		case act == plan.NoOp:
			waited++
		}
	}
	for _, d := range res.Done {
		count(d.Action)
	}
	for _, f := range res.Failed {
		if f.LeaseID != "" && f.Action != plan.NoOp {
			// The lease exists: it was created (or replaced), only what followed failed.
			count(f.Action)
			notActive++
			continue
		}
		failed++
		if f.Uncertain {
			uncertain++
		}
	}
	if p.RefreshOnly {
		if err == nil {
			fmt.Fprintf(a.stdout, "\nRefresh complete: the state records what Blazar has now.\n")
		}
		return
	}
	word := "Apply"
	if p.Destroy {
		word = "Destroy"
	}
	if len(res.Failed) > 0 || err != nil {
		word += " finished with errors."
	} else {
		word += " complete!"
	}
	if p.Destroy {
		fmt.Fprintf(a.stdout, "\n%s Leases: %d deleted", word, deleted)
	} else {
		fmt.Fprintf(a.stdout, "\n%s Leases: %d created, %d updated, %d replaced, %d deleted", word, created, updated, replaced, deleted)
	}
	if waited > 0 {
		fmt.Fprintf(a.stdout, ", %d now ACTIVE", waited)
	}
	if notActive > 0 {
		fmt.Fprintf(a.stdout, "; %d of these did not finish", notActive)
	}
	if failed > 0 {
		fmt.Fprintf(a.stdout, ", %d failed", failed)
	}
	if uncertain > 0 {
		fmt.Fprintf(a.stdout, " (%d of them may have been created: the next plan finds and adopts them)", uncertain)
	}
	fmt.Fprintf(a.stdout, ". (%s)\n", took.Round(time.Second))
	for _, f := range res.Failed {
		a.errorf("lease %s (%s): %v", f.Key, f.Site, f.Err)
	}
}

// checkFresh refuses a saved plan that no longer describes the world: the state, the
// Leasefile, a site's identity or a lease it changes moved since it was made.
func (a *app) checkFresh(ctx context.Context, s *session, p *plan.Plan) error {
	stale := func(why string) error {
		return &codeError{code: exitError, msg: "Saved plan is stale: " + why,
			hint: "run leasefile plan again and review the new plan"}
	}
	switch {
	case p.StateExisted != s.existed:
		return stale("the state file was created or removed since the plan was made")
	case p.StateExisted && (p.Lineage != s.state.Lineage):
		return stale("the plan was made for another state (lineage " + p.Lineage + ", this state is " + s.state.Lineage + ")")
	case p.StateExisted && p.Serial != s.state.Serial:
		return stale(fmt.Sprintf("the state changed since the plan was made (serial %d, now %d)", p.Serial, s.state.Serial))
	case p.LeasefileHash != "" && p.LeasefileHash != s.specHash:
		return stale("the Leasefile changed since the plan was made")
	}
	if err := p.CheckOwned(s.state); err != nil {
		return &codeError{code: exitError, msg: "Saved plan does not match the state: " + err.Error(),
			hint: "the plan file was edited after plan -out wrote it: do not apply it; run leasefile plan again"}
	}
	sites := make([]string, 0, len(p.Sites))
	for name := range p.Sites {
		sites = append(sites, name)
	}
	if err := s.connect(ctx, sites); err != nil {
		return err
	}
	for name, planned := range p.Sites {
		now := s.identity(s.sites[name])
		if planned.ProjectID != now.ProjectID || planned.Local != now.Local || (!planned.Local && planned.AuthURL != now.AuthURL) {
			return stale(fmt.Sprintf("site %s is now %s (project %s), the plan was made against %s (project %s)", name, now.AuthURL, now.ProjectID, planned.AuthURL, planned.ProjectID))
		}
	}
	live, err := s.live(ctx)
	if err != nil {
		return err
	}
	now := a.now()
	for _, ch := range p.Changes {
		if ch.Action == plan.NoOp {
			continue
		}
		if ch.LeaseID != "" {
			found := false
			site := ch.OldSite()
			for _, l := range live[site] {
				if l.ID != ch.LeaseID {
					continue
				}
				found = true
				got := blazar.FormatTimestamp(l.UpdatedAt)
				if got != ch.UpdatedAt {
					return stale(fmt.Sprintf("lease %s was changed in Blazar since the plan was made (updated_at %s, planned at %s)", ch.Key, got, ch.UpdatedAt))
				}
			}
			if !found && ch.Action != plan.Delete {
				return stale(fmt.Sprintf("lease %s (%s) is gone from %s", ch.Key, ch.LeaseID, site))
			}
		}
		if ch.Create != nil && !ch.Create.Start.IsZero() && ch.Create.Start.Before(now.Truncate(time.Minute)) {
			return stale(fmt.Sprintf("lease %s would start at %s, which is now in the past", ch.Key, ch.Create.Start.Format("2006-01-02 15:04")))
		}
	}
	return nil
}

func (a *app) waitCommand() *cli.Command {
	var timeout, lockTimeout time.Duration
	return &cli.Command{
		Name:        "wait",
		Usage:       "block until the leases are ACTIVE, or the timeout",
		UsageText:   "leasefile wait [-timeout D] [KEY...]",
		Description: "Waits for the named leases (default: every lease in the state) with one list call per\nsite per poll. ERROR or the timeout is a failure.\n\nExample:\n  leasefile wait -timeout 10m training",
		Flags: []cli.Flag{
			&cli.DurationFlag{Name: "timeout", Value: 20 * time.Minute, Usage: "how long to wait", Destination: &timeout},
			lockTimeoutFlag(&lockTimeout),
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			s, err := a.openSession(ctx, specNone)
			if err != nil {
				return err
			}
			defer s.close()
			// Wait records statuses in the state: hold the lock, so an apply running beside it
			// cannot have its work overwritten.
			unlock, err := s.lockState(ctx, "wait", lockTimeout)
			if err != nil {
				return err
			}
			defer unlock()
			keys := c.Args().Slice()
			if len(keys) == 0 {
				keys = s.state.Keys()
			}
			siteSet := map[string]bool{}
			for _, k := range keys {
				l, ok := s.state.Lease(k)
				if !ok {
					return fmt.Errorf("no lease %q in the state %s", k, displayPath(a, s.statePath))
				}
				if deadline := a.now().Add(timeout); l.Status == "PENDING" && l.Start.After(deadline) {
					return &codeError{code: exitError,
						msg:  fmt.Sprintf("lease %s starts at %s, after the %s timeout: it cannot become ACTIVE before then", k, fmtTime(l.Start), timeout),
						hint: "wait closer to the start, or give a longer -timeout"}
				}
				siteSet[l.Site] = true
			}
			var sites []string
			for n := range siteSet {
				sites = append(sites, n)
			}
			if err := s.connect(ctx, sites); err != nil {
				return err
			}
			store := state.NewStore(s.statePath, s.state)
			prog := newProgress(a.stdout, isTTY(a.stdout))
			defer prog.done()
			return apply.Wait(ctx, store, s.applySites(), keys, apply.Options{
				Timeout:  timeout,
				Now:      a.now,
				After:    a.after,
				Reporter: prog,
			})
		},
	}
}
