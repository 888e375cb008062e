package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/chameleoncloud/leasefile/spec"
	"github.com/sergi/go-diff/diffmatchpatch"
	"github.com/urfave/cli/v3"
)

// fmtOptions are the flags of fmt.
type fmtOptions struct {
	check, diff bool
	files       []string // "-" is stdin to stdout
}

func (a *app) fmtCommand() *cli.Command {
	var o fmtOptions
	return &cli.Command{
		Name:      "fmt",
		Usage:     "rewrite Leasefiles in canonical form: key order, indentation; comments kept",
		UsageText: "leasefile fmt [-check] [-diff] [FILE... | -]",
		Description: "Keys go in the schema's order (version, name_prefix, defaults, sites, leases; in a\n" +
			"lease site, name, start, end, duration, ...; in a reservation type first), indented by\n" +
			"two spaces. Comments, quoting, flow style and the order of your lease and reservation\n" +
			"keys are kept. The files changed are listed. With no FILE, the Leasefile (-f or the\n" +
			"default names); \"-\" formats stdin to stdout, for editors.\n\n" +
			"-check writes nothing and exits 1 if a file is not in canonical form (CI, pre-commit);\n" +
			"-diff shows the changes as a unified diff.\n\n" +
			"Example:\n  leasefile fmt -check -diff examples/*.yaml",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "check", Usage: "write nothing; exit 1 if a file is not formatted", Destination: &o.check},
			&cli.BoolFlag{Name: "diff", Usage: "print the changes as a unified diff", Destination: &o.diff},
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			o.files = c.Args().Slice()
			return a.runFmt(o)
		},
	}
}

func (a *app) runFmt(o fmtOptions) error {
	if len(o.files) == 0 {
		p, err := a.leasefilePath()
		if err != nil {
			return err
		}
		o.files = []string{p}
	}
	var bad []string
	var errs []error
	for _, f := range o.files {
		shown, changed, err := a.fmtFile(f, o)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if changed {
			bad = append(bad, shown)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if o.check && len(bad) > 0 {
		return &codeError{code: exitError, msg: fmt.Sprintf("%s not in canonical form", plural(len(bad), "file")),
			hint: "run leasefile fmt " + strings.Join(slices.DeleteFunc(bad, func(s string) bool { return s == "<stdin>" }), " ")}
	}
	return nil
}

// fmtFile formats one file (or stdin), reporting its name as shown and whether it was not
// in canonical form.
func (a *app) fmtFile(name string, o fmtOptions) (string, bool, error) {
	var src []byte
	var err error
	path := name
	if name == "-" {
		src, err = io.ReadAll(a.stdin)
		name = "<stdin>"
	} else {
		path = a.abs(name)
		name = displayPath(a, path)
		src, err = a.readLeasefile(path)
	}
	if err != nil {
		return name, false, err
	}
	out, err := spec.Format(name, src)
	if err != nil {
		return name, false, err
	}
	if path == "-" && !o.check && !o.diff {
		_, err := a.stdout.Write(out)
		return name, false, err
	}
	if string(out) == string(src) {
		return name, false, nil
	}
	switch {
	case o.diff:
		fmt.Fprint(a.stdout, unifiedDiff(name, string(src), string(out)))
	case path != "-":
		fmt.Fprintln(a.stdout, name)
	}
	if o.check || path == "-" {
		return name, true, nil
	}
	return name, true, writeKeepingMode(path, out)
}

// writeKeepingMode replaces the file at path (through a symlink, the file it names) with
// data, atomically, keeping its permissions: a crash leaves the old file or the new one.
func writeKeepingMode(path string, data []byte) error {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".fmt-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(fi.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// unifiedDiff renders old -> new as a unified diff with three lines of context.
func unifiedDiff(name, old, new string) string {
	dmp := diffmatchpatch.New()
	ca, cb, lines := dmp.DiffLinesToChars(old, new)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(ca, cb, false), lines)
	type line struct {
		op   byte // ' ', '-', '+'
		text string
	}
	var ls []line
	for _, d := range diffs {
		op := byte(' ')
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			op = '-'
		case diffmatchpatch.DiffInsert:
			op = '+'
		}
		for _, t := range strings.SplitAfter(d.Text, "\n") {
			if t != "" {
				ls = append(ls, line{op, strings.TrimSuffix(t, "\n")})
			}
		}
	}
	const ctx = 3
	var b strings.Builder
	fmt.Fprintf(&b, "--- %s\n+++ %s (formatted)\n", name, name)
	oldLine, newLine := 1, 1 // numbers of ls[i] in the old and new file
	for i := 0; i < len(ls); {
		if ls[i].op == ' ' {
			i, oldLine, newLine = i+1, oldLine+1, newLine+1
			continue
		}
		// A hunk: back up ctx lines, run until ctx*2 unchanged lines in a row, plus ctx.
		start := max(i-ctx, 0)
		for j := start; j < i; j++ {
			oldLine, newLine = oldLine-1, newLine-1
		}
		end, same := i, 0
		for end < len(ls) && (ls[end].op != ' ' || same < 2*ctx) {
			if ls[end].op == ' ' {
				same++
			} else {
				same = 0
			}
			end++
		}
		end -= max(same-ctx, 0)
		var nOld, nNew int
		var body strings.Builder
		for _, l := range ls[start:end] {
			if l.op != '+' {
				nOld++
			}
			if l.op != '-' {
				nNew++
			}
			body.WriteByte(l.op)
			body.WriteString(l.text)
			body.WriteByte('\n')
		}
		fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@\n%s", oldLine, nOld, newLine, nNew, body.String())
		oldLine, newLine, i = oldLine+nOld, newLine+nNew, end
	}
	return b.String()
}
