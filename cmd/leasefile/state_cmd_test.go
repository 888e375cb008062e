package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

const twoLeases = `version: 1
defaults: {site: CHI@UC, duration: 6h}
leases:
  a:
    reservations:
      n: {type: node, node_type: compute_skylake}
  later:
    start: 2026-12-02T08:00:00Z
    reservations:
      n: {type: node, node_type: compute_skylake}
`

// TestRunStateCommands: the run functions of show, state list, state show and state rm, on
// a state apply wrote.
func TestRunStateCommands(t *testing.T) {
	w := newTestWorld(t, twoLeases)
	w.leasefile("apply", "-auto-approve")
	w.leasefile("plan", "-out", "plan.json")
	a := w.leaseID("a")
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(*app) error
		want []string // in stdout, or in the diagnostics on failure
		fail bool
	}{
		{"show", func(x *app) error { return x.runShow(ctx, showOptions{}) },
			[]string{"# lease.a\n", "  id             = " + a + "\n", "# lease.later\n", "  status         = PENDING\n"}, false},
		{"show -json", func(x *app) error { return x.runShow(ctx, showOptions{jsonOut: true}) },
			[]string{`"lineage": "`, `"id": "` + a + `"`}, false},
		{"show PLANFILE", func(x *app) error { return x.runShow(ctx, showOptions{planFile: "plan.json", format: "text"}) },
			[]string{"No changes."}, false},
		{"show PLANFILE markdown", func(x *app) error { return x.runShow(ctx, showOptions{planFile: "plan.json", format: "markdown"}) },
			[]string{"No changes"}, false},
		{"show a missing PLANFILE", func(x *app) error { return x.runShow(ctx, showOptions{planFile: "nope.json", format: "text"}) },
			[]string{"nope.json"}, true},
		{"state list", func(x *app) error { return x.runStateList(ctx, false) },
			[]string{"a      CHI@UC  " + a + "  ACTIVE\n", "later  CHI@UC  "}, false},
		{"state list -json", func(x *app) error { return x.runStateList(ctx, true) },
			[]string{`"key": "a"`, `"id": "` + a + `"`}, false},
		{"state show", func(x *app) error { return x.runStateShow(ctx, "a") },
			[]string{"# lease.a\n", "  reservations.n = "}, false},
		{"state show of an unknown key", func(x *app) error { return x.runStateShow(ctx, "x") },
			[]string{`error: no lease "x" in the state leasefile.state.json`}, true},
		{"state rm of an unknown key keeps the state", func(x *app) error { return x.runStateRm(ctx, []string{"later", "x"}, 0) },
			[]string{`error: no lease "x" in the state`}, true},
		{"state rm", func(x *app) error { return x.runStateRm(ctx, []string{"later"}, 0) },
			[]string{"Removed lease.later from the state; lease "}, false},
		{"state list after rm", func(x *app) error { return x.runStateList(ctx, false) },
			[]string{"a  CHI@UC  " + a + "  ACTIVE\n"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(w.app())
			got := w.out.String()
			if tt.fail {
				got = errorText(err)
			} else if err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.want {
				if !strings.Contains(got, want) {
					t.Errorf("got:\n%s\nwant it to contain %q", got, want)
				}
			}
		})
	}
	if out := w.leasefile("state", "list"); strings.Contains(out, "later") {
		t.Errorf("state rm did not save:\n%s", out)
	}
}

// TestRunWait: wait's run function refuses an unknown key and a lease that starts after its
// timeout before contacting Blazar, and waits for the others.
func TestRunWait(t *testing.T) {
	w := newTestWorld(t, twoLeases)
	w.leasefile("apply", "-auto-approve")
	ctx := context.Background()
	tests := []struct {
		name string
		o    waitOptions
		want string // "" for success
	}{
		{"unknown key", waitOptions{keys: []string{"x"}, timeout: time.Minute}, `error: no lease "x" in the state leasefile.state.json`},
		{"a start past the timeout", waitOptions{keys: []string{"later"}, timeout: time.Hour},
			"error: lease later starts at 2026-12-02 08:00 UTC, after the 1h0m0s timeout: it cannot become ACTIVE before then\nleasefile: hint: " + hintWaitTooEarly},
		{"every lease, the later one included", waitOptions{timeout: 10 * time.Minute}, "error: lease later starts at"},
		{"an ACTIVE lease", waitOptions{keys: []string{"a"}, timeout: time.Minute}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := w.app().runWait(ctx, tt.o)
			if got := errorText(err); !strings.Contains(got, tt.want) || (tt.want == "") != (err == nil) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRunOutput: output's run function, from the state alone or with what Blazar lists.
func TestRunOutput(t *testing.T) {
	w := newTestWorld(t, importLeasefile)
	ctx := context.Background()
	if err := w.app().runOutput(ctx, outputOptions{format: "text"}); !strings.Contains(errorText(err), "holds no leases\nleasefile: hint: run leasefile apply first") {
		t.Errorf("an empty state: %q", errorText(err))
	}
	w.leasefile("apply", "-auto-approve")
	b := w.leaseID("b")
	tests := []struct {
		name string
		o    outputOptions
		want string
	}{
		{"raw id", outputOptions{addr: "b.id", raw: true, format: "text"}, b + "\n"},
		{"raw addresses", outputOptions{addr: "b.ip.addresses", raw: true, format: "text"}, "."},
		{"status", outputOptions{addr: "b.status", format: "text"}, "\"ACTIVE\"\n"},
		{"json", outputOptions{addr: "b", format: "json"}, `"status": "ACTIVE"`},
		{"env", outputOptions{addr: "b.id", format: "env"}, "B_ID=" + b + "\n"},
		{"unknown address", outputOptions{addr: "b.nosuch", format: "text"}, `error: lease b has no output or reservation "nosuch"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := w.app().runOutput(ctx, tt.o)
			got := w.out.String() + errorText(err)
			if !strings.Contains(got, tt.want) {
				t.Errorf("got:\n%s\nwant it to contain %q", got, tt.want)
			}
		})
	}
}
