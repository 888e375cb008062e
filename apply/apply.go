package apply

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/plan"
	"github.com/chameleoncloud/leasefile/state"
)

// DeposedSuffix marks the state key under which a create-before-destroy
// keeps the old lease between the new lease's creation and the old one's
// deletion. Lease keys cannot contain '~', so it never collides with a
// Leasefile key; a plan sees the deposed entry as a lease to delete.
const DeposedSuffix = state.DeposedSuffix

// DeposedKey is the state key of key's deposed lease (state.DeposedKey).
func DeposedKey(key string) string { return state.DeposedKey(key) }

// Apply executes p: it records the plan's adoptions and observations in the
// state, then per site (sites in parallel, up to o.Parallelism operations
// at once in each) deletes, creates and updates leases, waits for the new
// ones to become ACTIVE, and saves the state after every step.
//
// The Result is never nil. The error is ctx.Err() when the run was
// cancelled, a state-save error when the state could not be written (the
// run stops at once then), and otherwise Result.Err(): nil when every
// change succeeded.
func Apply(ctx context.Context, p *plan.Plan, store *state.Store, sites map[string]Site, o Options) (*Result, error) {
	r := newRunner(ctx, store, sites, o)
	defer r.cancel(nil)
	if p == nil {
		return &r.res, errors.New("apply: no plan")
	}
	if err := r.checkSites(p); err != nil {
		return &r.res, err
	}
	if err := r.recordRefresh(p); err != nil {
		return &r.res, err
	}
	if p.RefreshOnly {
		return r.finish(ctx)
	}

	bySite := map[string][]plan.Change{}
	for _, ch := range p.Changes {
		if ch.Action == plan.NoOp {
			continue
		}
		r.res.Total++
		if _, ok := sites[ch.OldSite()]; !ok {
			r.fail(ch.Key, ch.Site, firstOp(ch), fmt.Errorf("site %s is not connected", ch.OldSite()))
			continue
		}
		if _, ok := sites[ch.Site]; !ok {
			r.fail(ch.Key, ch.Site, firstOp(ch), fmt.Errorf("site %s is not connected", ch.Site))
			continue
		}
		bySite[ch.Site] = append(bySite[ch.Site], ch)
	}
	var wg sync.WaitGroup
	for site, chs := range bySite {
		wg.Go(func() { r.mutateSite(site, chs) })
	}
	wg.Wait()
	r.queueAwaits(p.Await)

	if r.ctx.Err() == nil {
		r.waitPhase()
	}
	if r.ctx.Err() == nil {
		r.finishReplacements()
	}
	r.dropUnsent()
	return r.finish(ctx)
}

type runner struct {
	o      Options
	store  *state.Store
	sites  map[string]Site
	ctx    context.Context // cancelled by the caller or by a failed save
	cancel context.CancelCauseFunc

	repMu sync.Mutex

	mu      sync.Mutex // guards the fields below
	res     Result
	waits   []*waiter
	deposed []deposed // create-before-destroy replacements whose old lease awaits deletion
	fatal   error

	netMu sync.Mutex
	nets  map[siteName]*netEntry

	intents map[string]state.Intent // create intents saved, by key (guarded by mu)
	sent    map[string]bool         // keys whose create was sent (guarded by mu)
	listed  map[string]int          // leases each site's last poll list held (guarded by mu; wait.go)

}

func newRunner(ctx context.Context, store *state.Store, sites map[string]Site, o Options) *runner {
	c, cancel := context.WithCancelCause(ctx)
	r := &runner{o: o.withDefaults(), store: store, sites: sites, ctx: c, cancel: cancel, nets: map[siteName]*netEntry{},
		intents: map[string]state.Intent{}, sent: map[string]bool{}}
	r.watchLock()
	return r
}

func (r *runner) finish(ctx context.Context) (*Result, error) {
	r.mu.Lock()
	fatal := r.fatal
	r.mu.Unlock()
	sortResult(&r.res)
	switch {
	case fatal != nil:
		return &r.res, fatal
	case ctx.Err() != nil:
		return &r.res, ctx.Err()
	}
	return &r.res, r.res.Err()
}

func sortResult(res *Result) {
	slices.SortFunc(res.Done, func(a, b Outcome) int { return cmp.Or(strings.Compare(a.Site, b.Site), strings.Compare(a.Key, b.Key)) })
	slices.SortFunc(res.Adopted, func(a, b Outcome) int { return cmp.Or(strings.Compare(a.Site, b.Site), strings.Compare(a.Key, b.Key)) })
	slices.SortFunc(res.Failed, func(a, b Failure) int { return cmp.Or(strings.Compare(a.Site, b.Site), strings.Compare(a.Key, b.Key)) })
}

