package blazar

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Retrier repeats a call that failed transiently, with a doubling delay that honours the
// server's Retry-After, and bounds each try. The zero value gives the documented defaults.
// apply has its own loop (its creates look for the lease before any retry); Retrier is for
// reads and authentication, which are safe to repeat.
type Retrier struct {
	// Attempts is how many tries at most (default 4).
	Attempts int
	// Min and Max are the first delay and the cap of the doubling (defaults 1s and 15s). A
	// Retry-After longer than the delay replaces it.
	Min, Max time.Duration
	// Limit is the longest delay Do waits (default 1m): a longer Retry-After ends the call
	// with a *RetryAfterError, as does a delay that would end past ctx's deadline.
	Limit time.Duration
	// CallTimeout bounds each try (default 1m): an endpoint that never answers fails the call
	// with a *NoAnswerError instead of hanging. A try that timed out is not repeated.
	CallTimeout time.Duration
	// After is the clock the delays wait on (default time.After); tests inject a fake one.
	After func(time.Duration) <-chan time.Time
	// Retryable decides which errors are repeated; nil means the package's Retryable.
	Retryable func(error) bool
	// OnRetry, when set, is told about each retry before its delay.
	OnRetry func(err error, delay time.Duration)
}

// Default bounds of a Retrier.
const (
	DefaultAttempts    = 4
	DefaultCallTimeout = time.Minute
	DefaultLimit       = time.Minute
)

// NoAnswerError is a call that got no answer within its time bound.
type NoAnswerError struct {
	Timeout time.Duration
	Err     error // the context error
}

// Error says how long the call waited.
func (e *NoAnswerError) Error() string {
	return fmt.Sprintf("no answer within %s", e.Timeout)
}

// Unwrap returns the context error.
func (e *NoAnswerError) Unwrap() error { return e.Err }

// RetryAfterError is a transient failure whose Retry-After (or next delay) would end past the
// deadline the caller has: the call gives up instead of sleeping through it.
type RetryAfterError struct {
	Delay time.Duration
	// Limit says what the delay would outlast, e.g. "the 20s -timeout".
	Limit string
	Err   error
}

// Error gives the server's message, the delay asked for and what it would outlast.
func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v (asked to retry in %s, past %s: giving up)", e.Err, e.Delay.Round(time.Second), e.Limit)
}

// Unwrap returns the failure that asked for the delay.
func (e *RetryAfterError) Unwrap() error { return e.Err }

// Do calls fn until it succeeds, fails with an error that is not retryable, or the attempts
// run out; it returns fn's last error, converted (ConvertError). It stops at once when ctx
// is done, and gives up with a *RetryAfterError when a delay would end past ctx's deadline.
func (r Retrier) Do(ctx context.Context, fn func(context.Context) error) error {
	attempts := r.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	delay, maxDelay := r.Min, r.Max
	if delay <= 0 {
		delay = time.Second
	}
	if maxDelay < delay {
		maxDelay = max(15*time.Second, delay)
	}
	timeout := r.CallTimeout
	if timeout <= 0 {
		timeout = DefaultCallTimeout
	}
	limit := r.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	after := r.After
	if after == nil {
		after = time.After
	}
	retryable := r.Retryable
	if retryable == nil {
		retryable = Retryable
	}
	for attempt := 1; ; attempt++ {
		c, cancel := context.WithTimeout(ctx, timeout)
		err := fn(c)
		timedOut := c.Err() != nil && ctx.Err() == nil
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if timedOut && errors.Is(err, context.DeadlineExceeded) {
			return &NoAnswerError{Timeout: timeout, Err: err}
		}
		err = ConvertError(err)
		if !retryable(err) || attempt >= attempts {
			return err
		}
		d := delay
		if e, ok := AsError(err); ok && e.RetryAfter > d {
			d = e.RetryAfter
		}
		delay = min(delay*2, maxDelay)
		if d > limit {
			return &RetryAfterError{Delay: d, Limit: "the " + limit.String() + " leasefile waits at most between tries", Err: err}
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return &RetryAfterError{Delay: d, Limit: "the command's deadline", Err: err}
		}
		if r.OnRetry != nil {
			r.OnRetry(err, d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-after(d):
		}
	}
}
