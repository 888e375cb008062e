package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/plan"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/google/uuid"
	"github.com/urfave/cli/v3"
)

// importOptions are import's arguments and flags.
type importOptions struct {
	key, id     string
	lockTimeout time.Duration
}

func (a *app) importCommand() *cli.Command {
	var o importOptions
	return &cli.Command{
		Name:      "import",
		Usage:     "adopt an existing lease (made in the GUI or a notebook) under a Leasefile key",
		UsageText: "leasefile import KEY LEASE_ID",
		Description: "The lease must have the reservations the Leasefile entry declares: each reservation key is\n" +
			"matched to one of the lease's reservations by type, then by constraints and count.\n\n" +
			"Example:\n  leasefile import training 6ee55c78-ac52-41a6-99af-2d2d73bcc466",
		Flags: []cli.Flag{lockTimeoutFlag(&o.lockTimeout)},
		Action: func(ctx context.Context, c *cli.Command) error {
			if c.Args().Len() != 2 {
				return fmt.Errorf("import needs a lease KEY and a LEASE_ID")
			}
			o.key, o.id = c.Args().Get(0), c.Args().Get(1)
			return a.runImport(ctx, o)
		},
	}
}

// runImport records the lease o.id under the Leasefile key o.key: its reservations matched
// to the entry's (plan.MatchImport), under the state lock.
func (a *app) runImport(ctx context.Context, o importOptions) error {
	if _, err := uuid.Parse(o.id); err != nil {
		return &codeError{code: exitError, msg: fmt.Sprintf("%q is not a lease ID", o.id), hint: hintLeaseID}
	}
	s, err := a.openSession(ctx, specRequired)
	if err != nil {
		return err
	}
	defer s.close()
	want := s.spec.Lease(o.key)
	if want == nil {
		return &codeError{code: exitError, msg: fmt.Sprintf("the Leasefile declares no lease %q", o.key), hint: hintImportUndeclared}
	}
	if err := s.connect(ctx, []string{want.Site}); err != nil {
		return err
	}
	site := s.sites[want.Site]
	// Chameleon's Blazar answers any project's lease by id: GetOwn refuses another's.
	var live *leases.Lease
	err = s.retrier(want.Site+": get lease").Do(ctx, func(c context.Context) error {
		var err error
		live, err = leases.GetOwn(c, site.Reservation, o.id, site.ProjectID)
		return err
	})
	if err != nil {
		if blazar.IsKind(err, blazar.NotFound) {
			return fmt.Errorf("no lease %s at %s in project %s: %w", o.id, want.Site, site.ProjectID, err)
		}
		return fmt.Errorf("%s: get lease %s: %w", want.Site, o.id, err)
	}
	matched, err := plan.MatchImport(want, live)
	if err != nil {
		return importFailure(err)
	}
	return a.withStateLock(ctx, s, "import", o.lockTimeout, func(f *state.File) error {
		l, err := plan.Import(f, want, live, matched)
		if err != nil {
			return importFailure(err)
		}
		if err := f.CheckSite(want.Site, s.identity(site)); err != nil {
			return err
		}
		f.SetSite(want.Site, s.identity(site))
		f.SetLease(o.key, l)
		f.DropIntent(o.key)
		fmt.Fprintf(a.stdout, "Imported lease %s (%s, %s) as lease.%s.\nRun leasefile plan to see how it differs from the Leasefile.\n", live.ID, live.Name, live.Status, o.key)
		return nil
	})
}

// importFailure adds its remedy to a *plan.ImportError.
func importFailure(err error) error {
	var ie *plan.ImportError
	if !errors.As(err, &ie) {
		return err
	}
	return &codeError{code: exitError, msg: err.Error(), hint: importHint(ie)}
}