// checkSites refuses to write into a state recorded against another cloud
// or project; the CLI checks first, this keeps a library caller honest.
func (r *runner) checkSites(p *plan.Plan) error {
	snap := r.store.Snapshot()
	for _, name := range planSites(p) {
		s, ok := r.sites[name]
		if !ok {
			continue
		}
		if err := snap.CheckSite(name, s.Identity); err != nil {
			return err
		}
	}
	return nil
}

func planSites(p *plan.Plan) []string {
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, ch := range p.Changes {
		if ch.Action != plan.NoOp {
			add(ch.Site)
			// The old site of a move: its lease is deleted there, so its
			// identity is checked and recorded as well.
			add(ch.FromSite)
		}
	}
	for _, a := range p.Adopt {
		add(a.Site)
	}
	for _, a := range p.Await {
		add(a.Site)
	}
	for _, ob := range p.Observed {
		add(ob.Lease.Site)
	}
	slices.Sort(out)
	return out
}

// recordRefresh writes what the plan observed before anything changes, so
// that the state reflects Blazar even if the run stops at the first call.
func (r *runner) recordRefresh(p *plan.Plan) error {
	if len(p.Adopt) == 0 && len(p.Observed) == 0 && len(p.DropIntents) == 0 && len(planSites(p)) == 0 && !(p.RefreshOnly && p.HasDrift()) &&
		len(p.Moves) == 0 && len(p.Forget) == 0 {
		return nil
	}
	err := r.update(func(f *state.File) {
		for _, m := range p.Moves {
			// Refused only when done already (the plan checked the rest): the state is
			// re-read under the lock.
			_ = f.Move(m.From, m.To)
		}
		for _, name := range planSites(p) {
			if s, ok := r.sites[name]; ok {
				f.SetSite(name, s.Identity)
			}
		}
		for _, a := range p.Adopt {
			if l, ok := f.Lease(a.Key); !ok || l.ID != a.LeaseID {
				f.SetLease(a.Key, &state.Lease{ID: a.LeaseID, Name: a.Name, Site: a.Site})
			}
			f.DropIntent(a.Key)
		}
		for _, k := range p.DropIntents {
			// Only an unresolved intent: one with an ID names a lease Blazar
			// returned, which must not be forgotten.
			for _, in := range f.PendingIntents() {
				if in.Key == k && in.ID == "" {
					f.DropIntent(k)
				}
			}
		}
		for _, ob := range p.Observed {
			l := ob.Lease
			if l.Reservations != nil {
				m := make(map[string]state.Reservation, len(l.Reservations))
				for k, v := range l.Reservations {
					m[k] = v
				}
				l.Reservations = m
			}
			f.SetLease(ob.Key, &l)
		}
		for _, k := range p.Forget {
			f.RemoveLease(k)
		}
		if p.RefreshOnly {
			forgetDrift(f, p.Drift)
		}
	})
	if err != nil {
		return err
	}
	for _, a := range p.Adopt {
		r.report(Event{Key: a.Key, Site: a.Site, Kind: Adopted, Message: "lease " + a.LeaseID, LeaseID: a.LeaseID})
		r.mu.Lock()
		r.res.Adopted = append(r.res.Adopted, Outcome{Key: a.Key, Site: a.Site, Action: plan.Create, LeaseID: a.LeaseID})
		r.mu.Unlock()
	}
	return nil
}

// forgetDrift records, for a refresh-only apply, what drift says Blazar no
// longer holds: a lease deleted outside leasefile leaves the state, and an
// expired one is recorded TERMINATED (the plan's Observed normally carries
// that already). Only an entry with the drift's key, site and lease ID is
// touched, so a stale plan cannot drop a lease recorded since. A normal
// apply needs neither: its changes recreate or forget those leases.
func forgetDrift(f *state.File, drift []plan.Drift) {
	for _, d := range drift {
		l, ok := f.Lease(d.Key)
		// An old state may lack the site (the Leasefile gave it); the ID decides then.
		if !ok || l.ID != d.LeaseID || (l.Site != "" && l.Site != d.Site) {
			continue
		}
		switch d.Kind {
		case plan.DriftDeleted:
			f.RemoveLease(d.Key)
		case plan.DriftExpired:
			if l.Status != "TERMINATED" {
				c := *l
				c.Status = "TERMINATED"
				f.SetLease(d.Key, &c)
			}
		}
	}
}

