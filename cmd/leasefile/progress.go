package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/chameleoncloud/leasefile/apply"
	"github.com/chameleoncloud/leasefile/plan"
)

// progress prints apply's events. Piped, it writes one line per event, which logs and CI read
// well. On a terminal, transitions still scroll past as lines, but "still waiting" chatter is
// replaced by a live block at the bottom, redrawn in place, with one line per lease waited for.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	live    bool
	waiting map[string]string // lease key -> status, for leases created and not yet settled
	waitFor map[string]bool   // keys apply will wait for; nil: every created lease
	header  string            // "Waiting for 2 leases... [30s elapsed]"
	drawn   int               // lines of the block currently on screen
}

func newProgress(w io.Writer, live bool) *progress {
	return &progress{w: w, live: live, waiting: map[string]string{}}
}

// Report implements apply.Reporter.
func (p *progress) Report(e apply.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.live {
		fmt.Fprintln(p.w, e.String())
		return
	}
	p.erase()
	switch e.Kind {
	case apply.Created, apply.Adopted, apply.StatusChanged, apply.Awaiting:
		if p.waitFor == nil || p.waitFor[e.Key] {
			p.waiting[e.Key] = statusOr(e.Status, "CREATED")
		}
	case apply.Active, apply.Failed, apply.Deleted:
		delete(p.waiting, e.Key)
	}
	if e.Kind == apply.StillWaiting {
		// The message names exactly the leases still waited for: drop those created without a wait.
		still := map[string]bool{}
		for _, k := range strings.Split(e.Message, ", ") {
			still[k] = true
		}
		for k := range p.waiting {
			if !still[k] {
				delete(p.waiting, k)
			}
		}
		p.header = fmt.Sprintf("Waiting for %s... [%s elapsed]", e.Message, e.Elapsed.Round(1e9))
	} else {
		fmt.Fprintln(p.w, e.String())
	}
	p.draw()
}

func statusOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// erase removes the block from the screen: up one line and clear it, per line drawn.
func (p *progress) erase() {
	p.w.Write([]byte(strings.Repeat("\x1b[1A\x1b[2K", p.drawn)))
	p.drawn = 0
}

func (p *progress) draw() {
	if len(p.waiting) == 0 {
		p.header = ""
		return
	}
	keys := make([]string, 0, len(p.waiting))
	for k := range p.waiting {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	if p.header != "" {
		b.WriteString(p.header + "\n")
		p.drawn++
	}
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-20s %s\n", k, p.waiting[k])
		p.drawn++
	}
	io.WriteString(p.w, b.String())
}

// done clears the block before the summary is printed.
func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.live {
		p.erase()
	}
}

// waitedKeys returns the keys of the plan's creates that apply waits for until ACTIVE: those
// whose wait is active, which is the default for a lease starting now; and the leases the
// plan only waits for.
func waitedKeys(p *plan.Plan) map[string]bool {
	keys := map[string]bool{}
	for _, ch := range p.Changes {
		if ch.Create == nil {
			continue
		}
		if ch.WaitMode() == "active" {
			keys[ch.Key] = true
		}
	}
	for _, a := range p.Await {
		keys[a.Key] = true
	}
	return keys
}
