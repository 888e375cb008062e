package blazar

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFormatTimestamp(t *testing.T) {
	at := func(t time.Time) *time.Time { return &t }
	est := time.FixedZone("EST", -5*3600)
	for _, tc := range []struct {
		name string
		in   *time.Time
		want string
	}{
		{"nil", nil, ""},
		{"utc", at(time.Date(2026, 12, 1, 9, 0, 5, 0, time.UTC)), "2026-12-01 09:00:05"},
		{"other zone converted to UTC", at(time.Date(2026, 12, 1, 4, 0, 5, 0, est)), "2026-12-01 09:00:05"},
		{"fraction dropped", at(time.Date(2026, 12, 1, 9, 0, 5, 999_000_000, time.UTC)), "2026-12-01 09:00:05"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, FormatTimestamp(tc.in)); d != "" {
				t.Errorf("FormatTimestamp (-want +got):\n%s", d)
			}
		})
	}
}