// update mutates and saves the state, returning once a save that includes
// the mutation has completed (the Store group-commits concurrent updates).
//
// A failed save is fatal: going on would create leases that a crash could
// lose, so the run stops.
func (r *runner) update(fn func(*state.File)) error {
	err := r.store.Update(fn)
	if err != nil {
		err = fmt.Errorf("save state %s: %w", r.store.Location(), err)
		r.stop(err)
	}
	return err
}

// stop ends the run with a fatal error: nothing new starts, the caller gets err.
func (r *runner) stop(err error) {
	r.mu.Lock()
	if r.fatal == nil {
		r.fatal = err
	}
	r.mu.Unlock()
	r.cancel(err)
}

// watchLock stops the run when the Store's lock is lost (a remote lock whose renewal
// failed): another run may take it, so this one must start no new work.
func (r *runner) watchLock() {
	lost := r.store.Lost()
	if lost == nil {
		return
	}
	go func() {
		select {
		case <-lost:
			r.stop(fmt.Errorf("state %s: %w (its renewal failed): stopped before starting more work", r.store.Location(), state.ErrLockLost))
		case <-r.ctx.Done():
		}
	}()
}

func (r *runner) report(e Event) {
	if r.o.Reporter == nil {
		return
	}
	r.repMu.Lock()
	defer r.repMu.Unlock()
	r.o.Reporter.Report(e)
}

func (r *runner) done(o Outcome) {
	r.mu.Lock()
	r.res.Done = append(r.res.Done, o)
	r.mu.Unlock()
}

// fail records a lease's failure; an interruption is not a failure of the
// lease, and a state-save error is reported once as Apply's error.
func (r *runner) fail(key, site string, op Op, err error) {
	if errors.Is(err, context.Canceled) || r.isFatal(err) {
		return
	}
	r.mu.Lock()
	r.res.Failed = append(r.res.Failed, Failure{Key: key, Site: site, Op: op, Err: err})
	r.mu.Unlock()
	r.report(Event{Key: key, Site: site, Kind: Failed, Err: err})
}

// failMade records the failure of a waiter's change whose lease exists: it was created, or
// it is a lease the plan waited for.
func (r *runner) failMade(w *waiter, op Op, err error) {
	if errors.Is(err, context.Canceled) || r.isFatal(err) {
		return
	}
	r.mu.Lock()
	r.res.Failed = append(r.res.Failed, Failure{Key: w.key, Site: w.site, Op: op, Err: err, Action: w.ch.Action, LeaseID: w.leaseID})
	r.mu.Unlock()
	r.report(Event{Key: w.key, Site: w.site, Kind: Failed, Err: err})
}

func (r *runner) isFatal(err error) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fatal != nil && errors.Is(err, r.fatal)
}

// pool runs tasks with at most n at once, starting none once the run is
// cancelled.
type pool struct {
	r   *runner
	sem chan struct{}
	wg  sync.WaitGroup
}

func (r *runner) newPool() *pool { return &pool{r: r, sem: make(chan struct{}, r.o.Parallelism)} }

func (p *pool) run(fn func()) {
	if p.r.ctx.Err() != nil {
		return
	}
	p.wg.Go(func() {
		select {
		case p.sem <- struct{}{}:
		case <-p.r.ctx.Done():
			return
		}
		defer func() { <-p.sem }()
		if p.r.ctx.Err() != nil {
			return
		}
		fn()
	})
}

func (p *pool) wait() { p.wg.Wait() }

// firstOp is the operation a change starts with.
func firstOp(ch plan.Change) Op {
	switch ch.Action {
	case plan.Create, plan.CreateThenDelete:
		return OpCreate
	case plan.Update:
		return OpUpdate
	case plan.Delete, plan.DeleteThenCreate:
		return OpDelete
	}
	return ""
}

// mutateSite runs one site's changes: deletes first, so that their
// resources are free for the creates, then creates and updates.
func (r *runner) mutateSite(site string, chs []plan.Change) {
	chs, err := r.recordIntents(chs)
	if err != nil {
		return
	}
	p := r.newPool()
	var mu sync.Mutex
	deleted := map[string]bool{}
	for _, ch := range chs {
		if ch.Action != plan.Delete && ch.Action != plan.DeleteThenCreate {
			continue
		}
		p.run(func() {
			if err := r.deleteLease(ch.Key, ch.Key, ch.OldSite(), ch.LeaseID, ch.Gone); err != nil {
				r.fail(ch.Key, ch.Site, OpDelete, err)
				return
			}
			if ch.Action == plan.Delete {
				r.done(Outcome{Key: ch.Key, Site: ch.Site, Action: ch.Action, LeaseID: ch.LeaseID})
				return
			}
			mu.Lock()
			deleted[ch.Key] = true
			mu.Unlock()
		})
	}
	p.wait()
	for _, ch := range chs {
		switch ch.Action {
		case plan.Create, plan.CreateThenDelete:
			p.run(func() { r.createAndTrack(ch, ch.Gone) })
		case plan.DeleteThenCreate:
			if deleted[ch.Key] {
				p.run(func() { r.createAndTrack(ch, false) })
			}
		case plan.Update:
			p.run(func() { r.updateLease(ch) })
		case plan.Delete, plan.NoOp:
		default:
			r.fail(ch.Key, ch.Site, "", fmt.Errorf("unknown plan action %q", string(ch.Action)))
		}
	}
	p.wait()
}

