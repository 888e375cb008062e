package apply

import (
	"errors"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/state"
	"github.com/google/go-cmp/cmp"
)

// TestWaitSites: wait refuses, before contacting anything, a key the state lacks and a
// PENDING lease that starts after the timeout, and connects only the sites it needs.
func TestWaitSites(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	st := state.New()
	st.SetLease("a", &state.Lease{ID: "A", Site: "CHI@UC", Status: "ACTIVE"})
	st.SetLease("b", &state.Lease{ID: "B", Site: "CHI@TACC", Status: "PENDING", Start: now.Add(10 * time.Minute)})
	st.SetLease("c", &state.Lease{ID: "C", Site: "CHI@UC", Status: "STARTING"})
	tests := []struct {
		name    string
		keys    []string
		timeout time.Duration
		want    []string
		err     error
	}{
		{"sites once, sorted", []string{"a", "b", "c"}, 20 * time.Minute, []string{"CHI@TACC", "CHI@UC"}, nil},
		{"only the sites named", []string{"c"}, time.Minute, []string{"CHI@UC"}, nil},
		{"a start at the deadline", []string{"b"}, 10 * time.Minute, []string{"CHI@TACC"}, nil},
		{"a start after the deadline", []string{"a", "b"}, 5 * time.Minute, nil, &StartsTooLateError{Key: "b", Start: now.Add(10 * time.Minute), Timeout: 5 * time.Minute}},
		{"an untracked key", []string{"a", "x"}, time.Minute, nil, &NotTrackedError{Key: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := WaitSites(st, tt.keys, now, tt.timeout)
			if diff := cmp.Diff(tt.err, err, cmp.Comparer(func(a, b error) bool { return a.Error() == b.Error() })); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("sites (-want +got):\n%s", diff)
			}
		})
	}
	var late *StartsTooLateError
	if _, err := WaitSites(st, []string{"b"}, now, time.Minute); !errors.As(err, &late) ||
		late.Error() != "lease b starts at 2026-12-01 08:10 UTC, after the 1m0s timeout: it cannot become ACTIVE before then" {
		t.Errorf("message: %v", err)
	}
}
