package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/apply"
	"github.com/chameleoncloud/leasefile/plan"
)

// A full disk while saving the state had no hint at all.
func TestSaveHint(t *testing.T) {
	full := fmt.Errorf("save state /x/leasefile.state.json: write /x/.leasefile.state.json.tmp-1: %w", syscall.ENOSPC)
	if h := saveHint(full); !strings.HasPrefix(h, "the disk holding the state file is full") {
		t.Errorf("ENOSPC hint = %q", h)
	}
	if h := saveHint(fmt.Errorf("save state: %w", fs.ErrPermission)); !strings.Contains(h, "permissions") {
		t.Errorf("EACCES hint = %q", h)
	}
	if h := saveHint(errors.New("other")); h != "" {
		t.Errorf("hint for another error = %q", h)
	}
}

// Summaries said "Apply complete!" before a state-save error, and "0 created, 11 failed" when
// the 11 leases existed.
func TestApplySummaryIsHonest(t *testing.T) {
	p := &plan.Plan{Changes: []plan.Change{{Key: "a", Action: plan.Create}, {Key: "b", Action: plan.Create}, {Key: "c", Action: plan.Create}}}
	cases := []struct {
		name string
		res  apply.Result
		err  error
		want string
	}{
		{"a save error is not complete", apply.Result{Done: []apply.Outcome{{Key: "a", Action: plan.Create}}},
			errors.New("save state: no space left on device"),
			"Apply finished with errors. Leases: 1 created, 0 updated, 0 replaced, 0 deleted."},
		{"created leases that did not become ACTIVE count as created",
			apply.Result{Failed: []apply.Failure{
				{Key: "a", Op: apply.OpWait, Action: plan.Create, LeaseID: "id-a", Err: errors.New("timed out")},
				{Key: "b", Op: apply.OpWait, Action: plan.Create, LeaseID: "id-b", Err: errors.New("timed out")}}},
			errors.New("2 of 3 leases failed"),
			"Apply finished with errors. Leases: 2 created, 0 updated, 0 replaced, 0 deleted; 2 of these did not finish."},
		{"a create that may have happened says so",
			apply.Result{Failed: []apply.Failure{{Key: "c", Op: apply.OpCreate, Uncertain: true, Err: errors.New("503")}}},
			errors.New("1 of 3 leases failed"),
			"Apply finished with errors. Leases: 0 created, 0 updated, 0 replaced, 0 deleted, 1 failed (1 of them may have been created: the next plan finds and adopts them)."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			a := newApp(strings.NewReader(""), &out, &errOut, func(string) (string, bool) { return "", false })
			a.printApplySummary(p, &tc.res, tc.err, 0)
			if !strings.Contains(out.String(), tc.want+" (0s)") {
				t.Errorf("summary:\n%s\nwant %q", out.String(), tc.want)
			}
		})
	}
}

// TestRunApply: apply's and destroy's run function, in the order a user meets them: no
// terminal to confirm on, an apply, a saved plan made stale by it, and a destroy.
func TestRunApply(t *testing.T) {
	w := newTestWorld(t, importLeasefile)
	ctx := context.Background()
	run := runOptions{autoApprove: true, parallelism: 10, timeout: time.Hour}
	w.leasefile("plan", "-out", "before.json")
	tests := []struct {
		name     string
		planFile string
		o        planOptions
		r        runOptions
		want     string // in stdout, or the diagnostics of a failure
		fail     bool
	}{
		{"no terminal, no -auto-approve", "", planOptions{}, runOptions{parallelism: 1}, "error: no terminal to confirm the plan on\nleasefile: hint: " + hintNoTerminal, true},
		{"apply", "", planOptions{}, run, "Apply complete! Leases: 2 created, 0 updated, 0 replaced, 0 deleted.", false},
		{"again: nothing to do", "", planOptions{}, run, "No changes.", false},
		{"a plan made before the apply", "before.json", planOptions{}, run,
			"error: Saved plan is stale: the state file was created or removed since the plan was made\nleasefile: hint: " + hintStalePlan, true},
		{"destroy one", "", planOptions{destroy: true, targets: []string{"a"}}, run, "Destroy complete! Leases: 1 deleted.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := w.app().runApply(ctx, tt.planFile, tt.o, tt.r)
			got := w.out.String()
			if tt.fail {
				got = errorText(err)
			} else if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("got:\n%s\nwant it to contain %q", got, tt.want)
			}
		})
	}
	if n := len(w.srv.Emulator.Leases("CHI@UC")); n != 1 {
		t.Errorf("%d leases left, want b's", n)
	}
}