// createAndTrack creates ch's lease and arranges what follows: the wait,
// and for a create-before-destroy the old lease's deletion (after the wait,
// so that the old lease stays usable until the new one is).
func (r *runner) createAndTrack(ch plan.Change, oldGone bool) {
	l, err := r.createLease(ch)
	if err != nil {
		var ne *networkError
		var ue *uncertainError
		switch {
		case errors.As(err, &ne):
			r.fail(ch.Key, ch.Site, OpNetwork, err)
		case errors.As(err, &ue) && !errors.Is(err, context.Canceled) && !r.isFatal(err):
			r.mu.Lock()
			r.res.Failed = append(r.res.Failed, Failure{Key: ch.Key, Site: ch.Site, Op: OpCreate, Err: err, Uncertain: true})
			r.mu.Unlock()
			r.report(Event{Key: ch.Key, Site: ch.Site, Kind: Failed, Err: err})
		default:
			r.fail(ch.Key, ch.Site, OpCreate, err)
		}
		return
	}
	if ch.Action == plan.DeleteThenCreate {
		r.report(Event{Key: ch.Key, Site: ch.Site, Kind: Replaced, Status: l.Status})
	}
	if ch.Action == plan.CreateThenDelete && oldGone {
		// Nothing to delete: forget the deposed entry now.
		_ = r.update(func(f *state.File) { f.RemoveLease(DeposedKey(ch.Key)) })
		ch.Action = plan.Create
		ch.LeaseID = ""
	}
	w := &waiter{ch: ch, key: ch.Key, site: ch.Site, leaseID: l.ID, status: l.Status, since: r.o.Now(), start: l.Start, end: l.End}
	if ch.WaitMode() == "active" && l.Status != "ACTIVE" {
		r.mu.Lock()
		r.waits = append(r.waits, w)
		r.mu.Unlock()
		return
	}
	r.settled(w)
}

// queueAwaits adds the plan's leases that need no change but are not yet ACTIVE
// (plan.Await) to the wait, as if this run had created them.
func (r *runner) queueAwaits(as []plan.Await) {
	now := r.o.Now()
	for _, a := range as {
		r.res.Total++
		ch := plan.Change{Key: a.Key, Site: a.Site, Action: plan.NoOp, LeaseID: a.LeaseID, Status: a.Status}
		if _, ok := r.sites[a.Site]; !ok {
			r.fail(a.Key, a.Site, OpWait, fmt.Errorf("site %s is not connected", a.Site))
			continue
		}
		r.report(Event{Key: a.Key, Site: a.Site, Kind: Awaiting, Status: a.Status})
		r.mu.Lock()
		r.waits = append(r.waits, &waiter{ch: ch, key: a.Key, site: a.Site, leaseID: a.LeaseID, status: a.Status, since: now})
		r.mu.Unlock()
	}
}

// deposed is a create-before-destroy whose new lease is ready and whose
// old lease (ch.LeaseID) is to be deleted.
type deposed struct {
	ch            plan.Change
	newID, status string
}

// settled is called once a created lease needs no more waiting. It first
// corrects the end of a `start: now` lease (after the wait when there is
// one: Blazar refuses updates while the lease is STARTING).
func (r *runner) settled(w *waiter) {
	if err := r.correctEnd(w); err != nil {
		r.failMade(w, OpUpdate, err)
		return
	}
	if w.ch.Action == plan.CreateThenDelete {
		r.mu.Lock()
		r.deposed = append(r.deposed, deposed{ch: w.ch, newID: w.leaseID, status: w.status})
		r.mu.Unlock()
		return
	}
	r.done(Outcome{Key: w.key, Site: w.site, Action: w.ch.Action, LeaseID: w.leaseID, Status: w.status})
}

