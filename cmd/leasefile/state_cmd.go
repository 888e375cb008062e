package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/chameleoncloud/leasefile/plan"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/urfave/cli/v3"
)

func (a *app) showCommand() *cli.Command {
	var jsonOut bool
	var format string
	return &cli.Command{
		Name:        "show",
		Usage:       "show the state, or a saved plan",
		UsageText:   "leasefile show [-json] [PLANFILE]\n   leasefile show -format markdown PLANFILE",
		Description: "A saved plan renders as text, JSON or the markdown of a pull-request comment.\n\nExample:\n  leasefile show -format markdown plan.json > comment.md",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print JSON", Destination: &jsonOut},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "for a plan: text, json or markdown", Destination: &format},
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			if pf := c.Args().First(); pf != "" {
				format, err := planFormat(c, jsonOut, format)
				if err != nil {
					return err
				}
				p, err := readPlanFile(a.abs(pf))
				if err != nil {
					return err
				}
				if err := a.renderPlan(p, format, false); err != nil {
					return err
				}
				if format == "text" || format == "" {
					return writePlanLeaseIDs(a.stdout, p)
				}
				return nil
			}
			s, err := a.openSession(ctx, specNone)
			if err != nil {
				return err
			}
			defer s.close()
			if jsonOut {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(s.state)
			}
			if len(s.state.Leases) == 0 {
				fmt.Fprintf(a.stdout, "The state (%s) holds no leases.\n", displayPath(a, s.statePath))
				return nil
			}
			for i, k := range s.state.Keys() {
				if i > 0 {
					fmt.Fprintln(a.stdout)
				}
				l, _ := s.state.Lease(k)
				writeStateLease(a.stdout, k, l)
			}
			return nil
		},
	}
}

// termSafe returns s as it can be printed to a terminal: unchanged when every character is
// printable, else quoted with the control characters escaped (as plan and output print
// names), so that a name from Blazar or a state file cannot clear the screen or retitle it.
func termSafe(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0 {
		return s
	}
	return strconv.Quote(s)
}

// writePlanLeaseIDs lists the lease IDs a saved plan acts on, from the fields apply uses
// (not the displayed ones, which an edited plan file could make say anything).
func writePlanLeaseIDs(w io.Writer, p *plan.Plan) error {
	type row struct{ what, key, site, id string }
	var rows []row
	for _, a := range p.Adopt {
		rows = append(rows, row{"adopt", a.Key, a.Site, a.LeaseID})
	}
	for _, ch := range p.Changes {
		if ch.Action == plan.NoOp || ch.LeaseID == "" {
			continue
		}
		word, _ := ch.Action.MarshalText()
		rows = append(rows, row{string(word), ch.Key, ch.OldSite(), ch.LeaseID})
	}
	if len(rows) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\nLease IDs this plan acts on:\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintf(tw, "  %s\tlease.%s\t%s\t%s\n", r.what, termSafe(r.key), termSafe(r.site), termSafe(r.id))
	}
	return tw.Flush()
}

func writeStateLease(w io.Writer, key string, l *state.Lease) {
	fmt.Fprintf(w, "# lease.%s\n", termSafe(key))
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	fmt.Fprintf(tw, "  id\t= %s\n  name\t= %s\n  site\t= %s\n  status\t= %s\n", termSafe(l.ID), termSafe(l.Name), termSafe(l.Site), termSafe(l.Status))
	fmt.Fprintf(tw, "  start\t= %s\n  end\t= %s\n", fmtTime(l.Start), fmtTime(l.End))
	rkeys := make([]string, 0, len(l.Reservations))
	for rk := range l.Reservations {
		rkeys = append(rkeys, rk)
	}
	sort.Strings(rkeys)
	for _, rk := range rkeys {
		r := l.Reservations[rk]
		fmt.Fprintf(tw, "  reservations.%s\t= %s (%s)\n", termSafe(rk), termSafe(r.ID), termSafe(r.ResourceType))
	}
	tw.Flush()
}

