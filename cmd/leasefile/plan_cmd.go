package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/chameleoncloud/leasefile/plan"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/urfave/cli/v3"
)

// planOptions are the flags that shape a plan, shared by plan, apply and destroy.
type planOptions struct {
	targets, replace     []string
	destroy, refreshOnly bool
	allowDuplicateName   bool
}

func planFlags(o *planOptions) []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "target", Usage: "limit the plan to lease `KEY` (repeatable); for exceptional use only", Destination: &o.targets},
		&cli.StringSliceFlag{Name: "replace", Usage: "replace lease `KEY` even if it could be updated in place (repeatable)", Destination: &o.replace},
		&cli.BoolFlag{Name: "refresh-only", Usage: "record drift in the state and change no lease", Destination: &o.refreshOnly},
		&cli.BoolFlag{Name: "allow-duplicate-name", Usage: "create a lease even when a lease of its name that the state does not track exists", Destination: &o.allowDuplicateName},
	}
}

// planCmdOptions are plan's own flags beside planOptions.
type planCmdOptions struct {
	planOptions
	out              string // -out FILE
	format           string // text, json or markdown
	diff             bool
	detailedExitcode bool
	allowUnavailable bool // -allow-unavailable: a reservation that will fail does not stop the plan
}

func (a *app) planCommand() *cli.Command {
	var o planCmdOptions
	var jsonOut bool
	flags := append(planFlags(&o.planOptions),
		&cli.BoolFlag{Name: "destroy", Usage: "plan to delete every lease in the state", Destination: &o.destroy},
		&cli.StringFlag{Name: "out", Usage: "save the plan to `FILE` for apply", Destination: &o.out},
		&cli.BoolFlag{Name: "json", Usage: "print the plan as JSON (same as -format json)", Destination: &jsonOut},
		&cli.StringFlag{Name: "format", Value: "text", Usage: "text, json or markdown (a pull-request comment)", Destination: &o.format},
		&cli.BoolFlag{Name: "diff", Usage: "show changed fields as a diff", Destination: &o.diff},
		&cli.BoolFlag{Name: "detailed-exitcode", Usage: "exit 0 with no changes, 2 with changes, 1 on error", Destination: &o.detailedExitcode},
		&cli.BoolFlag{Name: "allow-unavailable", Usage: "plan (and save) even when the site's availability says a reservation will fail", Destination: &o.allowUnavailable},
	)
	return &cli.Command{
		Name:      "plan",
		Usage:     "show what apply would change, against the live Blazar state",
		UsageText: "leasefile plan [-out FILE] [-json | -format markdown] [-target KEY]... [-replace KEY]... [-refresh-only] [-destroy]",
		Description: "Reads the Leasefile, the state and the live leases of every site (one list call per\n" +
			"site, all sites at once) and prints the drift observed and the changes apply would make.\n\n" +
			"Example:\n  leasefile plan -out plan.json && leasefile apply plan.json",
		Flags: flags,
		Action: func(ctx context.Context, c *cli.Command) error {
			// Flags are checked before anything is read or contacted.
			format, err := planFormat(c, jsonOut, o.format)
			if err != nil {
				return err
			}
			o.format = format
			return a.runPlan(ctx, o)
		},
	}
}

// runPlan makes the plan, renders it, and saves it with -out.
func (a *app) runPlan(ctx context.Context, o planCmdOptions) error {
	need := specRequired
	if o.destroy {
		need = specOptional
	}
	s, err := a.openSession(ctx, need)
	if err != nil {
		return err
	}
	defer s.close()
	p, err := a.makePlan(ctx, s, o.planOptions)
	if err != nil {
		return err
	}
	failing := a.checkAvailability(ctx, s, p)
	a.warnIdle(ctx, s, p)
	if err := a.renderPlan(p, o.format, o.diff); err != nil {
		return err
	}
	if len(failing) > 0 && !o.allowUnavailable {
		return unavailableError(failing)
	}
	if o.out != "" {
		if err := writePlanFile(a.abs(o.out), p); err != nil {
			return err
		}
		if o.format == "text" {
			fmt.Fprintf(a.stdout, "\nSaved the plan to: %s\nTo perform exactly these actions, run:\n  leasefile apply %s\n", o.out, o.out)
		}
	}
	if o.detailedExitcode && p.HasChanges() {
		return silent(exitChanges)
	}
	return nil
}

