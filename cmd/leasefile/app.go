package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/chameleoncloud/leasefile/cloud"
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
	// callTimeout bounds each call of the plan phase; 0 means blazar.DefaultCallTimeout.
	callTimeout time.Duration
	// cloudsYAML, when set, replaces clouds.yaml discovery (tests point it at their emulator).
	cloudsYAML []byte
	// interactive, when set, replaces the terminal check of canPrompt (tests have no terminal).
	interactive *bool

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
	defer func() {
		if a.json != nil {
			a.json.close()
		}
	}()
	root := a.command()
	a.setUsageError(root)
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
			&cli.StringFlag{Name: "state", Usage: "the state file (default: beside the Leasefile, NAME.state.json for NAME.yaml, leasefile.state.json for the default names)", Destination: &a.statePath},
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
		Commands:     a.commands(),
		OnUsageError: a.usageError,
	}
}

// setUsageError gives every command the same one-line report of a bad flag, and every
// command with subcommands the same handling of a missing or unknown one.
func (a *app) setUsageError(c *cli.Command) {
	c.OnUsageError = a.usageError
	if len(c.Commands) > 0 && c.Action == nil {
		c.Action = a.groupAction
		c.CommandNotFound = func(ctx context.Context, c *cli.Command, name string) { a.unknownCommand(c, name) }
	}
	for _, sub := range c.Commands {
		a.setUsageError(sub)
	}
}

// groupAction runs for a command that has subcommands when none is named: an unknown word is
// an unknown command, and nothing at all shows the help and exits 1, as Terraform does.
func (a *app) groupAction(ctx context.Context, c *cli.Command) error {
	if c.Args().Present() {
		a.unknownCommand(c, c.Args().First())
		return nil
	}
	var err error
	if c.Root() == c {
		err = cli.ShowRootCommandHelp(c)
	} else {
		err = cli.ShowSubcommandHelp(c)
	}
	if err != nil {
		return err
	}
	return silent(exitError)
}

func (a *app) unknownCommand(c *cli.Command, name string) {
	a.errorf("unknown command %q", strings.TrimSpace(strings.TrimPrefix(c.FullName()+" ", "leasefile ")+name))
	a.hintf("%s", commandsHint(c.FullName()))
	a.usageFailed = true
}

// usageError reports a bad flag or argument in one line and a hint, instead of the whole help.
func (a *app) usageError(ctx context.Context, c *cli.Command, err error, isSubcommand bool) error {
	return &codeError{code: exitError, msg: err.Error(), hint: flagHint(c.FullName())}
}

// flagError is a bad flag value or combination, reported as usageError reports a bad flag.
func flagError(c *cli.Command, format string, args ...any) error {
	return &codeError{code: exitError, msg: fmt.Sprintf(format, args...), hint: flagHint(c.FullName())}
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
	text, err := a.readLeasefileText(path)
	if err != nil {
		return nil, err
	}
	return a.parseSpec(path, text)
}

// parseSpec parses the Leasefile at path and prints its warnings. A site outside Chameleon's
// is accepted when clouds.yaml has an entry of that name (not with --local, whose emulator
// serves only Chameleon's).
func (a *app) parseSpec(path string, text string) (*spec.File, error) {
	opts := spec.Options{LookupEnv: a.lookupEnv}
	if !a.local {
		r := &cloud.Resolver{Env: a.getenv, CloudsYAML: a.cloudsYAML}
		opts.SiteReachable = r.HasCloud
	}
	if a.json != nil {
		a.json.source(displayPath(a, path), []byte(text))
	}
	f, err := spec.ParseText(displayPath(a, path), text, opts)
	if err != nil {
		return nil, err
	}
	for _, w := range f.Warnings {
		a.warnAt(w)
	}
	return f, nil
}

// readLeasefile is readLeasefileText as bytes, for what edits or scans the file.
func (a *app) readLeasefile(path string) ([]byte, error) {
	text, err := a.readLeasefileText(path)
	if err != nil {
		return nil, err
	}
	return []byte(text), nil
}

// readLeasefileText reads the Leasefile at path straight into the text the spec's strings
// are sliced from (spec.ParseText), not into bytes copied to a string: a 1,000-lease
// Leasefile is 180 KB of fresh memory less per plan.
func (a *app) readLeasefileText(path string) (string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%s: no such Leasefile", displayPath(a, path))
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	var b strings.Builder
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		b.Grow(int(st.Size()))
	}
	if _, err := io.Copy(&b, f); err != nil {
		return "", err
	}
	return b.String(), nil
}

func versionString() string {
	bi, _ := debug.ReadBuildInfo()
	return versionFrom(version, bi)
}

// versionFrom is "leasefile VERSION (commit REV)": VERSION from the linker, else the module
// version (go install ...@v1.2.3), else (devel); the commit when the build recorded it.
func versionFrom(linked string, bi *debug.BuildInfo) string {
	v := linked
	if v == "" && bi != nil && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	if bi != nil {
		for _, kv := range bi.Settings {
			switch kv.Key {
			case "vcs.revision":
				rev = kv.Value
			case "vcs.modified":
				modified = kv.Value
			}
		}
	}
	if rev == "" {
		return "leasefile " + v
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += ", modified"
	}
	return fmt.Sprintf("leasefile %s (commit %s)", v, rev)
}
