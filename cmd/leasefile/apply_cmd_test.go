package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"testing"

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
