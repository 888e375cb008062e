package apply

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/plan"
	"github.com/chameleoncloud/leasefile/state"
)

// waiter is one lease waited for until ACTIVE.
type waiter struct {
	ch      plan.Change // the change that made it; zero for Wait
	key     string      // state key and the key events carry
	site    string
	leaseID string
	status  string
	lease   *leases.Lease // last seen, once the status changed
	since   time.Time     // when it was created (or the wait began), for "ACTIVE after"
	// start and end are the dates Blazar gave the lease at creation (lease,
	// once set, has newer ones).
	start, end time.Time
}

// TimeoutError reports leases still not ACTIVE when the wait timed out.
type TimeoutError struct {
	Timeout time.Duration
	// Waiting lists "key (STATUS)" for each lease still waited for.
	Waiting []string
}

// Error names the leases still waited for and their statuses.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("timed out after %s waiting for %s to become ACTIVE", e.Timeout, strings.Join(e.Waiting, ", "))
}

// StatusError reports a waited-for lease that went to ERROR, or otherwise
// can no longer become ACTIVE; Reason is Blazar's status_reason, if any.
type StatusError struct {
	LeaseID, Status, Reason string
}

// Error says what became of the lease, with Blazar's reason when given.
func (e *StatusError) Error() string {
	var msg string
	switch e.Status {
	case "ERROR":
		msg = "lease went to ERROR"
	case "":
		msg = "lease " + e.LeaseID + " disappeared while waiting (deleted outside leasefile?)"
	default:
		msg = "lease is " + e.Status + " and will not become ACTIVE"
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// waitPhase waits for the leases the creates queued, then settles each.
func (r *runner) waitPhase() {
	r.mu.Lock()
	ws := slices.Clone(r.waits)
	r.mu.Unlock()
	if len(ws) == 0 {
		return
	}
	r.waitLoop(ws, false, func(w *waiter) {
		if w.ch.Action == plan.CreateThenDelete {
			r.restoreOld(w)
		}
	})
}

// restoreOld undoes a create-before-destroy whose new lease failed: the old
// lease goes back under its key and the failed one becomes the deposed
// entry, so that the next plan deletes the failed lease, not the working
// one.
func (r *runner) restoreOld(w *waiter) {
	_ = r.update(func(f *state.File) {
		old, okOld := f.Lease(DeposedKey(w.key))
		cur, okCur := f.Lease(w.key)
		if okOld && okCur && cur.ID == w.leaseID {
			f.SetLease(w.key, old)
			f.SetLease(DeposedKey(w.key), cur)
		}
	})
}

// waitLoop polls with one lease-list call per site per interval until
// every waiter is ACTIVE, failed, or the timeout passes. With immediate
// the first poll happens at once. onFail runs for each lease that failed.
// Between polls it also wakes for the "Still waiting" lines, so that they
// come on time whatever the poll interval.
func (r *runner) waitLoop(ws []*waiter, immediate bool, onFail func(*waiter)) {
	start := r.o.Now()
	deadline := start.Add(r.o.Timeout)
	nextStill := start.Add(r.o.StillWaitingEvery)
	interval := r.o.PollMin
	nextPoll := start
	if !immediate {
		nextPoll = start.Add(interval)
	}
	pending := slices.Clone(ws)
	failW := func(w *waiter, err error) {
		if onFail != nil {
			onFail(w)
		}
		r.failMade(w, OpWait, err)
	}
	for len(pending) > 0 {
		now := r.o.Now()
		if now.Before(nextPoll) {
			wake := min(nextPoll.Sub(now), nextStill.Sub(now), deadline.Sub(now))
			if err := r.sleep(wake); err != nil {
				return
			}
			now = r.o.Now()
		}
		timedOut := !now.Before(deadline)
		if !now.Before(nextPoll) || timedOut {
			interval = min(interval*2, r.o.PollMax)
			nextPoll = now.Add(interval)
			var err error
			if pending, err = r.poll(pending, deadline, failW); err != nil || len(pending) == 0 {
				return
			}
			now = r.o.Now()
		}
		if timedOut {
			for _, w := range pending {
				failW(w, &TimeoutError{Timeout: r.o.Timeout, Waiting: []string{fmt.Sprintf("%s (%s)", w.key, w.status)}})
			}
			return
		}
		if !now.Before(nextStill) {
			keys := make([]string, len(pending))
			for i, w := range pending {
				keys[i] = w.key
			}
			slices.Sort(keys)
			r.report(Event{Kind: StillWaiting, Message: strings.Join(keys, ", "), Elapsed: now.Sub(start)})
			for !now.Before(nextStill) {
				nextStill = nextStill.Add(r.o.StillWaitingEvery)
			}
		}
	}
}

// poll lists the waiters' sites once each and settles or fails the waiters
// that reached a final status; it returns those still waiting. An error
// means the run stopped (cancelled, or the state could not be saved).
func (r *runner) poll(pending []*waiter, deadline time.Time, failW func(*waiter, error)) ([]*waiter, error) {
	live, errs := r.pollSites(pending, deadline)
	if r.ctx.Err() != nil {
		return nil, r.ctx.Err()
	}
	now := r.o.Now()
	var changed, next []*waiter
	for _, w := range pending {
		if err, ok := errs[w.site]; ok {
			failW(w, fmt.Errorf("waiting: %w", err))
			continue
		}
		l, ok := live[w.site][w.leaseID]
		if !ok {
			failW(w, &StatusError{LeaseID: w.leaseID})
			continue
		}
		moved := l.Status != w.status
		if moved {
			w.status = l.Status
			w.lease = l
			changed = append(changed, w)
		}
		switch l.Status {
		case "ACTIVE":
			r.report(Event{Key: w.key, Site: w.site, Kind: Active, Status: l.Status, Elapsed: now.Sub(w.since)})
			r.settled(w)
		case "ERROR", "TERMINATING", "TERMINATED", "DELETING":
			failW(w, &StatusError{LeaseID: w.leaseID, Status: l.Status, Reason: l.StatusReason})
		default:
			if moved {
				r.report(Event{Key: w.key, Site: w.site, Kind: StatusChanged, Status: l.Status, Elapsed: now.Sub(w.since)})
			}
			next = append(next, w)
		}
	}
	if len(changed) > 0 {
		if err := r.recordStatuses(changed); err != nil {
			return nil, err
		}
	}
	return next, nil
}

// A poll of a site sees its pending leases either in one list of all the site's leases or by
// one GET each. By BenchmarkPollCost (blazar/leases), a GET costs the client about as much CPU
// as 40 leases of a list (127 µs against 3.1 µs a lease, the list keeping only the waited-for
// leases' details), so a site is polled by GETs while its pending leases, times getCost, are
// at most the leases its last list held, and they are at most maxPollGets (run Parallelism at
// a time), so that a poll's GETs never take much longer than one list. The first poll of a
// site lists it: the site's size is not known before.
const (
	getCost     = 40
	maxPollGets = 32
)

// pollByGets reports whether pending leases at a site whose last list held listed leases
// are cheaper to poll one GET each.
func pollByGets(pending, listed int) bool {
	return pending > 0 && pending <= maxPollGets && pending*getCost <= listed
}

// pollSites polls every site that has a waiter, in parallel: one list call, or one GET per
// waiter (pollByGets); retries end by deadline. A waiter whose lease is gone is absent from
// the site's map.
func (r *runner) pollSites(ws []*waiter, deadline time.Time) (map[string]map[string]*leases.Lease, map[string]error) {
	bySite := map[string][]*waiter{}
	for _, w := range ws {
		bySite[w.site] = append(bySite[w.site], w)
	}
	var mu sync.Mutex
	live := map[string]map[string]*leases.Lease{}
	errs := map[string]error{}
	var wg sync.WaitGroup
	for site, sw := range bySite {
		wg.Go(func() {
			mu.Lock()
			listed, seen := r.listed[site]
			mu.Unlock()
			var m map[string]*leases.Lease
			var err error
			if seen && pollByGets(len(sw), listed) {
				if m, err = r.getEach(site, sw, deadline); err != nil {
					err = fmt.Errorf("get lease: %w", err)
				}
			} else if m, listed, err = r.listFor(site, sw, deadline); err != nil {
				err = fmt.Errorf("list leases: %w", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if r.ctx.Err() == nil {
					errs[site] = err
				}
				return
			}
			if r.listed == nil {
				r.listed = map[string]int{}
			}
			r.listed[site] = listed
			live[site] = m
		})
	}
	wg.Wait()
	return live, errs
}

// listFor lists a site's leases, decoding in full only those of the waiters, and returns
// them by id with how many leases the site listed.
func (r *runner) listFor(site string, ws []*waiter, deadline time.Time) (map[string]*leases.Lease, int, error) {
	want := make(map[string]bool, len(ws))
	for _, w := range ws {
		want[w.leaseID] = true
	}
	var all []leases.Lease
	err := r.callUntil(ws[0].key, site, "list", deadline, func(c context.Context) error {
		var err error
		// The others are kept without their details: the count of the site's leases is
		// what chooses between a list and a GET per lease.
		all, err = leases.ListKeep(c, r.sites[site].Reservation, func(id, _ string) leases.Need {
			if want[id] {
				return leases.Reservations
			}
			return leases.Scalars
		})
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	m := make(map[string]*leases.Lease, len(ws))
	for i := range all {
		if want[all[i].ID] {
			m[all[i].ID] = &all[i]
		}
	}
	return m, len(all), nil
}

// getEach fetches each waiter's lease by its own GET, Parallelism at a time; a lease Blazar
// no longer knows is left out of the map.
func (r *runner) getEach(site string, ws []*waiter, deadline time.Time) (map[string]*leases.Lease, error) {
	var mu sync.Mutex
	m := make(map[string]*leases.Lease, len(ws))
	var errs []error
	sem := make(chan struct{}, max(1, r.o.Parallelism))
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var l *leases.Lease
			err := r.callUntil(w.key, site, "get", deadline, func(c context.Context) error {
				var err error
				l, err = leases.Get(c, r.sites[site].Reservation, w.leaseID).Extract()
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				m[w.leaseID] = l
			case !blazar.IsKind(err, blazar.NotFound):
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return m, nil
}

// recordStatuses saves the new statuses of waited-for leases in one save.
func (r *runner) recordStatuses(ws []*waiter) error {
	return r.update(func(f *state.File) {
		for _, w := range ws {
			if l, ok := f.Lease(w.key); ok && l.ID == w.leaseID && w.lease != nil {
				l.Status = w.lease.Status
				l.UpdatedAt = blazar.FormatTimestamp(w.lease.UpdatedAt)
				l.Start, l.End = w.lease.StartDate, w.lease.EndDate
			}
		}
	})
}

// Wait blocks until the state's leases under keys (every lease when keys is
// empty) are ACTIVE, polling with one lease-list call per site per
// interval, and records their statuses in the state. It returns ctx.Err()
// when cancelled, a *FailedError when some lease went to ERROR, vanished or
// timed out (each Failure's Err is a *StatusError or *TimeoutError), and
// nil once all are ACTIVE.
func Wait(ctx context.Context, store *state.Store, sites map[string]Site, keys []string, o Options) error {
	r := newRunner(ctx, store, sites, o)
	defer r.cancel(nil)
	snap := store.Snapshot()
	if len(keys) == 0 {
		for _, k := range snap.Keys() {
			if !strings.HasSuffix(k, DeposedSuffix) {
				keys = append(keys, k)
			}
		}
	}
	var ws []*waiter
	now := r.o.Now()
	for _, k := range keys {
		l, ok := snap.Lease(k)
		if !ok {
			return fmt.Errorf("no lease %q in the state", k)
		}
		if _, ok := sites[l.Site]; !ok {
			return fmt.Errorf("lease %q: site %s is not connected", k, l.Site)
		}
		ws = append(ws, &waiter{key: k, site: l.Site, leaseID: l.ID, status: l.Status, since: now})
	}
	r.res.Total = len(ws)
	if len(ws) > 0 {
		r.waitLoop(ws, true, nil)
	}
	res, err := r.finish(ctx)
	if err != nil {
		return err
	}
	return res.Err()
}
