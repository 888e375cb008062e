package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/chameleoncloud/leasefile/apply"
	"github.com/chameleoncloud/leasefile/plan"
	"github.com/urfave/cli/v3"
)

// runOptions are the flags of commands that change leases.
type runOptions struct {
	autoApprove bool
	parallelism int
	timeout     time.Duration
	lockTimeout time.Duration
	json        bool
}

func runFlags(o *runOptions) []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "auto-approve", Usage: "skip the interactive yes (required without a terminal)", Destination: &o.autoApprove},
		&cli.IntFlag{Name: "parallelism", Value: 10, Usage: "operations at once per site", Destination: &o.parallelism},
		&cli.DurationFlag{Name: "timeout", Value: 20 * time.Minute, Usage: "how long to wait for leases to become ACTIVE", Destination: &o.timeout},
		lockTimeoutFlag(&o.lockTimeout),
		jsonStreamFlag(&o.json),
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
			planFile := c.Args().First()
			if r.json {
				a.startJSONStream()
				if planFile == "" && !r.autoApprove {
					return &codeError{code: exitError, msg: "apply -json cannot ask for confirmation", hint: hintJSONApprove}
				}
			}
			if err := r.check(c); err != nil {
				return err
			}
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
			if r.json {
				a.startJSONStream()
				if !r.autoApprove {
					return &codeError{code: exitError, msg: "destroy -json cannot ask for confirmation", hint: hintJSONDestroyApprove}
				}
			}
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
		if p, err = a.savedPlan(ctx, s, planFile); err != nil {
			return err
		}
	} else {
		var proceed bool
		if p, proceed, err = a.confirmedPlan(ctx, s, o, r); err != nil || !proceed {
			return err
		}
	}
	return a.execute(ctx, s, p, r)
}

// savedPlan reads a saved plan and checks it still holds: fresh against the state, its
// `start: earliest` windows still free.
func (a *app) savedPlan(ctx context.Context, s *session, planFile string) (*plan.Plan, error) {
	p, err := readPlanFile(a.abs(planFile))
	if err != nil {
		return nil, err
	}
	if err := a.checkFresh(ctx, s, p); err != nil {
		return nil, err
	}
	if err := a.recheckEarliest(ctx, s, p); err != nil {
		return nil, err
	}
	if a.json != nil {
		a.json.planJSON(p)
	}
	return p, nil
}

// confirmedPlan makes the plan, shows it and asks for confirmation when it changes a lease;
// proceed is false when there is nothing to apply (reported already).
func (a *app) confirmedPlan(ctx context.Context, s *session, o planOptions, r runOptions) (p *plan.Plan, proceed bool, err error) {
	if p, err = a.makePlan(ctx, s, o); err != nil {
		return nil, false, err
	}
	if s.spec != nil && s.spec.HasEarliest() {
		a.checkAvailability(ctx, s, p) // picks the start of `start: earliest` leases
	}
	if a.json != nil {
		a.json.planJSON(p)
	} else if err := a.renderPlan(p, "text", false); err != nil {
		return nil, false, err
	}
	if !p.HasChanges() && !p.HasDrift() && len(p.Observed) == 0 {
		if a.json != nil {
			a.json.applySummaryJSON(p, nil, summaryLine(p, &apply.Result{}, nil, 0))
			a.json.outputsJSON(s.state, nil)
		}
		return p, false, nil
	}
	if p.HasChanges() && !p.OnlyWaits() {
		if err := a.confirm(ctx, r.autoApprove, o.destroy); err != nil {
			return nil, false, err
		}
	}
	return p, true, nil
}

// execute applies p with progress, then reports the result and the remedies for its
// failures.
func (a *app) execute(ctx context.Context, s *session, p *plan.Plan, r runOptions) error {
	store := s.store()
	start := time.Now()
	var rep apply.Reporter
	var prog *progress
	if a.json != nil {
		rep = newJSONProgress(a.json, a.now, p)
	} else {
		prog = newProgress(a.stdout, isTTY(a.stdout))
		prog.waitFor = waitedKeys(p)
		rep = prog
	}
	res, err := apply.Apply(ctx, p, store, s.applySites(), apply.Options{
		Parallelism: r.parallelism,
		Timeout:     r.timeout,
		Now:         a.now,
		After:       a.after,
		Reporter:    rep,
	})
	if prog != nil {
		prog.done()
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	if a.json != nil {
		return a.applyResultJSON(s, store, p, res, err, time.Since(start))
	}
	if res != nil && (p.HasChanges() || p.RefreshOnly || len(res.Failed) > 0) {
		a.printApplySummary(p, res, err, time.Since(start))
	}
	if err == nil {
		return nil
	}
	return a.applyFailure(res, err)
}

// applyFailure is the error apply ends with once the summary is printed: a save remedy, the
// error itself, or each distinct remedy for the failures the summary named.
func (a *app) applyFailure(res *apply.Result, err error) error {
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
		if h := failureHint(f); h != "" && !hinted[h] {
			hinted[h] = true
			a.hintf("%s", h)
		}
	}
	return silent(exitError)
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
			hint: hintNoTerminal}
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
	if line := summaryLine(p, res, err, took); line != "" {
		fmt.Fprintf(a.stdout, "\n%s\n", line)
	}
	for _, f := range res.Failed {
		a.errorf("lease %s (%s): %v", f.Key, f.Site, f.Err)
	}
}

