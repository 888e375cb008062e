package chameleon

import (
	"testing"
	"time"
)

// TestWindowRule is the fork's filter as recorded (201-far-*, 200-near-*).
func TestWindowRule(t *testing.T) {
	at := func(d int) time.Time {
		return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(d) * time.Hour)
	}
	now := at(0)
	curStart, curEnd := at(240), at(264) // ten days away
	for _, tc := range []struct {
		name       string
		start, end time.Time
		refused    bool
	}{
		{"start later", at(242), curEnd, true},
		{"start earlier", at(238), curEnd, false},
		{"end earlier", curStart, at(260), false},
		{"end later", curStart, at(266), true},
		{"both later", at(244), at(266), true},
		{"shorter, starting later", at(241), at(263), true}, // the filter skips only new.start <= cur.start
		{"shorter, starting earlier", at(239), at(263), false},
	} {
		if got := WindowRefused(now, curStart, curEnd, tc.start, tc.end); got != tc.refused {
			t.Errorf("%s: refused = %v, want %v", tc.name, got, tc.refused)
		}
	}
	// Near the end, every move is inside the window.
	if WindowRefused(at(230), at(231), at(250), at(232), at(252)) {
		t.Error("a lease ending within 48 h was refused")
	}
}
