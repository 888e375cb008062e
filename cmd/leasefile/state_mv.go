package main

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/chameleoncloud/leasefile/state"
)

func (a *app) stateMvCommand() *cli.Command {
	var lockTimeout time.Duration
	return &cli.Command{
		Name:      "mv",
		Usage:     "rename a lease key or a reservation key in the state (Blazar is not touched)",
		UsageText: "leasefile state mv OLD NEW\n   leasefile state mv KEY.OLDRES KEY.NEWRES",
		Description: "After renaming a key in the Leasefile, move its state entry so that the next plan keeps the lease instead of\n" +
			"deleting it and creating another. A moved: entry in the Leasefile does the same for every clone of the repo.\n\n" +
			"Example:\n  leasefile state mv training train\n  leasefile state mv train.gpus train.gpu",
		Flags: []cli.Flag{lockTimeoutFlag(&lockTimeout)},
		Action: func(ctx context.Context, c *cli.Command) error {
			if c.Args().Len() != 2 {
				return fmt.Errorf("state mv needs OLD and NEW keys")
			}
			from, to := c.Args().Get(0), c.Args().Get(1)
			s, err := a.openSession(ctx, specNone)
			if err != nil {
				return err
			}
			defer s.close()
			return a.withStateLock(ctx, s, "state mv", lockTimeout, func(f *state.File) error {
				if err := f.Move(from, to); err != nil {
					return fmt.Errorf("state %s: %w", s.where(), err)
				}
				fmt.Fprintf(a.stdout, "Moved %s to %s in the state.\n", termSafe(from), termSafe(to))
				return nil
			})
		},
	}
}
