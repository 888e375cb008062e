package apply

import (
	"fmt"
	"slices"
	"time"

	"github.com/chameleoncloud/leasefile/state"
)

// NotTrackedError is a lease key the state does not track.
type NotTrackedError struct{ Key string }

func (e *NotTrackedError) Error() string { return fmt.Sprintf("no lease %q in the state", e.Key) }

// StartsTooLateError is a PENDING lease that starts after a wait would time out: it cannot
// become ACTIVE before then.
type StartsTooLateError struct {
	Key     string
	Start   time.Time
	Timeout time.Duration
}

func (e *StartsTooLateError) Error() string {
	return fmt.Sprintf("lease %s starts at %s UTC, after the %s timeout: it cannot become ACTIVE before then",
		e.Key, e.Start.UTC().Format("2006-01-02 15:04"), e.Timeout)
}

// WaitSites checks that a Wait for keys from now with timeout can succeed, before any site
// is contacted, and returns the sites it needs, sorted: every key must be tracked by st
// (a *NotTrackedError), and none PENDING with a start after the timeout (a
// *StartsTooLateError).
func WaitSites(st *state.File, keys []string, now time.Time, timeout time.Duration) ([]string, error) {
	var sites []string
	for _, k := range keys {
		l, ok := st.Lease(k)
		if !ok {
			return nil, &NotTrackedError{Key: k}
		}
		if l.Status == "PENDING" && l.Start.After(now.Add(timeout)) {
			return nil, &StartsTooLateError{Key: k, Start: l.Start, Timeout: timeout}
		}
		if !slices.Contains(sites, l.Site) {
			sites = append(sites, l.Site)
		}
	}
	slices.Sort(sites)
	return sites, nil
}
