package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/apply"
	"github.com/chameleoncloud/leasefile/plan"
	"github.com/google/go-cmp/cmp"
)

func TestProgressLines(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, false)
	p.Report(apply.Event{Key: "a", Kind: apply.Created, Status: "PENDING"})
	p.Report(apply.Event{Kind: apply.StillWaiting, Message: "a", Elapsed: 30 * time.Second})
	p.Report(apply.Event{Key: "a", Kind: apply.Active, Elapsed: 72 * time.Second})
	p.done()
	want := "a: created (PENDING)\nStill waiting for a... [30s elapsed]\na: ACTIVE after 1m12s\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("piped progress (-want +got):\n%s", diff)
	}
}

// TestProgressLiveBlock replays what a terminal would show: every erase sequence removes the
// lines drawn before it, so the final screen holds the transitions and no stale block.
func TestProgressLiveBlock(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, true)
	p.waitFor = map[string]bool{"a": true, "b": true}
	p.Report(apply.Event{Key: "a", Kind: apply.Created, Status: "PENDING"})
	p.Report(apply.Event{Key: "later", Kind: apply.Created, Status: "PENDING"}) // created, not waited for
	p.Report(apply.Event{Key: "b", Kind: apply.Created, Status: "PENDING"})
	if got := screen(b.String()); !strings.HasSuffix(got, "b: created (PENDING)\n  a                    PENDING\n  b                    PENDING\n") {
		t.Fatalf("block not drawn at the bottom:\n%s", got)
	}
	p.Report(apply.Event{Kind: apply.StillWaiting, Message: "a, b", Elapsed: 30 * time.Second})
	p.Report(apply.Event{Key: "a", Kind: apply.StatusChanged, Status: "STARTING", Elapsed: 40 * time.Second})
	if got := screen(b.String()); !strings.Contains(got, "Waiting for a, b... [30s elapsed]\n  a                    STARTING\n  b                    PENDING\n") ||
		strings.Contains(got, "Still waiting") {
		t.Fatalf("block not redrawn in place:\n%s", got)
	}
	p.Report(apply.Event{Key: "a", Kind: apply.Active, Elapsed: time.Minute})
	p.Report(apply.Event{Key: "b", Kind: apply.Active, Elapsed: time.Minute})
	p.done()
	want := "a: created (PENDING)\nlater: created (PENDING)\nb: created (PENDING)\na: STARTING after 40s\na: ACTIVE after 1m0s\nb: ACTIVE after 1m0s\n"
	if diff := cmp.Diff(want, screen(b.String())); diff != "" {
		t.Errorf("final screen (-want +got):\n%s", diff)
	}
}

// screen interprets the two escape sequences progress uses (cursor up, clear line) over the
// written text and returns the lines left on the screen.
func screen(out string) string {
	var lines []string
	cur := ""
	for len(out) > 0 {
		switch {
		case strings.HasPrefix(out, "\x1b[1A"):
			if len(lines) > 0 {
				lines = lines[:len(lines)-1]
			}
			out = out[4:]
		case strings.HasPrefix(out, "\x1b[2K"):
			out = out[4:]
		case out[0] == '\n':
			lines = append(lines, cur)
			cur = ""
			out = out[1:]
		default:
			cur += out[:1]
			out = out[1:]
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestWaitedKeys(t *testing.T) {
	future := time.Date(2027, 1, 1, 10, 0, 0, 0, time.UTC)
	p := &plan.Plan{Changes: []plan.Change{
		{Key: "now", Action: plan.Create, Create: &plan.CreateSpec{}},
		{Key: "later", Action: plan.Create, Create: &plan.CreateSpec{Start: future}},
		{Key: "later-active", Action: plan.Create, Wait: "active", Create: &plan.CreateSpec{Start: future}},
		{Key: "now-none", Action: plan.Create, Wait: "none", Create: &plan.CreateSpec{}},
		{Key: "replaced", Action: plan.DeleteThenCreate, Create: &plan.CreateSpec{}},
		{Key: "updated", Action: plan.Update, Update: &plan.UpdateSpec{}},
	}}
	want := map[string]bool{"now": true, "later-active": true, "replaced": true}
	if diff := cmp.Diff(want, waitedKeys(p)); diff != "" {
		t.Errorf("waitedKeys (-want +got):\n%s", diff)
	}
}
