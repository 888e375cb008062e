package apply

import (
	"fmt"
	"strings"
	"time"

	"github.com/chameleoncloud/leasefile/state"
	"github.com/gophercloud/gophercloud/v2"
)

// Site is how apply reaches one site: its authenticated Blazar and Neutron
// clients and the identity recorded in the state for it.
type Site struct {
	Reservation *gophercloud.ServiceClient
	// Network resolves floating IP networks and reads reserved addresses;
	// it may be nil when no lease at the site needs it.
	Network *gophercloud.ServiceClient
	// Compute resolves flavor reservations' flavors; it may be nil when no lease at the
	// site has one.
	Compute *gophercloud.ServiceClient
	// Identity is what the state records for the site. Its UserID, when
	// set, also restricts which leases a create that may have happened
	// adopts.
	Identity state.Identity
}

// Options tunes Apply and Wait. The zero value gives the documented
// defaults.
type Options struct {
	// Parallelism is how many operations run at once per site (default 10).
	Parallelism int
	// Timeout bounds the wait for leases to become ACTIVE (default 20m).
	Timeout time.Duration
	// PollMin and PollMax bound the interval between lease-list polls while
	// waiting, and the backoff between retries (defaults 2s and 15s).
	PollMin, PollMax time.Duration
	// StillWaitingEvery is how often a "Still waiting" event is sent
	// (default 30s).
	StillWaitingEvery time.Duration
	// CallTimeout bounds each API call, which runs detached from the
	// context's cancellation so that it can finish after Ctrl-C
	// (default 2m).
	CallTimeout time.Duration
	// Now and After are the clock (defaults time.Now and time.After);
	// tests inject a fake one.
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
	// Reporter receives progress events; nil discards them.
	Reporter Reporter
}

const (
	defaultParallelism = 10
	defaultTimeout     = 20 * time.Minute
	defaultPollMin     = 2 * time.Second
	defaultPollMax     = 15 * time.Second
	defaultStill       = 30 * time.Second
	defaultCallTimeout = state.CreateCallTimeout
	// maxAttempts bounds the tries of one call that keeps failing
	// transiently; state.IntentBound counts on it for creates.
	maxAttempts = state.CreateAttempts
)

func (o Options) withDefaults() Options {
	if o.Parallelism <= 0 {
		o.Parallelism = defaultParallelism
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	if o.PollMin <= 0 {
		o.PollMin = defaultPollMin
	}
	if o.PollMax < o.PollMin {
		o.PollMax = max(defaultPollMax, o.PollMin)
	}
	if o.StillWaitingEvery <= 0 {
		o.StillWaitingEvery = defaultStill
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = defaultCallTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	return o
}

// Reporter receives progress events. Apply serialises its calls, so an
// implementation needs no locking of its own; it must not block for long.
type Reporter interface {
	Report(Event)
}

// ReporterFunc adapts a function to Reporter.
type ReporterFunc func(Event)

// Report calls f(e).
func (f ReporterFunc) Report(e Event) { f(e) }

// EventKind says which transition an Event reports.
type EventKind int

// The kinds of Event.
const (
	Creating      EventKind = iota + 1 // a create call is about to be sent
	Created                            // Blazar accepted the lease (Status holds its status)
	Adopted                            // a lease an interrupted create made was found and recorded
	Updating                           // an update call is about to be sent
	Updated                            // the update was accepted
	Deleting                           // a delete call is about to be sent
	Deleted                            // the lease is gone (or was already)
	Replaced                           // both halves of a replacement are done
	StatusChanged                      // a waited-for lease moved to Status
	Active                             // a waited-for lease is ACTIVE after Elapsed
	StillWaiting                       // Message lists the leases still waited for, Elapsed the wait so far
	Retrying                           // a transient error: Message says what and when
	Failed                             // Err says why
	Awaiting                           // a lease the plan only waits for (plan.Await), Status its status
)

// Event is one progress line. Key is the lease key ("" for StillWaiting).
type Event struct {
	Key, Site string
	Kind      EventKind
	Status    string
	Elapsed   time.Duration
	Err       error
	Message   string
	// LeaseID is the lease the event is about, on Created, Adopted, Updated and Deleted
	// (for Created and Adopted the first moment it is known); "" on the other kinds.
	LeaseID string
}

// String renders the event as the line the CLI prints, e.g.
// "training: created (PENDING)" or
// "Still waiting for training, gpus... [30s elapsed]". Past participles
// complete "lease training has been ...".
func (e Event) String() string {
	switch e.Kind {
	case Creating:
		return e.Key + ": creating..."
	case Created:
		if e.Status != "" {
			return fmt.Sprintf("%s: created (%s)", e.Key, e.Status)
		}
		return e.Key + ": created"
	case Adopted:
		if e.Message != "" {
			return fmt.Sprintf("%s: adopted (%s)", e.Key, e.Message)
		}
		return e.Key + ": adopted"
	case Updating:
		return e.Key + ": updating..."
	case Updated:
		return e.Key + ": updated"
	case Deleting:
		return e.Key + ": deleting..."
	case Deleted:
		if e.Message != "" {
			return fmt.Sprintf("%s: deleted (%s)", e.Key, e.Message)
		}
		return e.Key + ": deleted"
	case Replaced:
		return e.Key + ": replaced"
	case StatusChanged:
		return fmt.Sprintf("%s: %s after %s", e.Key, e.Status, elapsed(e.Elapsed))
	case Active:
		return fmt.Sprintf("%s: ACTIVE after %s", e.Key, elapsed(e.Elapsed))
	case StillWaiting:
		return fmt.Sprintf("Still waiting for %s... [%s elapsed]", e.Message, elapsed(e.Elapsed))
	case Retrying:
		return fmt.Sprintf("%s: %s", e.Key, e.Message)
	case Awaiting:
		return fmt.Sprintf("%s: waiting (%s)", e.Key, e.Status)
	case Failed:
		msg := "failed"
		if e.Err != nil {
			msg += ": " + e.Err.Error()
		}
		return e.Key + ": " + msg
	}
	return strings.TrimSpace(e.Key + ": " + e.Message)
}

// elapsed renders a duration the way Terraform does: whole seconds, "1m12s".
func elapsed(d time.Duration) string {
	return d.Round(time.Second).String()
}