// makePlan connects to every site involved, lists their leases and builds the plan.
func (a *app) makePlan(ctx context.Context, s *session, o planOptions) (*plan.Plan, error) {
	// A -target or -replace naming nothing is a flag error: said before connecting anywhere.
	if err := plan.CheckFlags(plan.Input{Spec: s.spec, State: s.state, Targets: o.targets, Replace: o.replace}); err != nil {
		return nil, err
	}
	if err := s.connect(ctx, s.siteNames()); err != nil {
		// The Leasefile's problems at the sites that did connect are reported with it, in one
		// run, as validate reports its own.
		return nil, spec.Collect(err, a.problemsElsewhere(ctx, s, o))
	}
	return a.buildPlan(ctx, s, o, s.spec)
}

// problemsElsewhere plans the leases at the sites that connected, for the positioned
// problems of the Leasefile only: the plan itself is incomplete and discarded.
func (a *app) problemsElsewhere(ctx context.Context, s *session, o planOptions) error {
	if s.spec == nil || len(s.sites) == 0 {
		return nil
	}
	part := *s.spec
	part.Leases = nil
	for _, l := range s.spec.Leases {
		if s.sites[l.Site] != nil {
			part.Leases = append(part.Leases, l)
		}
	}
	_, err := a.buildPlan(ctx, s, o, &part)
	var list spec.ErrorList
	if errors.As(err, &list) {
		return list
	}
	return nil
}

func (a *app) buildPlan(ctx context.Context, s *session, o planOptions, f *spec.File) (*plan.Plan, error) {
	live, err := s.planLive(ctx, f)
	if err != nil {
		return nil, err
	}
	networks, err := s.floatingNetworks(ctx)
	if err != nil {
		return nil, err
	}
	var flavors map[string]map[string]string
	if !o.destroy {
		// A destroy compares nothing, and must work whatever the Leasefile's flavors say.
		if flavors, err = s.flavors(ctx); err != nil {
			return nil, err
		}
	}
	return plan.Build(plan.Input{
		Networks:      networks,
		Flavors:       flavors,
		Spec:          f,
		State:         s.state,
		StateExisted:  s.existed,
		Live:          live,
		Identity:      s.identities(),
		Now:           a.now(),
		Targets:       o.targets,
		Replace:       o.replace,
		Destroy:       o.destroy,
		RefreshOnly:   o.refreshOnly,
		LeasefileHash: s.specHash,

		AllowDuplicateName: o.allowDuplicateName,
	})
}

// planFormat is the rendering that -json and -format ask for, or a flag error.
func planFormat(c *cli.Command, jsonOut bool, format string) (string, error) {
	if jsonOut && c.IsSet("format") && format != "json" {
		return "", flagError(c, "-json and -format %s conflict: -json is -format json", format)
	}
	if jsonOut {
		return "json", nil
	}
	if !slices.Contains([]string{"text", "json", "markdown", "md"}, format) {
		return "", flagError(c, "unknown -format %q: use text, json or markdown", format)
	}
	return format, nil
}

func (a *app) renderPlan(p *plan.Plan, format string, diff bool) error {
	switch format {
	case "text", "":
		return plan.RenderText(a.stdout, p, plan.TextOptions{Color: a.color(), Diff: diff})
	case "json":
		return plan.RenderJSON(a.stdout, p)
	case "markdown", "md":
		return plan.RenderMarkdown(a.stdout, p)
	}
	return fmt.Errorf("unknown -format %q: use text, json or markdown", format)
}

// writePlanFile saves a plan readable only by its owner: it names leases and projects.
func writePlanFile(path string, p *plan.Plan) error {
	var b bytes.Buffer
	if err := plan.Write(&b, p); err != nil {
		return err
	}
	if err := state.WriteAtomic(path, b.Bytes()); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	return nil
}

func readPlanFile(path string) (*plan.Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	defer f.Close()
	p, err := plan.Read(f)
	if errors.Is(err, plan.ErrOlderFormat) {
		return nil, &codeError{code: exitError, msg: fmt.Sprintf("%s: %v", path, err), hint: olderPlanHint(filepath.Base(path))}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}