func (a *app) stateCommand() *cli.Command {
	var lockTimeout time.Duration
	return &cli.Command{
		Name:        "state",
		Usage:       "inspect and edit the state",
		Description: "Example:\n  leasefile state list",
		Commands: []*cli.Command{
			{
				Name:      "list",
				Usage:     "list the leases in the state",
				UsageText: "leasefile state list [-json]",
				Description: "-json prints an array of {key, site, id, name, status, start, end}, sorted by key,\n" +
					"times RFC 3339.\n\nExample:\n  leasefile state list -json | jq -r '.[].id'",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "json", Usage: "print JSON"},
				},
				Action: func(ctx context.Context, c *cli.Command) error {
					s, err := a.openSession(ctx, specNone)
					if err != nil {
						return err
					}
					defer s.close()
					if c.Bool("json") {
						return writeStateList(a.stdout, s.state)
					}
					tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
					for _, k := range s.state.Keys() {
						l, _ := s.state.Lease(k)
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", termSafe(k), termSafe(l.Site), termSafe(l.ID), termSafe(l.Status))
					}
					return tw.Flush()
				},
			},
			{
				Name:        "show",
				Usage:       "show one lease of the state",
				UsageText:   "leasefile state show KEY",
				Description: "Example:\n  leasefile state show training",
				Action: func(ctx context.Context, c *cli.Command) error {
					key := c.Args().First()
					if key == "" {
						return fmt.Errorf("state show needs a lease KEY")
					}
					s, err := a.openSession(ctx, specNone)
					if err != nil {
						return err
					}
					defer s.close()
					l, ok := s.state.Lease(key)
					if !ok {
						return fmt.Errorf("no lease %q in the state %s", key, displayPath(a, s.statePath))
					}
					writeStateLease(a.stdout, key, l)
					return nil
				},
			},
			{
				Name:        "rm",
				Usage:       "forget leases (Blazar is not touched)",
				UsageText:   "leasefile state rm KEY...",
				Description: "The leases stay in Blazar; leasefile stops managing them.\n\nExample:\n  leasefile state rm training",
				Flags:       []cli.Flag{lockTimeoutFlag(&lockTimeout)},
				Action: func(ctx context.Context, c *cli.Command) error {
					keys := c.Args().Slice()
					if len(keys) == 0 {
						return fmt.Errorf("state rm needs at least one lease KEY")
					}
					s, err := a.openSession(ctx, specNone)
					if err != nil {
						return err
					}
					defer s.close()
					return a.withStateLock(ctx, s, "state rm", lockTimeout, func(f *state.File) error {
						for _, k := range keys {
							l, ok := f.Lease(k)
							if !ok {
								return fmt.Errorf("no lease %q in the state %s", k, displayPath(a, s.statePath))
							}
							f.RemoveLease(k)
							fmt.Fprintf(a.stdout, "Removed lease.%s from the state; lease %s stays in Blazar at %s.\n", termSafe(k), termSafe(l.ID), termSafe(l.Site))
						}
						return nil
					})
				},
			},
		},
	}
}

// withStateLock runs edit on the state under the lock, saving the result.
func (a *app) withStateLock(ctx context.Context, s *session, op string, timeout time.Duration, edit func(*state.File) error) error {
	unlock, err := s.lockState(ctx, op, timeout)
	if err != nil {
		return err
	}
	defer unlock()
	if err := edit(s.state); err != nil {
		return err
	}
	return s.state.Save(s.statePath)
}

func (a *app) forceUnlockCommand() *cli.Command {
	var force bool
	return &cli.Command{
		Name:      "force-unlock",
		Usage:     "release a state lock left by a run that is gone",
		UsageText: "leasefile force-unlock [-force] LOCK_ID",
		Description: "Only release a lock when you are sure its run has ended: two applies at once can create duplicate leases.\n" +
			"A lock whose process still runs on this machine is refused; -force releases it anyway, with a warning.\n\n" +
			"Example:\n  leasefile force-unlock 3f2b7c1e-...",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Usage: "release the lock even though its process still runs on this machine", Destination: &force},
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			id := c.Args().First()
			if id == "" {
				return fmt.Errorf("force-unlock needs the LOCK_ID printed by the run that found the lock")
			}
			s, err := a.openSession(ctx, specNone)
			if err != nil {
				return err
			}
			defer s.close()
			info, err := state.ForceUnlock(s.statePath, id, force)
			if errors.Is(err, state.ErrHolderAlive) {
				return &codeError{code: exitError, msg: err.Error(),
					hint: fmt.Sprintf("let that run finish or stop it (kill %d); only if process %d is no longer leasefile, run: leasefile force-unlock -force %s", info.PID, info.PID, id)}
			}
			if err != nil {
				return err
			}
			if force && info.HolderAlive() {
				a.warnf("released the lock of process %d, which still runs on this machine: if it is a leasefile run, the next apply beside it can duplicate its leases", info.PID)
			}
			fmt.Fprintf(a.stdout, "Lock %s released.\n", id)
			return nil
		},
	}
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "(unknown)"
	}
	return t.UTC().Format("2006-01-02 15:04") + " UTC"
}

// stateListEntry is one lease of state list -json.
type stateListEntry struct {
	Key    string    `json:"key"`
	Site   string    `json:"site"`
	ID     string    `json:"id"`
	Name   string    `json:"name"`
	Status string    `json:"status"`
	Start  time.Time `json:"start,omitzero"`
	End    time.Time `json:"end,omitzero"`
}

func writeStateList(w io.Writer, st *state.File) error {
	list := []stateListEntry{}
	for _, k := range st.Keys() {
		l, _ := st.Lease(k)
		list = append(list, stateListEntry{Key: k, Site: l.Site, ID: l.ID, Name: l.Name, Status: l.Status, Start: l.Start.UTC(), End: l.End.UTC()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(list)
}
