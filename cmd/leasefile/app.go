package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/chameleoncloud/leasefile/spec"
	"github.com/urfave/cli/v3"
)

// version is set by the linker for releases (-ldflags "-X main.version=v1.2.3").
var version = ""

// app holds the global options and lazily built dependencies of one invocation.
type app struct {
	ui
	lookupEnv func(string) (string, bool)

	file      string // -f
	statePath string // --state
	local     bool
	debug     bool
}

func newApp(stdin io.Reader, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) *app {
	return &app{ui: ui{stdin: stdin, stdout: stdout, stderr: stderr}, lookupEnv: lookupEnv}
}

func (a *app) getenv(k string) string {
	v, _ := a.lookupEnv(k)
	return v
}

func (a *app) run(ctx context.Context, args []string) int {
	root := a.command()
	err := root.Run(ctx, args)
	if err == nil {
		return exitOK
	}
	if errors.Is(err, context.Canceled) {
		a.errorf("interrupted")
		return exitInterrupted
	}
	return a.report(err)
}

func (a *app) command() *cli.Command {
	return &cli.Command{
		Name:  "leasefile",
		Usage: "plan and apply OpenStack Blazar leases declared in a Leasefile",
		Description: "leasefile does for Blazar leases on Chameleon Cloud what Terraform does for infrastructure:\n" +
			"a Leasefile declares leases, plan shows what would change, apply makes it so and waits.\n\n" +
			"Example:\n  leasefile --local apply -f examples/quickstart.yaml -auto-approve",
		Writer:                a.stdout,
		ErrWriter:             a.stderr,
		Reader:                a.stdin,
		ExitErrHandler:        func(context.Context, *cli.Command, error) {},
		EnableShellCompletion: true,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "the Leasefile (default: Leasefile, Leasefile.yaml or leasefile.yaml)", Destination: &a.file},
			&cli.StringFlag{Name: "state", Usage: "the state file (default: leasefile.state.json beside the Leasefile)", Destination: &a.statePath},
			&cli.BoolFlag{Name: "local", Usage: "use the embedded Blazar emulator, persisted under .leasefile/local/ (also LEASEFILE_LOCAL=1)", Destination: &a.local},
			&cli.BoolFlag{Name: "no-color", Usage: "no colours in output (also NO_COLOR)", Destination: &a.noColor},
			&cli.BoolFlag{Name: "debug", Usage: "trace HTTP calls on stderr, with tokens and secrets redacted", Destination: &a.debug},
		},
		Before: func(ctx context.Context, c *cli.Command) (context.Context, error) {
			if a.getenv("NO_COLOR") != "" {
				a.noColor = true
			}
			if v := a.getenv("LEASEFILE_LOCAL"); v != "" && v != "0" && v != "false" {
				a.local = true
			}
			return ctx, nil
		},
		Commands: a.commands(),
	}
}

// leasefilePath returns the -f file, or the first default name found in the working directory.
func (a *app) leasefilePath() (string, error) {
	if a.file != "" {
		return a.file, nil
	}
	return spec.Find(".")
}

// loadSpec parses the Leasefile; on failure every problem has been printed, one per line.
func (a *app) loadSpec() (*spec.File, []byte, error) {
	path, err := a.leasefilePath()
	if err != nil {
		return nil, nil, err
	}
	f, err := spec.Load(path, spec.Options{LookupEnv: a.lookupEnv})
	if err != nil {
		return nil, nil, err
	}
	data, err := os.ReadFile(path)
	return f, data, err
}

// defaultStatePath is leasefile.state.json beside the Leasefile.
func (a *app) defaultStatePath(leasefile string) string {
	return filepath.Join(filepath.Dir(leasefile), "leasefile.state.json")
}

func versionString() string {
	v := version
	if v == "" {
		v = "(devel)"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	return fmt.Sprintf("leasefile %s", v)
}
