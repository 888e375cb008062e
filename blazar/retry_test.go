package blazar

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeAfter records the delays asked for and fires at once.
func fakeAfter(delays *[]time.Duration) func(time.Duration) <-chan time.Time {
	return func(d time.Duration) <-chan time.Time {
		*delays = append(*delays, d)
		ch := make(chan time.Time, 1)
		ch <- time.Time{}
		return ch
	}
}

func busy(status int, retryAfter string) error {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return FromResponse(status, h, nil)
}

func TestRetrierRetriesTransientErrorsHonouringRetryAfter(t *testing.T) {
	var delays []time.Duration
	errs := []error{busy(503, ""), busy(429, "7"), &url.Error{Op: "Get", URL: "http://x/v1/leases", Err: syscall.ECONNRESET}}
	calls := 0
	err := Retrier{After: fakeAfter(&delays)}.Do(context.Background(), func(context.Context) error {
		calls++
		if calls <= len(errs) {
			return errs[calls-1]
		}
		return nil
	})
	if err != nil || calls != 4 {
		t.Fatalf("Do = %v after %d calls, want success after 4", err, calls)
	}
	if d := cmp.Diff([]time.Duration{time.Second, 7 * time.Second, 4 * time.Second}, delays); d != "" {
		t.Errorf("delays (-want +got):\n%s", d)
	}
}

func TestRetrierDoesNotRepeatPermanentFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"401", busy(401, "")},
		{"blazar 500", busy(500, "")},
		{"no such host", &url.Error{Op: "Get", URL: "https://chi.example/v3", Err: &net.OpError{Op: "dial", Err: &net.DNSError{Name: "chi.example", IsNotFound: true}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			var delays []time.Duration
			err := Retrier{After: fakeAfter(&delays)}.Do(context.Background(), func(context.Context) error { calls++; return tc.err })
			if err == nil || calls != 1 {
				t.Errorf("Do = %v after %d calls, want the error after 1", err, calls)
			}
		})
	}
}

func TestRetrierGivesUpOnARetryAfterPastItsLimit(t *testing.T) {
	var delays []time.Duration
	calls := 0
	err := Retrier{After: fakeAfter(&delays)}.Do(context.Background(), func(context.Context) error { calls++; return busy(429, "3600") })
	var ra *RetryAfterError
	if !errors.As(err, &ra) || ra.Delay != time.Hour || calls != 1 || len(delays) != 0 {
		t.Fatalf("Do = %v (calls %d, delays %v), want a RetryAfterError of 1h at once", err, calls, delays)
	}
	if !strings.Contains(err.Error(), "Too Many Requests (HTTP 429) (asked to retry in 1h0m0s") || HintFor(err, "list") != HintRetryLater {
		t.Errorf("error %q, hint %q", err, HintFor(err, "list"))
	}
}

func TestRetrierBoundsEachTry(t *testing.T) {
	calls := 0
	err := Retrier{CallTimeout: time.Millisecond}.Do(context.Background(), func(c context.Context) error {
		calls++
		<-c.Done() // an endpoint that never answers
		return &url.Error{Op: "Get", URL: "http://x", Err: c.Err()}
	})
	var na *NoAnswerError
	if !errors.As(err, &na) || calls != 1 || HintFor(err, "list") != HintNoAnswer {
		t.Errorf("Do = %v after %d calls, want a NoAnswerError after 1", err, calls)
	}
}

func TestUnreachable(t *testing.T) {
	refused := ConvertError(&url.Error{Op: "Post", URL: "http://127.0.0.1:1/v3/auth/tokens",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}})
	ep, ok := Unreachable(refused)
	if !ok || ep != "http://127.0.0.1:1" {
		t.Errorf("Unreachable = %q, %v", ep, ok)
	}
	if h := HintFor(refused, "list"); !strings.HasPrefix(h, "http://127.0.0.1:1 is unreachable") {
		t.Errorf("hint %q", h)
	}
	if _, ok := Unreachable(busy(503, "")); ok {
		t.Error("a 503 is not unreachable")
	}
}
