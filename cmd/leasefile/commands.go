package main

import (
	"context"
	"fmt"

	"github.com/chameleoncloud/leasefile/schema"
	"github.com/urfave/cli/v3"
)

func (a *app) commands() []*cli.Command {
	return []*cli.Command{
		a.validateCommand(),
		a.fmtCommand(),
		a.planCommand(),
		a.applyCommand(),
		a.destroyCommand(),
		a.showCommand(),
		a.outputCommand(),
		a.importCommand(),
		a.stateCommand(),
		a.forceUnlockCommand(),
		a.waitCommand(),
		a.schemaCommand(),
		a.versionCommand(),
		a.emulatorCommand(),
		a.availabilityCommand(),
		a.docsCommand(),
	}
}

func (a *app) validateCommand() *cli.Command {
	var jsonOut bool
	return &cli.Command{
		Name:      "validate",
		Usage:     "check the Leasefile against the schema and the semantic rules, with no network",
		UsageText: "leasefile validate [-f FILE] [-json]",
		Description: "Every problem is reported in one run as FILE:LINE:COL: path: message, on stderr,\n" +
			"and the exit status is 1. Nothing is contacted: no credentials are needed.\n" +
			"-json prints one object on stdout instead, as terraform validate -json does: valid,\n" +
			"error_count, warning_count and the diagnostics with their Leasefile range (docs/json-ui.md).\n\n" +
			"Example:\n  leasefile validate -f examples/quickstart.yaml",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the result as one JSON object, for editors and CI", Destination: &jsonOut},
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			if jsonOut {
				a.json = newJSONDocument(a.stdout, a.now)
			}
			f, err := a.loadSpec()
			if err != nil {
				return err
			}
			if jsonOut {
				return nil
			}
			fmt.Fprintf(a.stdout, "Leasefile is valid: %s, %s across %s.\n",
				plural(len(f.Leases), "lease"), plural(f.ReservationCount(), "reservation"), plural(len(f.SiteNames()), "site"))
			return nil
		},
	}
}

func (a *app) schemaCommand() *cli.Command {
	return &cli.Command{
		Name:      "schema",
		Usage:     "print the Leasefile JSON Schema, for editors",
		UsageText: "leasefile schema > lease.schema.json",
		Description: "Point your editor's YAML language server at it with a first line such as\n" +
			"  # yaml-language-server: $schema=./lease.schema.json\n\n" +
			"Example:\n  leasefile schema > lease.schema.json",
		Action: func(ctx context.Context, c *cli.Command) error {
			_, err := a.stdout.Write(schema.JSON)
			return err
		},
	}
}

func (a *app) versionCommand() *cli.Command {
	return &cli.Command{
		Name:        "version",
		Usage:       "print the version",
		Description: "Example:\n  leasefile version",
		Action: func(ctx context.Context, c *cli.Command) error {
			fmt.Fprintln(a.stdout, versionString())
			return nil
		},
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