// finishReplacements deletes the old leases of create-before-destroy
// replacements whose new lease is ready.
func (r *runner) finishReplacements() {
	r.mu.Lock()
	ds := slices.Clone(r.deposed)
	r.mu.Unlock()
	bySite := map[string][]deposed{}
	for _, d := range ds {
		bySite[d.ch.Site] = append(bySite[d.ch.Site], d)
	}
	var wg sync.WaitGroup
	for _, list := range bySite {
		wg.Go(func() {
			p := r.newPool()
			for _, d := range list {
				ch := d.ch
				p.run(func() {
					err := r.deleteLease(ch.Key, DeposedKey(ch.Key), ch.OldSite(), ch.LeaseID, ch.Gone)
					if err != nil {
						r.fail(ch.Key, ch.Site, OpDelete, fmt.Errorf("new lease %s created, but deleting the old lease %s failed (the next apply deletes it): %w", d.newID, ch.LeaseID, err))
						return
					}
					r.report(Event{Key: ch.Key, Site: ch.Site, Kind: Replaced, Status: d.status})
					r.done(Outcome{Key: ch.Key, Site: ch.Site, Action: plan.CreateThenDelete, LeaseID: d.newID, Status: d.status})
				})
			}
			p.wait()
		})
	}
	wg.Wait()
}

// callCtx is the context of one API call: detached from cancellation, so
// that a call already sent finishes and its result reaches the state, but
// bounded.
func (r *runner) callCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(r.ctx), r.o.CallTimeout)
}

// sleep waits d on the injected clock, or until the run is cancelled.
func (r *runner) sleep(d time.Duration) error {
	if err := r.ctx.Err(); err != nil {
		return context.Cause(r.ctx)
	}
	if d <= 0 {
		return nil
	}
	select {
	case <-r.ctx.Done():
		return context.Cause(r.ctx)
	case <-r.o.After(d):
		return nil
	}
}

// retryable reports whether a failed call is worth repeating: transient
// errors, and for update and delete Blazar's "Invalid lease status." while
// the lease is in a transitional status.
func retryable(op string, err error) bool {
	e, ok := blazar.AsError(err)
	if !ok {
		return false
	}
	if e.Retryable() {
		return true
	}
	return (op == "update" || op == "delete") && e.Kind == blazar.Conflict && e.StatusCode == 500
}

// backoff is the delay before the next attempt: the doubling delay, or the
// server's Retry-After when longer.
func backoff(delay time.Duration, err error) time.Duration {
	if e, ok := blazar.AsError(err); ok && e.RetryAfter > delay {
		return e.RetryAfter
	}
	return delay
}

// call runs fn with retries of transient errors (up to maxAttempts),
// reporting each retry under key. No retry sleeps longer than o.Timeout.
func (r *runner) call(key, site, op string, fn func(context.Context) error) error {
	return r.callUntil(key, site, op, time.Time{}, fn)
}

// callUntil is call for a wait: no retry sleeps past deadline (o.Now's clock;
// zero for none), nor past the context's deadline. A delay that would, a
// Retry-After beyond the -timeout for instance, ends the call with a
// *blazar.RetryAfterError that says so instead of sleeping through it.
func (r *runner) callUntil(key, site, op string, deadline time.Time, fn func(context.Context) error) error {
	delay := r.o.PollMin
	for attempt := 1; ; attempt++ {
		c, cancel := r.callCtx()
		if !deadline.IsZero() {
			// A wait's read needs no detaching, and must not outlast the wait.
			cancel()
			c, cancel = context.WithTimeout(r.ctx, min(r.o.CallTimeout, max(deadline.Sub(r.o.Now()), time.Second)))
		}
		err := fn(c)
		cancel()
		if err == nil {
			return nil
		}
		if !retryable(op, err) || attempt >= maxAttempts {
			return err
		}
		d := backoff(delay, err)
		delay = min(delay*2, r.o.PollMax)
		if limit := r.retryLimit(d, deadline); limit != "" {
			return &blazar.RetryAfterError{Delay: d, Limit: limit, Err: blazar.ConvertError(err)}
		}
		r.report(Event{Key: key, Site: site, Kind: Retrying, Err: err,
			Message: fmt.Sprintf("%s: %v; retrying in %s", op, err, elapsed(d))})
		if serr := r.sleep(d); serr != nil {
			return serr
		}
	}
}

// retryLimit names what a retry delay d would outlast, or returns "".
func (r *runner) retryLimit(d time.Duration, deadline time.Time) string {
	switch {
	case !deadline.IsZero() && r.o.Now().Add(d).After(deadline):
		return fmt.Sprintf("the %s -timeout", r.o.Timeout)
	case d > r.o.Timeout:
		return fmt.Sprintf("the %s -timeout", r.o.Timeout)
	}
	if dl, ok := r.ctx.Deadline(); ok && time.Until(dl) < d {
		return "the run's deadline"
	}
	return ""
}
