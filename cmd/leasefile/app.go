package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"time"

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

	// wd resolves relative paths; "" means the process's working directory. Tests that run
	// commands in-process set it, with the clock and the wait timer.
	wd    string
	clock interface{ Now() time.Time } // nil: the real clock
	after func(time.Duration) <-chan time.Time
	// cloudsYAML, when set, replaces clouds.yaml discovery (tests point it at their emulator).
	cloudsYAML []byte

	usageFailed bool // an unknown command was reported
}

// now is the current time, from the injected clock in tests.
func (a *app) now() time.Time {
	if a.clock != nil {
		return a.clock.Now().UTC()
	}
	return time.Now().UTC()
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
	setUsageError(root, a.usageError)
	err := root.Run(ctx, args)
	if a.usageFailed {
		return exitError
	}
	if err == nil {
		return exitOK
	}
	if errors.Is(err, context.Canceled) {
		a.errorf("interrupted: what was done is saved in the state; leasefile plan shows where things stand, leasefile wait keeps waiting")
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
		Writer:                          a.stdout,
		ErrWriter:                       a.stderr,
		Reader:                          a.stdin,
		ExitErrHandler:                  func(context.Context, *cli.Command, error) {},
		EnableShellCompletion:           true,
		ConfigureShellCompletionCommand: configureCompletion,
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
		CommandNotFound: func(ctx context.Context, c *cli.Command, name string) {
			a.errorf("unknown command %q", name)
			a.hintf("leasefile --help lists the commands")
			a.usageFailed = true
		},
		OnUsageError: a.usageError,
	}
}

// setUsageError gives every command the same one-line report of a bad flag.
func setUsageError(c *cli.Command, f cli.OnUsageErrorFunc) {
	c.OnUsageError = f
	for _, sub := range c.Commands {
		setUsageError(sub, f)
	}
}

// usageError reports a bad flag or argument in one line and a hint, instead of the whole help.
func (a *app) usageError(ctx context.Context, c *cli.Command, err error, isSubcommand bool) error {
	return &codeError{code: exitError, msg: err.Error(), hint: fmt.Sprintf("%s --help shows the options", c.FullName())}
}

// leasefilePath returns the -f file, or the first default name found in the working directory.
func (a *app) leasefilePath() (string, error) {
	if a.file != "" {
		return a.abs(a.file), nil
	}
	return spec.Find(a.abs("."))
}

// loadSpec parses the Leasefile; a failure is a spec.ErrorList of positioned problems.
func (a *app) loadSpec() (*spec.File, error) {
	path, err := a.leasefilePath()
	if err != nil {
		return nil, err
	}
	data, err := a.readLeasefile(path)
	if err != nil {
		return nil, err
	}
	return spec.Parse(displayPath(a, path), data, spec.Options{LookupEnv: a.lookupEnv})
}

func (a *app) readLeasefile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no such Leasefile", displayPath(a, path))
	}
	return data, err
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
