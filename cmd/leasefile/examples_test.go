package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/google/go-cmp/cmp"
)

// TestExamples applies every example with --local, against the emulator's default,
// Chameleon-like inventory, then plans again: each must apply cleanly and converge. (spec tests that they
// validate; this proves they also make sense to Blazar.)
func TestExamples(t *testing.T) {
	paths, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "Leasefile"), data, 0o600); err != nil {
				t.Fatal(err)
			}
			clock := emulator.NewFakeClock(scriptStart)
			runIn := func(args ...string) (string, int) {
				var out, errOut bytes.Buffer
				a := newApp(strings.NewReader(""), &out, &errOut, func(k string) (string, bool) {
					if k == "USER" {
						return "ci", true
					}
					return "", false
				})
				a.wd, a.clock = dir, clock
				a.after = func(d time.Duration) <-chan time.Time {
					clock.Advance(d)
					ch := make(chan time.Time, 1)
					ch <- clock.Now()
					return ch
				}
				code := a.run(context.Background(), append([]string{"leasefile", "--no-color", "--local"}, args...))
				return out.String() + errOut.String(), code
			}
			if out, code := runIn("apply", "-auto-approve"); code != 0 {
				t.Fatalf("apply: exit %d\n%s", code, out)
			}
			if out, code := runIn("plan", "-detailed-exitcode"); code != 0 || !strings.Contains(out, "No changes.") {
				t.Fatalf("plan after apply: exit %d\n%s", code, out)
			}
		})
	}
}

// TestExamplesDoNotDependOnUser: the examples put ${USER} in name_prefix, so a teammate or a
// CI job applying the same file renamed (or duplicated) every lease. What an example declares
// is the same whoever reads it.
func TestExamplesDoNotDependOnUser(t *testing.T) {
	paths, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	parseAs := func(path, user string) *spec.File {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := spec.Parse(path, data, spec.Options{LookupEnv: func(k string) (string, bool) {
			if k == "USER" {
				return user, true
			}
			return "", false
		}})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	for _, p := range paths {
		if diff := cmp.Diff(parseAs(p, "alice"), parseAs(p, "bob"), cmp.AllowUnexported(spec.Lease{})); diff != "" {
			t.Errorf("%s depends on $USER (alice -> bob):\n%s", filepath.Base(p), diff)
		}
	}
}

// TestExamplesAreFormatted: the examples are what a user copies, so they are in the canonical
// form `leasefile fmt` writes (a pre-commit fmt -check hook would otherwise flag a copy).
func TestExamplesAreFormatted(t *testing.T) {
	paths, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := spec.Format(p, data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if string(got) != string(data) {
			t.Errorf("%s is not formatted: run leasefile fmt %s", filepath.Base(p), filepath.Base(p))
		}
	}
}
