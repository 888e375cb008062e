package apply

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/plan"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
)

// recordIntents saves, in one save, an intent for every create of chs
// before any of them is sent: a crash after a create call then leaves the
// intent that lets the next plan adopt the lease. One save for all keeps
// parallel creates from queueing behind one fsync each.
//
// It returns the changes to run: chs without those blockedByIntent failed.
func (r *runner) recordIntents(chs []plan.Change) ([]plan.Change, error) {
	now := r.o.Now().UTC()
	pendingIntents := map[string]state.Intent{}
	for _, in := range r.store.Snapshot().PendingIntents() {
		if in.ID == "" {
			pendingIntents[in.Key] = in
		}
	}
	var ins []state.Intent
	run := chs[:0:0]
	for _, ch := range chs {
		if ch.Create == nil || !(ch.Action == plan.Create || ch.Action.IsReplace()) {
			run = append(run, ch)
			continue
		}
		if old, ok := pendingIntents[ch.Key]; ok && r.blockedByIntent(ch, old) {
			continue
		}
		run = append(run, ch)
		ins = append(ins, state.Intent{Key: ch.Key, Site: ch.Site, Name: ch.Create.Name, Time: now, Unsent: true})
	}
	if len(ins) == 0 {
		return run, nil
	}
	if err := r.update(func(f *state.File) {
		for _, in := range ins {
			f.AddIntent(in)
		}
	}); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, in := range ins {
		r.intents[in.Key] = in
	}
	return run, nil
}

// blockedByIntent reports whether ch's create must not run because an
// earlier interrupted apply left an unresolved intent for its key whose
// lease may exist (a plan made before that apply cannot know of it).
// Overwriting the intent would lose the only trace of that lease, so it
// looks first, and fails the change when it finds the lease or cannot tell.
func (r *runner) blockedByIntent(ch plan.Change, in state.Intent) bool {
	site := in.Site
	if site == "" {
		site = ch.Site
	}
	if in.Unsent {
		// The interrupted run never sent its create: there is no lease to find.
		return false
	}
	if _, ok := r.sites[site]; !ok {
		r.fail(ch.Key, ch.Site, OpCreate, fmt.Errorf("an interrupted apply left a create intent on %s, which is not connected: plan again with it", site))
		return true
	}
	found, err := r.findCreated(ch.Key, site, in.Name, in.Since(), ch.Create)
	switch {
	case errors.As(err, new(*ambiguousError)):
		r.fail(ch.Key, ch.Site, OpCreate, err)
		return true
	case err != nil:
		r.fail(ch.Key, ch.Site, OpCreate, fmt.Errorf("an interrupted apply may have created this lease, and looking for it failed: %w; plan again", err))
		return true
	case found != nil:
		r.fail(ch.Key, ch.Site, OpCreate, fmt.Errorf("an interrupted apply created lease %s (%q) for this key after this plan was made: plan again to adopt it", found.ID, found.Name))
		return true
	}
	return false
}

// dropUnsent forgets the intents of creates that were never sent
// (cancelled, or the delete of a replacement failed), in one save.
func (r *runner) dropUnsent() {
	r.mu.Lock()
	var keys []string
	for k := range r.intents {
		if !r.sent[k] {
			keys = append(keys, k)
		}
	}
	fatal := r.fatal
	r.mu.Unlock()
	if len(keys) == 0 || fatal != nil {
		return
	}
	_ = r.update(func(f *state.File) {
		for _, in := range f.PendingIntents() {
			if mine, ok := r.intents[in.Key]; ok && !r.sent[in.Key] && in.Time.Equal(mine.Time) && in.ID == "" {
				f.DropIntent(in.Key)
			}
		}
	})
}

// createLease creates ch's lease: its intent is already saved; the call,
// then the lease recorded under ch.Key and the intent dropped, in one save.
// A transient failure is followed by a look for the lease the call may have
// created before any retry.
func (r *runner) createLease(ch plan.Change) (*state.Lease, error) {
	cs := ch.Create
	if cs == nil {
		return nil, errors.New("the plan has no create details for this lease")
	}
	site := r.sites[ch.Site]
	bodies, err := r.bodies(ch.Key, ch.Site, cs)
	if err != nil {
		return nil, err
	}
	start, end, err := r.window(cs)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	intent, ok := r.intents[ch.Key]
	r.sent[ch.Key] = true
	r.mu.Unlock()
	if !ok {
		return nil, errors.New("internal error: no create intent was recorded")
	}
	r.report(Event{Key: ch.Key, Site: ch.Site, Kind: Creating})
	if intent, err = r.markSent(ch.Key, intent); err != nil {
		return nil, err
	}
	opts := leases.CreateOpts{Name: cs.Name, Start: start, End: end, Reservations: bodies}
	return r.sendCreate(ch, site, opts, intent)
}

