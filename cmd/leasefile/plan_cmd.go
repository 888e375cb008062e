package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/chameleoncloud/leasefile/plan"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/urfave/cli/v3"
)

// planOptions are the flags that shape a plan, shared by plan, apply and destroy.
type planOptions struct {
	targets, replace     []string
	destroy, refreshOnly bool
}

func planFlags(o *planOptions) []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "target", Usage: "limit the plan to lease `KEY` (repeatable); for exceptional use only", Destination: &o.targets},
		&cli.StringSliceFlag{Name: "replace", Usage: "replace lease `KEY` even if it could be updated in place (repeatable)", Destination: &o.replace},
		&cli.BoolFlag{Name: "refresh-only", Usage: "record drift in the state and change no lease", Destination: &o.refreshOnly},
	}
}

func (a *app) planCommand() *cli.Command {
	var (
		o                planOptions
		out, format      string
		jsonOut, diff    bool
		detailedExitcode bool
	)
	flags := append(planFlags(&o),
		&cli.BoolFlag{Name: "destroy", Usage: "plan to delete every lease in the state", Destination: &o.destroy},
		&cli.StringFlag{Name: "out", Usage: "save the plan to `FILE` for apply", Destination: &out},
		&cli.BoolFlag{Name: "json", Usage: "print the plan as JSON (same as -format json)", Destination: &jsonOut},
		&cli.StringFlag{Name: "format", Value: "text", Usage: "text, json or markdown (a pull-request comment)", Destination: &format},
		&cli.BoolFlag{Name: "diff", Usage: "show changed fields as a diff", Destination: &diff},
		&cli.BoolFlag{Name: "detailed-exitcode", Usage: "exit 0 with no changes, 2 with changes, 1 on error", Destination: &detailedExitcode},
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
			if jsonOut {
				format = "json"
			}
			need := specRequired
			if o.destroy {
				need = specOptional
			}
			s, err := a.openSession(ctx, need)
			if err != nil {
				return err
			}
			defer s.close()
			p, err := a.makePlan(ctx, s, o)
			if err != nil {
				return err
			}
			if err := a.renderPlan(p, format, diff); err != nil {
				return err
			}
			if out != "" {
				if err := writePlanFile(a.abs(out), p); err != nil {
					return err
				}
				if format == "text" {
					fmt.Fprintf(a.stdout, "\nSaved the plan to: %s\nTo perform exactly these actions, run:\n  leasefile apply %s\n", out, out)
				}
			}
			if detailedExitcode && p.HasChanges() {
				return silent(exitChanges)
			}
			return nil
		},
	}
}

// makePlan connects to every site involved, lists their leases and builds the plan.
func (a *app) makePlan(ctx context.Context, s *session, o planOptions) (*plan.Plan, error) {
	if err := s.connect(ctx, s.siteNames()); err != nil {
		return nil, err
	}
	live, err := s.live(ctx)
	if err != nil {
		return nil, err
	}
	networks, err := s.floatingNetworks(ctx)
	if err != nil {
		return nil, err
	}
	return plan.Build(plan.Input{
		Networks:      networks,
		Spec:          s.spec,
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
	})
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
		return nil, &codeError{code: exitError, msg: fmt.Sprintf("%s: %v", path, err), hint: "saved plans are short-lived: make it again with leasefile plan -out " + filepath.Base(path)}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}
