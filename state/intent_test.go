package state

import (
	"testing"
	"time"
)

// An intent's window starts when its create was sent, else when it was recorded.
func TestIntentWindow(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	recorded := Intent{Time: t0}
	sent := Intent{Time: t0, Sent: t0.Add(time.Hour)}
	for _, tt := range []struct {
		in      Intent
		created time.Time
		want    bool
	}{
		{recorded, t0.Add(-AdoptWindow), true},
		{recorded, t0.Add(-AdoptWindow - time.Second), false},
		{recorded, t0.Add(IntentBound), true},
		{recorded, t0.Add(IntentBound + time.Second), false},
		{sent, t0.Add(time.Hour - AdoptWindow), true},
		{sent, t0, false},
	} {
		if got := tt.in.Admits(tt.created); got != tt.want {
			t.Errorf("%+v.Admits(%s) = %v, want %v", tt.in, tt.created, got, tt.want)
		}
	}
	if recorded.Expired(t0.Add(IntentBound+AdoptWindow)) || !recorded.Expired(t0.Add(IntentBound+AdoptWindow+time.Second)) {
		t.Error("Expired does not end at IntentBound + AdoptWindow after the intent")
	}
	if sent.Expired(t0.Add(IntentBound + AdoptWindow + time.Second)) {
		t.Error("Expired counts from the recording, not from the send")
	}
}