// markSent saves the time the create of key is sent in its intent, before the call: a run
// killed from here on may have made the lease, and a lease created before this moment is
// not this create's.
func (r *runner) markSent(key string, intent state.Intent) (state.Intent, error) {
	intent.Unsent, intent.Sent = false, r.o.Now().UTC()
	if err := r.update(func(f *state.File) {
		// f.Intents is read in place: a copy of every intent per create was quadratic.
		if slices.ContainsFunc(f.Intents, func(in state.Intent) bool {
			return in.Key == key && in.Time.Equal(intent.Time) && in.ID == ""
		}) {
			f.AddIntent(intent)
		}
	}); err != nil {
		return intent, err
	}
	r.mu.Lock()
	r.intents[key] = intent
	r.mu.Unlock()
	return intent, nil
}

// sendCreate sends the create call, retrying a transient failure (after looking for the lease
// the failed call may have created) while a lease it makes can still be adopted.
func (r *runner) sendCreate(ch plan.Change, site Site, opts leases.CreateOpts, intent state.Intent) (*state.Lease, error) {
	cs := ch.Create
	delay := r.o.PollMin
	for attempt := 1; ; attempt++ {
		c, cancel := r.callCtx()
		l, err := leases.Create(c, site.Reservation, opts).Extract()
		cancel()
		if err == nil {
			return r.recordCreated(ch, l, false)
		}
		if !blazar.IsKind(err, blazar.Transient) {
			if _, ok := blazar.AsError(err); ok {
				// Blazar answered with a permanent error (a bare 500
				// included): it rolled the lease back, so there is
				// nothing to adopt later. A leftover intent would let a
				// later plan adopt someone else's lease of that name.
				_ = r.update(func(f *state.File) { f.DropIntent(ch.Key) })
			}
			return nil, err
		}
		found, lerr := r.findCreated(ch.Key, ch.Site, cs.Name, intent.Sent, cs)
		var amb *ambiguousError
		if errors.As(lerr, &amb) {
			return nil, fmt.Errorf("%w, and it may have created the lease: %v", err, amb)
		}
		if lerr != nil {
			return nil, &uncertainError{fmt.Errorf("%w (and listing leases to check whether it was created failed: %v; the next plan checks again)", err, lerr)}
		}
		if found != nil {
			return r.recordCreated(ch, found, true)
		}
		if attempt >= maxAttempts {
			return nil, err
		}
		d := backoff(delay, err)
		delay = min(delay*2, r.o.PollMax)
		if r.o.Now().Sub(intent.Sent)+d+r.o.CallTimeout > state.IntentBound-state.AdoptWindow {
			// A lease this attempt made could end up past the window in which
			// a later plan adopts it, and be created a second time then.
			return nil, fmt.Errorf("%w (giving up: another attempt could outlast state.IntentBound, %s after the intent)", err, state.IntentBound)
		}
		r.report(Event{Key: ch.Key, Site: ch.Site, Kind: Retrying, Err: err,
			Message: fmt.Sprintf("create: %v; no lease was created, retrying in %s", err, elapsed(d))})
		if serr := r.sleep(d); serr != nil {
			return nil, serr
		}
	}
}

