package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/chameleoncloud/leasefile/state"
)

// conflictHint is what to do when a copy between backends would lose a state.
const conflictHint = "compare the two states (leasefile show -json, leasefile state pull): the one with the higher serial of the same lineage is the newer"

func (a *app) statePushCommand() *cli.Command {
	var lockTimeout time.Duration
	return &cli.Command{
		Name:      "push",
		Usage:     "copy a state file into the Leasefile's state backend",
		UsageText: "leasefile state push FILE",
		Description: "Moves a state to the backend the Leasefile's state: block names, keeping its lineage and serial, under the\n" +
			"backend's lock. A backend that holds another state (another lineage), or a newer one, is not overwritten.\n\n" +
			"Example:\n  leasefile state push leasefile.state.json",
		Flags: []cli.Flag{lockTimeoutFlag(&lockTimeout)},
		Action: func(ctx context.Context, c *cli.Command) error {
			if c.Args().Len() != 1 {
				return fmt.Errorf("state push needs the state FILE to copy")
			}
			src := a.abs(c.Args().First())
			from, err := state.Load(src)
			if err != nil {
				return err
			}
			s, err := a.openSession(ctx, specNone)
			if err != nil {
				return err
			}
			defer s.close()
			if l, ok := s.backend.(*state.Local); ok && l.Path == src {
				return fmt.Errorf("%s is the state this Leasefile already uses: nothing to push", displayPath(a, src))
			}
			unlock, err := s.lockState(ctx, "state push", lockTimeout)
			if err != nil {
				return err
			}
			defer unlock()
			if err := s.backend.Write(ctx, from.ForCopy()); err != nil {
				return copyError(err)
			}
			fmt.Fprintf(a.stdout, "Pushed %s (lineage %s, serial %d) to %s.\n", displayPath(a, src), from.Lineage, from.Serial, s.where())
			return nil
		},
	}
}

func (a *app) statePullCommand() *cli.Command {
	return &cli.Command{
		Name:      "pull",
		Usage:     "copy the Leasefile's state out of its backend",
		UsageText: "leasefile state pull [FILE]",
		Description: "Without FILE, prints the state as JSON. With FILE, writes it there keeping its lineage and serial; a FILE that\n" +
			"holds another state (another lineage), or a newer one, is not overwritten.\n\n" +
			"Example:\n  leasefile state pull backup.state.json",
		Action: func(ctx context.Context, c *cli.Command) error {
			s, err := a.openSession(ctx, specNone)
			if err != nil {
				return err
			}
			defer s.close()
			if !s.existed {
				return fmt.Errorf("%s holds no state yet", s.where())
			}
			if c.Args().Len() == 0 {
				v, err := s.state.ForCopy().Next()
				if err != nil {
					return err
				}
				_, err = a.stdout.Write(v.Data)
				return err
			}
			dst := a.abs(c.Args().First())
			if err := state.NewLocal(dst).Write(ctx, s.state.ForCopy()); err != nil {
				return copyError(err)
			}
			fmt.Fprintf(a.stdout, "Pulled %s (lineage %s, serial %d) into %s.\n", s.where(), s.state.Lineage, s.state.Serial, displayPath(a, dst))
			return nil
		},
	}
}

func copyError(err error) error {
	var ce *state.ConflictError
	if errors.As(err, &ce) {
		msg := fmt.Sprintf("%s holds another state (lineage %s, not %s): not overwritten", ce.Location, ce.StoredLineage, ce.WantLineage)
		if ce.StoredLineage == ce.WantLineage {
			msg = fmt.Sprintf("%s holds serial %d of this state, and the copy is serial %d: not overwritten with an older or equal one", ce.Location, ce.StoredSerial, ce.WantSerial+1)
		}
		return &codeError{code: exitError, msg: msg, hint: conflictHint}
	}
	return err
}