// summaryLine is the apply's summary, "Apply complete! Leases: ...", or "" for a refresh that
// failed.
func summaryLine(p *plan.Plan, res *apply.Result, err error, took time.Duration) string {
	var b strings.Builder
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
			return "Refresh complete: the state records what Blazar has now."
		}
		return ""
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
		fmt.Fprintf(&b, "%s Leases: %d deleted", word, deleted)
	} else {
		fmt.Fprintf(&b, "%s Leases: %d created, %d updated, %d replaced, %d deleted", word, created, updated, replaced, deleted)
	}
	if waited > 0 {
		fmt.Fprintf(&b, ", %d now ACTIVE", waited)
	}
	if notActive > 0 {
		fmt.Fprintf(&b, "; %d of these did not finish", notActive)
	}
	if failed > 0 {
		fmt.Fprintf(&b, ", %d failed", failed)
	}
	if uncertain > 0 {
		fmt.Fprintf(&b, " (%d of them may have been created: the next plan finds and adopts them)", uncertain)
	}
	fmt.Fprintf(&b, ". (%s)", took.Round(time.Second))
	return b.String()
}

// checkFresh refuses a saved plan that no longer describes the world (plan.CheckStateFresh,
// then, once the sites it names are connected, plan.CheckLiveFresh).
func (a *app) checkFresh(ctx context.Context, s *session, p *plan.Plan) error {
	if err := p.CheckStateFresh(s.state, s.existed, s.specHash); err != nil {
		return err
	}
	if err := s.connect(ctx, slices.Sorted(maps.Keys(p.Sites))); err != nil {
		return err
	}
	live, err := s.live(ctx)
	if err != nil {
		return err
	}
	return p.CheckLiveFresh(s.identities(), live, a.now())
}

// waitOptions are wait's arguments and flags.
type waitOptions struct {
	keys                 []string // default: every lease in the state
	timeout, lockTimeout time.Duration
	json                 bool
}

func (a *app) waitCommand() *cli.Command {
	var o waitOptions
	return &cli.Command{
		Name:        "wait",
		Usage:       "block until the leases are ACTIVE, or the timeout",
		UsageText:   "leasefile wait [-timeout D] [KEY...]",
		Description: "Waits for the named leases (default: every lease in the state) with one list call per\nsite per poll. ERROR or the timeout is a failure.\n\nExample:\n  leasefile wait -timeout 10m training",
		Flags: []cli.Flag{
			&cli.DurationFlag{Name: "timeout", Value: 20 * time.Minute, Usage: "how long to wait", Destination: &o.timeout},
			lockTimeoutFlag(&o.lockTimeout),
			jsonStreamFlag(&o.json),
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			if o.json {
				a.startJSONStream()
			}
			o.keys = c.Args().Slice()
			return a.runWait(ctx, o)
		},
	}
}

// runWait waits for the leases o.keys of the state until ACTIVE (apply.Wait), after
// apply.WaitSites found that they can get there within o.timeout.
func (a *app) runWait(ctx context.Context, o waitOptions) error {
	s, err := a.openSession(ctx, specNone)
	if err != nil {
		return err
	}
	defer s.close()
	// Wait records statuses in the state: hold the lock, so an apply running beside it
	// cannot have its work overwritten.
	unlock, err := s.lockState(ctx, "wait", o.lockTimeout)
	if err != nil {
		return err
	}
	defer unlock()
	keys := o.keys
	if len(keys) == 0 {
		keys = s.state.Keys()
	}
	sites, err := apply.WaitSites(s.state, keys, a.now(), o.timeout)
	var nt *apply.NotTrackedError
	var late *apply.StartsTooLateError
	switch {
	case errors.As(err, &nt):
		return fmt.Errorf("%v %s", err, s.where())
	case errors.As(err, &late):
		return &codeError{code: exitError, msg: err.Error(), hint: hintWaitTooEarly}
	case err != nil:
		return err
	}
	if err := s.connect(ctx, sites); err != nil {
		return err
	}
	store := s.store()
	if a.json != nil {
		jp := newJSONProgress(a.json, a.now, nil)
		jp.waitJSON(s.state, keys)
		err := apply.Wait(ctx, store, s.applySites(), keys, apply.Options{Timeout: o.timeout, Now: a.now, After: a.after, Reporter: jp})
		if err == nil {
			a.json.outputsJSON(store.Snapshot(), keys)
		}
		return err
	}
	prog := newProgress(a.stdout, isTTY(a.stdout))
	defer prog.done()
	return apply.Wait(ctx, store, s.applySites(), keys, apply.Options{
		Timeout:  o.timeout,
		Now:      a.now,
		After:    a.after,
		Reporter: prog,
	})
}