// findCreated returns the lease named name that this user created at site
// for the intent whose create was sent at since (state.Intent.Admits with
// its Since, the same window a later plan adopts with), with the
// reservations cs asks for, and that the state does not already hold; nil
// when there is none. Several that fit cannot be told apart: that is an
// *ambiguousError, and none is taken.
func (r *runner) findCreated(key, site, name string, since time.Time, cs *plan.CreateSpec) (*leases.Lease, error) {
	var all []leases.Lease
	err := r.call(key, site, "list", func(c context.Context) error {
		var err error
		// Only leases of that name can be the create's: the others are dropped once named.
		all, err = leases.ListKeep(c, r.sites[site].Reservation, func(_, n string) leases.Need {
			if n == name {
				return leases.Reservations
			}
			return leases.Drop
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, l := range r.store.Snapshot().Leases {
		if l != nil {
			known[l.ID] = true
		}
	}
	user := r.sites[site].Identity.UserID
	var fit []*leases.Lease
	for i := range all {
		l := &all[i]
		if l.Name != name || known[l.ID] || l.Status == "DELETING" || !(state.Intent{Time: since}).Admits(l.CreatedAt) {
			continue
		}
		if user != "" && l.UserID != "" && l.UserID != user {
			continue
		}
		if cs != nil && !plan.SameTypes(cs.Reservations, l) {
			continue
		}
		fit = append(fit, l)
	}
	switch len(fit) {
	case 0:
		return nil, nil
	case 1:
		return fit[0], nil
	}
	ids := make([]string, len(fit))
	for i, l := range fit {
		ids[i] = l.ID
	}
	slices.Sort(ids)
	return nil, &ambiguousError{key: key, name: name, site: site, ids: ids}
}

// ambiguousError is several leases that fit what an interrupted create may
// have made: adopting one could take another state's lease.
type ambiguousError struct {
	key, name, site string
	ids             []string
}

func (e *ambiguousError) Error() string {
	return fmt.Sprintf("%d leases named %q on %s fit what an interrupted create may have made (%s): run `leasefile import %s LEASE_ID` with the right one, and delete the others",
		len(e.ids), e.name, e.site, strings.Join(e.ids, ", "), e.key)
}

// recordCreated writes the new lease under ch.Key and drops the intent, in
// one save. For a create-before-destroy the old lease moves to its deposed
// key in the same save, so it is never lost from the state.
func (r *runner) recordCreated(ch plan.Change, l *leases.Lease, adopted bool) (*state.Lease, error) {
	if l == nil {
		return nil, errors.New("blazar answered the create without a lease")
	}
	sl := toState(l, ch.Site, recordReservations(l.Reservations, ch.Create.Reservations))
	err := r.update(func(f *state.File) {
		if ch.Action == plan.CreateThenDelete {
			if old, ok := f.Lease(ch.Key); ok && old.ID == ch.LeaseID {
				f.SetLease(DeposedKey(ch.Key), old)
			}
		}
		f.SetLease(ch.Key, sl)
		f.DropIntent(ch.Key)
	})
	if err != nil {
		return nil, err
	}
	if adopted {
		r.report(Event{Key: ch.Key, Site: ch.Site, Kind: Adopted, Status: sl.Status, LeaseID: sl.ID,
			Message: "lease " + sl.ID + " was created although the call failed"})
	} else {
		r.report(Event{Key: ch.Key, Site: ch.Site, Kind: Created, Status: sl.Status, LeaseID: sl.ID})
	}
	c := *sl
	return &c, nil
}

// correctEnd moves the end of a just-created `start: now` + duration lease
// to its real start plus the duration. apply sends the end from its own
// clock's minute but Blazar picks the start from its clock: across a minute
// boundary, or with clock skew, they differ by a minute, and the next plan
// would show an update of the end. One End-only update fixes it now; the
// state (and w.lease, which the wait records next) take Blazar's answer.
func (r *runner) correctEnd(w *waiter) error {
	cs := w.ch.Create
	if cs == nil || !cs.Start.IsZero() || !cs.End.IsZero() || cs.Duration <= 0 {
		return nil
	}
	start, end := w.start, w.end
	if w.lease != nil {
		start, end = w.lease.StartDate, w.lease.EndDate
	}
	want := start.UTC().Truncate(time.Minute).Add(cs.Duration)
	if want.Equal(end.UTC().Truncate(time.Minute)) {
		return nil
	}
	var l *leases.Lease
	err := r.call(w.key, w.site, "update", func(c context.Context) error {
		var err error
		l, err = leases.Update(c, r.sites[w.site].Reservation, w.leaseID, leases.UpdateOpts{End: &want}).Extract()
		return err
	})
	if err == nil && l == nil {
		err = errors.New("blazar answered the update without a lease")
	}
	if err != nil {
		return fmt.Errorf("lease %s was created ending %s, but moving its end to %s (its start plus %s) failed (the next plan shows the change): %w",
			w.leaseID, end.UTC().Format(plan.TimeLayout), want.Format(plan.TimeLayout), spec.FormatDuration(cs.Duration), err)
	}
	// Blazar answers UPDATING mid-update; the lease returns to the status it
	// had, which is what the state should keep.
	status := w.status
	if l.Status != "UPDATING" {
		status = l.Status
	}
	updated := blazar.FormatTimestamp(l.UpdatedAt)
	w.end, w.status = l.EndDate, status
	if w.lease != nil {
		c := *w.lease
		c.EndDate, c.UpdatedAt, c.Status = l.EndDate, l.UpdatedAt, status
		w.lease = &c
	}
	return r.update(func(f *state.File) {
		if cur, ok := f.Lease(w.key); ok && cur.ID == w.leaseID {
			c := *cur
			c.End, c.UpdatedAt, c.Status = l.EndDate, updated, status
			f.SetLease(w.key, &c)
		}
	})
}

// window resolves the create's dates: a zero Start is sent as "now" and
// the end measured from the current minute, as Blazar resolves "now".
func (r *runner) window(cs *plan.CreateSpec) (start, end time.Time, err error) {
	base := cs.Start
	if base.IsZero() {
		base = r.o.Now().UTC().Truncate(time.Minute)
	}
	end = cs.End
	if end.IsZero() {
		if cs.Duration <= 0 {
			return time.Time{}, time.Time{}, errors.New("the plan gives neither an end nor a duration")
		}
		end = base.Add(cs.Duration)
	}
	return cs.Start, end, nil
}

// bodies renders the reservation bodies of a create, adding the floating IP network_id
// resolved through Neutron.
func (r *runner) bodies(key, site string, cs *plan.CreateSpec) ([]map[string]any, error) {
	out := make([]map[string]any, len(cs.Reservations))
	for i, rs := range cs.Reservations {
		b := rs.Body
		if (b.ResourceType == "virtual:floatingip" || rs.FloatingNetwork != "") && b.NetworkID == nil {
			name := cmp.Or(rs.FloatingNetwork, "public")
			id, err := r.networkID(key, site, name)
			if err != nil {
				return nil, &networkError{fmt.Errorf("reservation %s: floating IP network %q: %w", rs.Key, name, err)}
			}
			b.NetworkID = &id
		}
		if rs.Flavor != "" && b.FlavorID == nil {
			id, err := r.flavorID(key, site, rs.Flavor)
			if err != nil {
				return nil, &networkError{fmt.Errorf("reservation %s: flavor %q: %w", rs.Key, rs.Flavor, err)}
			}
			b.FlavorID = &id
		}
		out[i] = b.ToMap()
	}
	return out, nil
}

// networkError is a failed floating IP network or flavor lookup: the create was never sent.
type networkError struct{ err error }

func (e *networkError) Error() string { return e.err.Error() }
func (e *networkError) Unwrap() error { return e.err }

// uncertainError is a create that failed transiently and whose lease may exist:
// looking for it failed as well.
type uncertainError struct{ err error }

func (e *uncertainError) Error() string { return e.err.Error() }
func (e *uncertainError) Unwrap() error { return e.err }

// siteName is a name looked up at a site (a network; a flavor, prefixed "flavor:"), the
// key of the runner's lookups.
type siteName struct{ site, name string }

type netEntry struct {
	mu sync.Mutex
	id string
}

// networkID resolves a network name once per site.
func (r *runner) networkID(key, site, name string) (string, error) {
	s := r.sites[site]
	if s.Network == nil {
		return "", fmt.Errorf("site %s has no network (Neutron) endpoint to look the network up", site)
	}
	return r.lookupOnce(key, siteName{site, name}, "network lookup", func(c context.Context) (string, error) {
		return blazar.NetworkIDByName(c, s.Network, name)
	})
}

// flavorID resolves a flavor name through Nova, once per site.
func (r *runner) flavorID(key, site, name string) (string, error) {
	s := r.sites[site]
	if s.Compute == nil {
		return "", fmt.Errorf("site %s has no compute (Nova) endpoint to look the flavor up", site)
	}
	return r.lookupOnce(key, siteName{site, "flavor:" + name}, "flavor lookup", func(c context.Context) (string, error) {
		return blazar.FlavorID(c, s.Compute, name)
	})
}

// lookupOnce answers k's lookup from the first that succeeded: concurrent askers wait for
// the one in flight, and a failed lookup (retried as every call is) is tried again by the
// next asker.
func (r *runner) lookupOnce(key string, k siteName, what string, lookup func(context.Context) (string, error)) (string, error) {
	r.netMu.Lock()
	e := r.nets[k]
	if e == nil {
		e = &netEntry{}
		r.nets[k] = e
	}
	r.netMu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.id != "" {
		return e.id, nil
	}
	var id string
	err := r.call(key, k.site, what, func(c context.Context) error {
		var err error
		id, err = lookup(c)
		return err
	})
	if err != nil {
		return "", err
	}
	e.id = id
	return id, nil
}

// deleteLease deletes lease id and removes it from the state under
// stateKey. A lease already gone (known from the plan's drift, or a 404)
// counts as deleted.
func (r *runner) deleteLease(key, stateKey, site, id string, gone bool) error {
	note := ""
	if gone {
		note = "already gone"
	} else {
		r.report(Event{Key: key, Site: site, Kind: Deleting})
		err := r.call(key, site, "delete", func(c context.Context) error {
			return leases.Delete(c, r.sites[site].Reservation, id).ExtractErr()
		})
		switch {
		case blazar.IsKind(err, blazar.NotFound):
			note = "already gone"
		case err != nil:
			return err
		}
	}
	err := r.update(func(f *state.File) {
		if l, ok := f.Lease(stateKey); ok && l.ID == id {
			f.RemoveLease(stateKey)
		}
	})
	if err != nil {
		return err
	}
	r.report(Event{Key: key, Site: site, Kind: Deleted, Message: note, LeaseID: id})
	return nil
}

// updateLease sends ch's in-place update and records Blazar's answer.
func (r *runner) updateLease(ch plan.Change) {
	us := ch.Update
	if us == nil {
		r.fail(ch.Key, ch.Site, OpUpdate, errors.New("the plan has no update details for this lease"))
		return
	}
	opts := leases.UpdateOpts{Name: us.Name, Start: us.Start, End: us.End}
	ids := map[string]string{}
	sent := map[string]spec.ReservationBody{}
	for _, ru := range us.Reservations {
		sent[ru.Key] = ru.Body
		b := ru.Body.ToMap()
		b["id"] = ru.ID
		opts.Reservations = append(opts.Reservations, b)
		ids[ru.Key] = ru.ID
	}
	r.report(Event{Key: ch.Key, Site: ch.Site, Kind: Updating})
	var l *leases.Lease
	err := r.call(ch.Key, ch.Site, "update", func(c context.Context) error {
		var err error
		l, err = leases.Update(c, r.sites[ch.Site].Reservation, ch.LeaseID, opts).Extract()
		return err
	})
	if err == nil && l == nil {
		err = errors.New("blazar answered the update without a lease")
	}
	if err != nil {
		r.fail(ch.Key, ch.Site, OpUpdate, explainGrowth(ch, err))
		return
	}
	if l.Status == "UPDATING" {
		// Blazar answers mid-update; one read gets the settled status
		// the state should record. If it fails, UPDATING is recorded and
		// the next refresh corrects it.
		_ = r.call(ch.Key, ch.Site, "get", func(c context.Context) error {
			got, err := leases.GetOwn(c, r.sites[ch.Site].Reservation, l.ID, r.sites[ch.Site].Identity.ProjectID)
			if err == nil && got != nil {
				l = got
			}
			return err
		})
	}
	err = r.update(func(f *state.File) {
		res := map[string]state.Reservation{}
		if old, ok := f.Lease(ch.Key); ok && old.ID == l.ID {
			maps.Copy(res, old.Reservations)
		}
		for k, id := range ids {
			v := res[k]
			if v.ID != id {
				v = state.Reservation{ID: id}
			}
			// Keep, and bring up to date, what was sent that Blazar does not return.
			res[k] = plan.Record(v, sent[k])
		}
		live := map[string]string{}
		for _, lr := range l.Reservations {
			live[lr.ID] = lr.ResourceType
		}
		for k, v := range res {
			if rt, ok := live[v.ID]; ok && rt != "" {
				v.ResourceType = rt
				res[k] = v
			}
		}
		f.SetLease(ch.Key, toState(l, ch.Site, res))
	})
	if err != nil {
		return
	}
	r.report(Event{Key: ch.Key, Site: ch.Site, Kind: Updated, Status: l.Status, LeaseID: l.ID})
	r.done(Outcome{Key: ch.Key, Site: ch.Site, Action: plan.Update, LeaseID: l.ID, Status: l.Status})
}

// toState is what the state records of a live lease.
func toState(l *leases.Lease, site string, res map[string]state.Reservation) *state.Lease {
	if len(res) == 0 {
		res = nil
	}
	return &state.Lease{ID: l.ID, Name: l.Name, Site: site, Status: l.Status,
		Start: l.StartDate, End: l.EndDate, UpdatedAt: blazar.FormatTimestamp(l.UpdatedAt),
		Reservations: res, CreatedAt: l.CreatedAt}
}

// recordReservations is what the state records of a created lease's reservations: each
// paired with the spec that asked for it by plan.Match. When Match cannot tell them apart
// none is recorded, and the next plan says so for the lease.
func recordReservations(got []leases.Reservation, specs []plan.ReservationSpec) map[string]state.Reservation {
	m, err := plan.Match(specs, nil, got)
	if err != nil {
		return nil
	}
	out := map[string]state.Reservation{}
	for _, rs := range specs {
		if lr := m[rs.Key]; lr != nil {
			out[rs.Key] = plan.Record(state.Reservation{ID: lr.ID, ResourceType: lr.ResourceType}, rs.Body)
		}
	}
	return out
}
