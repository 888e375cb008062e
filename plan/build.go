package plan

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
)

// Input is everything Build needs: the desired leases, the state and what Blazar says now.
type Input struct {
	Spec         *spec.File
	State        *state.File
	StateExisted bool
	// Live is every lease listed per site, as one list call returned it.
	Live map[string][]leases.Lease
	// Identity is this run's identity per site, UserID included (adoption checks it).
	Identity map[string]state.Identity
	Now      time.Time
	// Targets and Replace are -target and -replace keys: "lease" or "lease.reservation".
	Targets, Replace []string
	Destroy          bool
	RefreshOnly      bool
	// AllowDuplicateName lets a create go ahead although a live lease of that name, which no
	// state entry tracks, exists at its site (-allow-duplicate-name); it is then a warning.
	AllowDuplicateName bool
	LeasefileHash      string
	// Networks resolves floating IP network names to IDs per site (site -> name -> id).
	// Optional: without an entry, a floating IP's network is not compared with Blazar's
	// network_id, since plan makes no Neutron call.
	Networks map[string]map[string]string
}

// TimeLayout is how plans display lease times: Blazar's own input precision, in UTC.
const TimeLayout = spec.BlazarLayout

// tracked is a lease the state (or an adoption) ties to a key.
type tracked struct {
	st      *state.Lease
	site    string
	live    *leases.Lease // nil when gone from Blazar
	adopted bool
	orphan  bool // adopted for a key no longer in the Leasefile
}

type builder struct {
	in      Input
	now     time.Time // Now truncated to the minute, as Blazar resolves "now"
	p       *Plan
	live    map[string]map[string]*leases.Lease // site -> id -> lease
	tracked map[string]*tracked
	targets map[string]bool
	replace map[string]bool
}

// pending is a change plus the error it would raise if it is kept (not filtered out by
// -target or -refresh-only).
type pending struct {
	ch  Change
	err error
}

// Build computes the plan. It returns an error, and no plan, when the plan cannot be made
// safely: a create with a start in the past, prevent_destroy on a lease that would be
// destroyed, an ambiguous adoption, or an unknown -target or -replace key.
func Build(in Input) (*Plan, error) {
	if in.State == nil {
		in.State = state.New()
	}
	if in.Spec == nil {
		in.Spec = &spec.File{}
	}
	b := &builder{
		in:      in,
		now:     in.Now.UTC().Truncate(time.Minute),
		live:    map[string]map[string]*leases.Lease{},
		tracked: map[string]*tracked{},
	}
	b.p = &Plan{
		FormatVersion: FormatVersion,
		CreatedAt:     in.Now.UTC(),
		Lineage:       in.State.Lineage,
		Serial:        in.State.Serial,
		StateExisted:  in.StateExisted,
		LeasefileHash: in.LeasefileHash,
		Sites:         map[string]state.Identity{},
		Destroy:       in.Destroy,
		RefreshOnly:   in.RefreshOnly,
		Changes:       []Change{},
		Observed:      []Observed{},
	}
	for site, ls := range in.Live {
		m := map[string]*leases.Lease{}
		for i := range ls {
			m[ls[i].ID] = &ls[i]
		}
		b.live[site] = m
	}
	if err := b.flags(); err != nil {
		return nil, err
	}
	if len(b.targets) > 0 {
		ts := make([]string, 0, len(b.targets))
		for k := range b.targets {
			ts = append(ts, k)
		}
		sort.Strings(ts)
		b.p.Targets = ts
		b.p.Warnings = append(b.p.Warnings, "Resource targeting is in effect: this plan only changes "+strings.Join(ts, ", ")+
			", so it may not show every change the Leasefile asks for. Use -target only to recover from mistakes; plan again without it before relying on the result.")
	}
	b.move()
	b.track()
	if err := b.adopt(); err != nil {
		return nil, err
	}
	b.drift()
	b.observe()

	var errs []error
	for _, key := range b.allKeys() {
		pd := b.planKey(key)
		ch := pd.ch
		keep := !in.RefreshOnly && (len(b.targets) == 0 || b.targets[strings.TrimSuffix(key, state.DeposedSuffix)])
		if !keep && ch.Action != NoOp {
			ch = noop(ch)
		} else if keep && pd.err != nil {
			errs = append(errs, pd.err)
		}
		// Blazar allows a delete from any of these (X -> DELETING), and a replacement
		// only deletes the old lease: only an update is refused.
		if ch.Action == Update {
			switch ch.Status {
			case "CREATING", "STARTING", "UPDATING", "TERMINATING":
				// Blazar answers "Invalid lease status" to any change in these states.
				b.p.Warnings = append(b.p.Warnings, fmt.Sprintf("lease %q is %s: Blazar refuses changes until it settles, so apply may fail for it; plan again in a minute", key, ch.Status))
			}
		}
		if keep && ch.Action == NoOp && !in.Destroy {
			if t := b.tracked[key]; t != nil && b.unfinished(b.in.Spec.Lease(key), t.live) {
				b.p.Await = append(b.p.Await, Await{Key: key, Site: t.site, LeaseID: t.live.ID, Status: t.live.Status})
			}
		}
		if keep && !in.Destroy && b.forgotten(key) {
			b.p.Forget = append(b.p.Forget, key)
		}
		b.p.Changes = append(b.p.Changes, ch)
	}
	if len(errs) > 0 {
		return nil, spec.Collect(errs...)
	}
	for _, ch := range b.p.Changes {
		for _, site := range []string{ch.Site, ch.FromSite} {
			if id, ok := in.Identity[site]; ok {
				b.p.Sites[site] = id
			}
		}
	}
	b.moveHints()
	sort.SliceStable(b.p.Changes, func(i, j int) bool {
		a, c := b.p.Changes[i], b.p.Changes[j]
		if a.Site != c.Site {
			return a.Site < c.Site
		}
		return a.Key < c.Key
	})
	sort.SliceStable(b.p.Drift, func(i, j int) bool {
		a, c := b.p.Drift[i], b.p.Drift[j]
		if a.Site != c.Site {
			return a.Site < c.Site
		}
		return a.Key < c.Key
	})
	sort.SliceStable(b.p.Await, func(i, j int) bool {
		a, c := b.p.Await[i], b.p.Await[j]
		if a.Site != c.Site {
			return a.Site < c.Site
		}
		return a.Key < c.Key
	})
	sort.SliceStable(b.p.Observed, func(i, j int) bool {
		a, c := b.p.Observed[i], b.p.Observed[j]
		if a.Lease.Site != c.Lease.Site {
			return a.Lease.Site < c.Lease.Site
		}
		return a.Key < c.Key
	})
	b.p.setActionReasons()
	return b.p, nil
}

// noop strips a change down to what a skipped (targeted out or refresh-only) key shows.
func noop(ch Change) Change {
	return Change{Key: ch.Key, Site: ch.Site, Action: NoOp, Name: ch.Name, LeaseID: ch.LeaseID, UpdatedAt: ch.UpdatedAt, Status: ch.Status}
}

// CheckFlags refuses what Build refuses of in.Targets and in.Replace (a key or reservation
// neither the Leasefile nor the state has, a -replace outside the targets) without looking at
// in.Live, so that a caller can say so before connecting anywhere.
func CheckFlags(in Input) error {
	if in.State == nil {
		in.State = state.New()
	}
	if in.Spec == nil {
		in.Spec = &spec.File{}
	}
	return (&builder{in: in}).flags()
}

// flags reads -target and -replace into b.targets and b.replace.
func (b *builder) flags() error {
	var err error
	if b.targets, err = b.keys("target", b.in.Targets); err != nil {
		return err
	}
	if b.replace, err = b.keys("replace", b.in.Replace); err != nil {
		return err
	}
	if len(b.targets) > 0 {
		for _, a := range b.in.Replace {
			if key, _, _ := strings.Cut(a, "."); !b.targets[key] {
				// Targeting would skip the replacement without a word.
				return fmt.Errorf("-replace %s: lease %q is not among the -target leases, so it would not be replaced: add -target %s, or drop -replace", a, key, key)
			}
		}
	}
	return nil
}

// keys turns -target/-replace arguments into lease keys, refusing unknown ones.
func (b *builder) keys(flag string, args []string) (map[string]bool, error) {
	if len(args) == 0 {
		return nil, nil
	}
	out := map[string]bool{}
	for _, a := range args {
		key, res, _ := strings.Cut(a, ".")
		d := b.in.Spec.Lease(key)
		_, inState := b.in.State.Lease(key)
		if d == nil && !inState {
			return nil, fmt.Errorf("-%s %s: no lease %q in the Leasefile or the state", flag, a, key)
		}
		if res != "" {
			found := d != nil && d.Reservation(res) != nil
			if st, ok := b.in.State.Lease(key); ok && !found {
				_, found = st.Reservations[res]
			}
			if !found {
				return nil, fmt.Errorf("-%s %s: lease %q has no reservation %q", flag, a, key, res)
			}
		}
		out[key] = true
	}
	return out, nil
}

func (b *builder) liveLease(site, id string) *leases.Lease {
	l := b.live[site][id]
	if l == nil || l.Status == "DELETING" {
		// A lease being deleted is as good as gone: nothing can be done with it.
		return nil
	}
	return l
}

// track ties each state key to its live lease, by ID only.
func (b *builder) track() {
	for _, key := range b.in.State.Keys() {
		st, _ := b.in.State.Lease(key)
		c := *st
		site := c.Site
		if site == "" {
			if d := b.in.Spec.Lease(key); d != nil {
				site = d.Site
			}
		}
		b.tracked[key] = &tracked{st: &c, site: site, live: b.liveLease(site, c.ID)}
	}
}

// move applies the Leasefile's moved: entries to a copy of the state that the plan is built
// from, recording each in the plan so that apply renames the entry first. An entry whose old
// key the state does not hold is done (or was never needed); one whose new key the state
// already holds too is left: the old key is planned as any key that left the file.
func (b *builder) move() {
	var moved *state.File
	for _, m := range b.in.Spec.Moved {
		if _, ok := b.in.State.Lease(m.From); !ok {
			continue
		}
		if moved == nil {
			moved = b.in.State.Clone()
		}
		if moved.Move(m.From, m.To) != nil {
			continue
		}
		b.p.Moves = append(b.p.Moves, Move{From: m.From, To: m.To})
	}
	if moved != nil {
		b.in.State = moved
	}
}

// forgotten reports whether key is a removed: entry with destroy: false that the state holds.
func (b *builder) forgotten(key string) bool {
	if b.tracked[key] == nil {
		return false
	}
	for _, r := range b.in.Spec.Removed {
		if r.Key == key && !r.Destroy {
			return true
		}
	}
	return false
}

// moveHints pairs each key deleted because it left the Leasefile with each new key created at
// the same site: if the new key is the old one renamed, a moved: entry would keep the lease.
func (b *builder) moveHints() {
	var gone, fresh []Change
	for _, ch := range b.p.Changes {
		switch {
		case ch.Action == Delete && b.in.Spec.Lease(ch.Key) == nil && !strings.HasSuffix(ch.Key, state.DeposedSuffix) &&
			!b.in.Destroy && !ch.Gone && b.tracked[ch.Key] != nil && !b.tracked[ch.Key].orphan:
			gone = append(gone, ch)
		case ch.Action == Create && b.tracked[ch.Key] == nil:
			fresh = append(fresh, ch)
		}
	}
	for _, g := range gone {
		for _, f := range fresh {
			if f.Site == g.Site {
				b.p.MoveHints = append(b.p.MoveHints, Move{From: g.Key, To: f.Key})
			}
		}
	}
	sort.Slice(b.p.MoveHints, func(i, j int) bool {
		a, c := b.p.MoveHints[i], b.p.MoveHints[j]
		return a.From < c.From || a.From == c.From && a.To < c.To
	})
}

// isTracked reports whether id is already tracked under some key.
func (b *builder) isTracked(site, id string) bool {
	for _, t := range b.tracked {
		if t.site == site && t.st != nil && t.st.ID == id {
			return true
		}
	}
	return false
}

// adopt resolves the intents an interrupted apply left behind.
func (b *builder) adopt() error {
	var errs []error
	for _, in := range b.in.State.PendingIntents() {
		site := in.Site
		if site == "" {
			if d := b.in.Spec.Lease(in.Key); d != nil {
				site = d.Site
			}
		}
		var found *leases.Lease
		if in.ID != "" {
			// Blazar returned this ID to our create: the lease is ours for certain.
			found = b.liveLease(site, in.ID)
		} else {
			if in.Unsent {
				// The interrupted run never sent the create: it made no lease, and a lease of
				// that name is someone else's.
				b.p.DropIntents = append(b.p.DropIntents, in.Key)
				continue
			}
			d := b.in.Spec.Lease(in.Key)
			user := b.in.Identity[site].UserID
			var cands []*leases.Lease
			for _, l := range b.in.Live[site] {
				l := l
				if l.Name != in.Name || l.Status == "DELETING" || b.isTracked(site, l.ID) {
					continue
				}
				if !in.Admits(l.CreatedAt) {
					continue
				}
				if user != "" && l.UserID != user {
					continue
				}
				if d != nil && !SameTypes(wanted(d), &l) {
					// Not what this create asked for: another state's lease of that name.
					continue
				}
				cands = append(cands, &l)
			}
			sort.Slice(cands, func(i, j int) bool { return cands[i].ID < cands[j].ID })
			if d == nil {
				// The key left the Leasefile after its create was interrupted. One lease that
				// fits is that create's: it is adopted, and deleted as any lease whose key left
				// the Leasefile. Several cannot be told apart: the intent is kept, and every plan
				// names them until the user resolves it.
				switch len(cands) {
				case 0:
					b.p.DropIntents = append(b.p.DropIntents, in.Key)
					continue
				case 1:
					found = cands[0]
				default:
					ids := make([]string, len(cands))
					for i, c := range cands {
						ids[i] = c.ID
					}
					b.p.Warnings = append(b.p.Warnings, fmt.Sprintf("lease %q is no longer in the Leasefile, and an interrupted apply at %s may have created it: "+
						"leases %s (%q on %s) fit, and leasefile cannot tell which is its own; delete the one that is yours "+
						"(openstack reservation lease delete ID), or add %s back to the Leasefile and run `leasefile import %s ID`",
						in.Key, in.Time.UTC().Format(TimeLayout), strings.Join(ids, ", "), in.Name, site, in.Key, in.Key))
					continue
				}
			} else {
				switch len(cands) {
				case 0:
					if in.Expired(b.in.Now) {
						// Its create never made a lease, and can no longer: forget it, or it
						// would adopt a lease of that name created much later.
						b.p.DropIntents = append(b.p.DropIntents, in.Key)
					}
				case 1:
					found = cands[0]
				default:
					ids := make([]string, len(cands))
					for i, c := range cands {
						ids[i] = c.ID
					}
					errs = append(errs, fmt.Errorf("lease %q: an interrupted apply at %s may have created it, and %d leases named %q on %s fit (%s): "+
						"run `leasefile import %s LEASE_ID` with the right one, and delete the others",
						in.Key, in.Time.UTC().Format(TimeLayout), len(cands), in.Name, site, strings.Join(ids, ", "), in.Key))
					continue
				}
			}
		}
		if found == nil {
			continue
		}
		if t := b.tracked[in.Key]; t != nil && t.live != nil && !ended(t.live.Status) {
			if t.live.ID == found.ID {
				continue
			}
			// The state still tracks a live lease for this key: a create_before_destroy
			// interrupted after its create. Finish it as apply would have: the new lease
			// takes the key and the old one becomes the deposed lease, which this plan
			// deletes. Leaving the new one alone would let the next apply create a third.
			dk := state.DeposedKey(in.Key)
			if _, taken := b.tracked[dk]; taken {
				errs = append(errs, fmt.Errorf("lease %q: an interrupted apply created lease %s (%q) while the state tracks %s under the key and another lease under %s: "+
					"keep one with `leasefile state rm %s` and `leasefile import %s LEASE_ID`, and delete the others",
					in.Key, found.ID, found.Name, t.live.ID, dk, in.Key, in.Key))
				continue
			}
			b.tracked[dk] = t
			b.p.Warnings = append(b.p.Warnings, fmt.Sprintf("lease %q: an interrupted create_before_destroy created lease %s; it is adopted, and the old lease %s it replaces is deleted",
				in.Key, found.ID, t.live.ID))
		}
		b.tracked[in.Key] = &tracked{site: site, live: found, adopted: true, orphan: b.in.Spec.Lease(in.Key) == nil}
		b.p.Adopt = append(b.p.Adopt, Adoption{Key: in.Key, Site: site, LeaseID: found.ID, Name: found.Name})
	}
	return errors.Join(errs...)
}

func (b *builder) allKeys() []string {
	set := map[string]bool{}
	for _, d := range b.in.Spec.Leases {
		set[d.Key] = true
	}
	for k := range b.tracked {
		set[k] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func minute(t time.Time) time.Time { return t.UTC().Truncate(time.Minute) }

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeLayout)
}

// drift compares the state with Blazar for every tracked lease.
func (b *builder) drift() {
	add := func(key string, t *tracked, kind DriftKind, detail string) {
		id := ""
		if t.st != nil {
			id = t.st.ID
		} else if t.live != nil {
			id = t.live.ID
		}
		b.p.Drift = append(b.p.Drift, Drift{Key: key, Site: t.site, LeaseID: id, Kind: kind, Detail: detail})
	}
	for _, key := range b.allKeys() {
		t := b.tracked[key]
		if t == nil {
			continue
		}
		l := t.live
		if l == nil {
			add(key, t, DriftDeleted, fmt.Sprintf("lease %s was deleted outside leasefile", t.st.ID))
			continue
		}
		switch {
		case ended(l.Status):
			add(key, t, DriftExpired, fmt.Sprintf("lease %s expired at %s (%s)", l.ID, fmtTime(l.EndDate), l.Status))
			continue
		case l.Status == "ERROR":
			msg := fmt.Sprintf("lease %s is in ERROR", l.ID)
			if l.StatusReason != "" {
				msg += ": " + l.StatusReason
			}
			add(key, t, DriftError, msg)
		}
		var lost []string
		for _, r := range l.Reservations {
			if r.MissingResources || r.ResourcesChanged {
				lost = append(lost, b.resName(key, t, r.ID))
			}
		}
		if l.Degraded || len(lost) > 0 {
			msg := fmt.Sprintf("lease %s is degraded", l.ID)
			if len(lost) > 0 {
				msg += ": reservation " + strings.Join(lost, ", ") + " lost resources"
			}
			add(key, t, DriftDegraded, msg)
		}
		if t.st == nil {
			continue // adopted: no recorded values to compare with
		}
		st := t.st
		if st.Name != "" && st.Name != l.Name {
			add(key, t, DriftName, fmt.Sprintf("name changed from %q to %q", st.Name, l.Name))
		}
		if !st.Start.IsZero() && !minute(st.Start).Equal(minute(l.StartDate)) {
			add(key, t, DriftStart, fmt.Sprintf("start changed from %s to %s", fmtTime(st.Start), fmtTime(l.StartDate)))
		}
		if !st.End.IsZero() && !minute(st.End).Equal(minute(l.EndDate)) {
			add(key, t, DriftEnd, fmt.Sprintf("end changed from %s to %s", fmtTime(st.End), fmtTime(l.EndDate)))
		}
		var gone []string
		for _, rk := range slices.Sorted(maps.Keys(st.Reservations)) {
			if findRes(l, st.Reservations[rk].ID) == nil {
				gone = append(gone, rk)
			}
		}
		if len(gone) > 0 {
			add(key, t, DriftReservations, "reservation "+strings.Join(gone, ", ")+" no longer in the lease")
		}
	}
}

// resName names a live reservation by its key when the state knows it.
func (b *builder) resName(key string, t *tracked, id string) string {
	if t.st != nil {
		for k, r := range t.st.Reservations {
			if r.ID == id {
				return k
			}
		}
	}
	return id
}

// recordedID reports whether the state entry st records a reservation of that id.
func recordedID(st *state.Lease, id string) bool {
	return st != nil && slices.ContainsFunc(slices.Collect(maps.Values(st.Reservations)), func(r state.Reservation) bool { return r.ID == id })
}

func findRes(l *leases.Lease, id string) *leases.Reservation {
	for i := range l.Reservations {
		if l.Reservations[i].ID == id {
			return &l.Reservations[i]
		}
	}
	return nil
}

// matched pairs the reservation keys of a tracked lease with its live reservations (Match).
// When Match cannot, only the keys the state records by ID are paired, and the error says why.
func matched(d *spec.Lease, st *state.Lease, l *leases.Lease) (map[string]*leases.Reservation, error) {
	var recorded map[string]state.Reservation
	if st != nil {
		recorded = st.Reservations
	}
	m, err := Match(wanted(d), recorded, l.Reservations)
	if err != nil {
		m, _ = Match(nil, recorded, l.Reservations)
	}
	return m, err
}

// observe records what the state should hold for every tracked lease still in Blazar.
func (b *builder) observe() {
	for _, key := range slices.Sorted(maps.Keys(b.tracked)) {
		t := b.tracked[key]
		if t.live == nil {
			continue
		}
		b.p.Observed = append(b.p.Observed, Observed{Key: key, Lease: observed(t, b.in.Spec.Lease(key))})
	}
}

func observed(t *tracked, d *spec.Lease) state.Lease {
	l := t.live
	out := state.Lease{
		ID: l.ID, Name: l.Name, Site: t.site, Status: l.Status,
		Start: l.StartDate.UTC(), End: l.EndDate.UTC(), CreatedAt: l.CreatedAt.UTC(),
	}
	out.UpdatedAt = blazar.FormatTimestamp(l.UpdatedAt)
	m, _ := matched(d, t.st, l)
	if len(m) > 0 {
		out.Reservations = map[string]state.Reservation{}
		for k, r := range m {
			sr := state.Reservation{ID: r.ID, ResourceType: r.ResourceType}
			if t.st != nil {
				// Keep what apply recorded of what it sent: Blazar does not return it.
				if old, ok := t.st.Reservations[k]; ok && old.ID == r.ID {
					sr.NetworkName, sr.NetworkDescription = old.NetworkName, old.NetworkDescription
					sr.ResourceProperties, sr.BeforeEnd = old.ResourceProperties, old.BeforeEnd
				}
			}
			out.Reservations[k] = sr
		}
	}
	return out
}

// started reports whether Blazar considers the lease started: its start can no longer move.
// Blazar decides by the start date, not the status: an UPDATING lease whose start is still
// ahead can move it.
func (b *builder) started(l *leases.Lease) bool {
	return !l.StartDate.After(b.in.Now)
}

// unfinished reports whether a lease that needs no change has not reached the Leasefile's
// wait goal: `wait: active` and, its start come, still PENDING or STARTING. An apply that
// timed out or was interrupted while waiting left it so; the work is not done until it is
// ACTIVE. A lease starting later cannot get there before its start: nothing to wait for yet.
func (b *builder) unfinished(d *spec.Lease, l *leases.Lease) bool {
	if d == nil || l == nil || d.Wait != "active" || !b.started(l) {
		return false
	}
	return l.Status == "PENDING" || l.Status == "STARTING"
}

// destroysActive reports whether deleting l takes resources from running instances.
func (b *builder) destroysActive(l *leases.Lease) bool {
	switch l.Status {
	case "ACTIVE", "STARTING":
		return true
	case "UPDATING":
		return !l.StartDate.After(b.in.Now)
	case "ERROR":
		// A lease that failed while running can still hold the instances that
		// started on it: inside its window, deleting it ends them.
		return !l.StartDate.After(b.in.Now) && b.in.Now.Before(l.EndDate)
	}
	return false
}

func (b *builder) planKey(key string) pending {
	d := b.in.Spec.Lease(key)
	t := b.tracked[key]
	if b.in.Destroy {
		if t == nil {
			return pending{ch: Change{Key: key, Site: d.Site, Action: NoOp, Name: d.Name}}
		}
		return b.planDelete(key, t, b.in.Spec.Lease(key), "destroy requested")
	}
	if d == nil {
		if b.forgotten(key) {
			ch := Change{Key: key, Site: t.site, Action: NoOp}
			if t.st != nil {
				ch.LeaseID, ch.Name, ch.Status = t.st.ID, t.st.Name, t.st.Status
			}
			return pending{ch: ch}
		}
		if base, ok := strings.CutSuffix(key, state.DeposedSuffix); ok {
			return b.planDelete(key, t, b.in.Spec.Lease(base), "replaced by lease."+base+" (create_before_destroy), which an earlier apply created")
		}
		if t.orphan {
			return b.planDelete(key, t, nil, "an interrupted apply created this lease for the key, which is no longer in the Leasefile; to keep it instead, add the key back (leasefile import KEY ID if needed)")
		}
		return b.planDelete(key, t, nil, "not in the Leasefile")
	}
	if t == nil {
		return b.planCreate(d, "")
	}
	if t.live == nil {
		return b.planCreate(d, fmt.Sprintf("lease %s was deleted outside leasefile", t.st.ID))
	}
	if ended(t.live.Status) {
		return b.planCreate(d, fmt.Sprintf("lease %s expired (%s); it is forgotten (deleting an ended lease is optional)", t.live.ID, t.live.Status))
	}
	return b.planExisting(d, t)
}

func (b *builder) planDelete(key string, t *tracked, d *spec.Lease, why string) pending {
	ch := Change{Key: key, Site: t.site, Action: Delete}
	if t.st != nil {
		ch.LeaseID, ch.Name = t.st.ID, t.st.Name
	}
	if t.live == nil {
		ch.Gone = true
		ch.Reasons = []string{why, "already gone from Blazar: only the state entry is removed"}
		ch.Fields = []FieldChange{{Path: "id", Old: ch.LeaseID}}
		return pending{ch: ch}
	}
	l := t.live
	ch.LeaseID, ch.Name, ch.Status, ch.UpdatedAt = l.ID, l.Name, l.Status, updatedAt(l)
	ch.Reasons = []string{why}
	ch.DestroysActive = b.destroysActive(l)
	ch.Fields = []FieldChange{{Path: "id", Old: l.ID}, {Path: "name", Old: l.Name}, {Path: "status", Old: l.Status},
		{Path: "start", Old: fmtTime(l.StartDate)}, {Path: "end", Old: fmtTime(l.EndDate)}}
	var err error
	if d != nil && d.PreventDestroy {
		err = b.leaseError(d, "prevent_destroy", fmt.Sprintf("prevent_destroy is set, but this plan would delete the lease (%s): remove prevent_destroy from the Leasefile first", why))
	}
	return pending{ch: ch, err: err}
}

// leaseError is a problem with the Leasefile's lease d found while planning, positioned at
// its field (or the default it inherits) when the Leasefile is known, so that every such
// problem is reported as validate reports its own.
func (b *builder) leaseError(d *spec.Lease, field, msg string) error {
	if b.in.Spec.Path == "" {
		return fmt.Errorf("leases.%s.%s: %s", d.Key, field, msg)
	}
	return b.in.Spec.ErrorAt(d, field, msg)
}

// endField is the field that sets d's end: end, or duration (which may be a default).
func endField(d *spec.Lease) string {
	if !d.End.IsZero() {
		return "end"
	}
	return "duration"
}

func updatedAt(l *leases.Lease) string { return blazar.FormatTimestamp(l.UpdatedAt) }

// createSpec compiles the lease into a create, and refuses a start in the past.
func (b *builder) createSpec(d *spec.Lease) (*CreateSpec, error) {
	cs := &CreateSpec{Name: d.Name, End: d.End, Duration: d.Duration}
	if !d.Start.Now {
		cs.Start = d.Start.At
		if d.Start.At.Before(b.now) {
			return cs, b.leaseError(d, "start", fmt.Sprintf("start %s is in the past (now is %s): move start later, or write `start: now`",
				fmtTime(d.Start.At), fmtTime(b.now)))
		}
	}
	if !d.End.IsZero() && !d.End.After(b.now) {
		return cs, b.leaseError(d, "end", fmt.Sprintf("end %s is in the past (now is %s): move end later, or use duration", fmtTime(d.End), fmtTime(b.now)))
	}
	for _, r := range specificFirst(d.Reservations) {
		rs := ReservationSpec{Key: r.Key, Type: string(r.Type), Body: r.Body(d.BeforeEnd, d.BeforeEndSet)}
		if r.Type == spec.FloatingIP {
			rs.FloatingNetwork = r.FloatingNetwork
		}
		cs.Reservations = append(cs.Reservations, rs)
	}
	return cs, nil
}

// createFields lists every field of a new lease, for display.
func createFields(d *spec.Lease) []FieldChange {
	f := []FieldChange{{Path: "id", Computed: true}, {Path: "name", New: d.Name}, {Path: "site", New: d.Site}}
	if d.Start.Now {
		f = append(f, FieldChange{Path: "start", Computed: true})
	} else {
		f = append(f, FieldChange{Path: "start", New: fmtTime(d.Start.At)})
	}
	switch {
	case d.Duration > 0 && !d.Start.Now:
		f = append(f, FieldChange{Path: "duration", New: spec.FormatDuration(d.Duration)}, FieldChange{Path: "end", New: fmtTime(d.EndFrom(d.Start.At))})
	case d.Duration > 0:
		f = append(f, FieldChange{Path: "duration", New: spec.FormatDuration(d.Duration)}, FieldChange{Path: "end", Computed: true})
	default:
		f = append(f, FieldChange{Path: "end", New: fmtTime(d.End)})
	}
	for _, r := range d.Reservations {
		p := "reservations." + r.Key + "."
		f = append(f, FieldChange{Path: p + "id", Computed: true}, FieldChange{Path: p + "type", New: string(r.Type)})
		switch r.Type {
		case spec.Node, spec.Device:
			if r.Min == r.Max {
				f = append(f, FieldChange{Path: p + "count", New: strconv.Itoa(r.Max)})
			} else {
				f = append(f, FieldChange{Path: p + "min", New: strconv.Itoa(r.Min)}, FieldChange{Path: p + "max", New: strconv.Itoa(r.Max)})
			}
			f = append(f, FieldChange{Path: p + "resource_properties", New: r.Constraints().Encode()})
		case spec.Network:
			f = append(f, FieldChange{Path: p + "network_name", New: r.NetworkName}, FieldChange{Path: p + "resource_properties", New: r.Constraints().Encode()})
			if desc := r.NetworkDescription(); desc != "" {
				f = append(f, FieldChange{Path: p + "description", New: desc})
			}
		case spec.FloatingIP:
			f = append(f, FieldChange{Path: p + "count", New: strconv.Itoa(r.Max)}, FieldChange{Path: p + "network", New: r.FloatingNetwork})
			if len(r.Addresses) > 0 {
				f = append(f, FieldChange{Path: p + "addresses", New: listText(r.Addresses)})
			}
		}
	}
	return f
}

func (b *builder) planCreate(d *spec.Lease, why string) pending {
	ch := Change{Key: d.Key, Site: d.Site, Action: Create, Name: d.Name, Wait: d.Wait}
	if why != "" {
		ch.Reasons = []string{why}
	}
	cs, err := b.createSpec(d)
	ch.Create = cs
	ch.Fields = createFields(d)
	if b.replace[d.Key] {
		ch.Reasons = append(ch.Reasons, "-replace asked for, but there is no lease to replace")
	}
	if err == nil {
		err = b.duplicates(d)
	}
	return pending{ch: ch, err: err}
}

// duplicates refuses to create d when a live lease of the same project at its site already
// has d's name and no state entry tracks it: most likely it is this very lease, left by a
// `state rm` or a lost state file, and creating it again would hold the resources twice.
// With AllowDuplicateName it is a warning instead.
func (b *builder) duplicates(d *spec.Lease) error {
	project := b.in.Identity[d.Site].ProjectID
	var found []string
	var first string
	for _, l := range b.in.Live[d.Site] {
		if l.Name != d.Name || l.Status == "DELETING" || l.Status == "TERMINATED" || b.isTracked(d.Site, l.ID) {
			continue
		}
		if project != "" && l.ProjectID != "" && l.ProjectID != project {
			continue
		}
		if first == "" {
			first = l.ID
		}
		found = append(found, fmt.Sprintf("%s (%s, %s to %s)", l.ID, l.Status, fmtTime(l.StartDate), fmtTime(l.EndDate)))
	}
	if len(found) == 0 {
		return nil
	}
	sort.Strings(found)
	what, is := "lease "+found[0], "is"
	if len(found) > 1 {
		what, is = "leases "+strings.Join(found, ", "), "are"
	}
	if b.in.AllowDuplicateName {
		b.p.Warnings = append(b.p.Warnings, fmt.Sprintf("lease %q: %s on %s %s already named %q and not tracked by the state; another lease of that name is created, as -allow-duplicate-name asks",
			d.Key, what, d.Site, is, d.Name))
		return nil
	}
	return fmt.Errorf("lease %q: %s on %s %s already named %q and not tracked by this state (after a `state rm`, with a lost state file, or another state's lease): "+
		"creating would make a second lease of that name; run `leasefile import %s %s` if it is this lease, or plan with -allow-duplicate-name to create another",
		d.Key, what, d.Site, is, d.Name, d.Key, first)
}

// diff is the comparison of one existing lease with its declaration.
type diff struct {
	fields   []FieldChange
	forced   []string
	reasons  []string
	upd      UpdateSpec
	updates  bool
	err      error
	matchErr error // the lease's reservations cannot be paired with the keys: no plan
	resBodys []ReservationUpdate
}

func (df *diff) force(path, reason string) {
	df.forced = append(df.forced, path)
	df.reasons = append(df.reasons, reason)
}

func (b *builder) planExisting(d *spec.Lease, t *tracked) pending {
	df := &diff{}
	pd := b.planDiff(d, t, df)
	pd.err = errors.Join(df.matchErr, pd.err)
	return pd
}

func (b *builder) planDiff(d *spec.Lease, t *tracked, df *diff) pending {
	l := t.live
	ch := Change{Key: d.Key, Site: d.Site, Action: NoOp, Name: d.Name, LeaseID: l.ID, UpdatedAt: updatedAt(l), Status: l.Status}
	started := b.started(l)

	if l.Status == "ERROR" {
		msg := "lease is in ERROR"
		if l.StatusReason != "" {
			msg += ": " + l.StatusReason
		}
		df.reasons = append(df.reasons, msg+"; Blazar cannot repair it, so it is replaced")
		df.forced = append(df.forced, "status")
	}
	if t.site != d.Site {
		df.fields = append(df.fields, FieldChange{Path: "site", Old: t.site, New: d.Site})
		df.force("site", fmt.Sprintf("site changed from %s to %s", t.site, d.Site))
	}
	if l.Name != d.Name {
		df.fields = append(df.fields, FieldChange{Path: "name", Old: l.Name, New: d.Name})
		name := d.Name
		df.upd.Name = &name
		df.updates = true
	}

	// Times: "now" never diffs; duration counts from the effective start.
	effStart := minute(l.StartDate)
	if !d.Start.Now && !d.Start.At.Equal(effStart) {
		df.fields = append(df.fields, FieldChange{Path: "start", Old: fmtTime(l.StartDate), New: fmtTime(d.Start.At)})
		if started {
			df.force("start", "the lease has started, and Blazar cannot move the start of a started lease")
		} else {
			if d.Start.At.Before(b.now) {
				df.err = b.leaseError(d, "start", fmt.Sprintf("start %s is in the past (now is %s): move start later, or write `start: now`",
					fmtTime(d.Start.At), fmtTime(b.now)))
			}
			s := d.Start.At
			df.upd.Start = &s
			df.updates = true
		}
		effStart = d.Start.At
	}
	wantEnd := minute(d.EndFrom(effStart))
	if !wantEnd.Equal(minute(l.EndDate)) {
		fc := FieldChange{Path: "end", Old: fmtTime(l.EndDate), New: fmtTime(wantEnd)}
		df.fields = append(df.fields, fc)
		if d.Duration > 0 {
			df.reasons = append(df.reasons, fmt.Sprintf("end follows duration %s from the lease's start %s", spec.FormatDuration(d.Duration), fmtTime(effStart)))
		}
		if !wantEnd.After(b.now) && df.err == nil {
			df.err = b.leaseError(d, endField(d), fmt.Sprintf("the Leasefile's end %s is already past (the lease now ends %s): set a later end or duration, or remove the lease to delete it",
				fmtTime(wantEnd), fmtTime(l.EndDate)))
		}
		e := wantEnd
		df.upd.End = &e
		df.updates = true
	}

	b.diffReservations(d, t, started, df)

	if b.replace[d.Key] {
		df.reasons = append(df.reasons, "replacement asked for with -replace")
	}
	replace := len(df.forced) > 0 || b.replace[d.Key]
	ch.Fields = df.fields
	ch.ForcedBy = df.forced
	ch.Reasons = df.reasons
	switch {
	case replace:
		ch.Action = DeleteThenCreate
		if d.CreateBeforeDestroy {
			ch.Action = CreateThenDelete
		}
		ch.DestroysActive = b.destroysActive(l)
		ch.Wait = d.Wait
		if t.site != d.Site {
			ch.FromSite = t.site
		}
		why := strings.Join(df.forced, ", ")
		if why == "" {
			why = "-replace"
		}
		cs, err := b.createSpec(d)
		ch.Create = cs
		if err != nil && !d.Start.Now && d.Start.At.Before(b.now) {
			err = b.leaseError(d, "start", fmt.Sprintf("the lease must be replaced (forced by %s), but its start %s is in the past and a new lease cannot start then: write `start: now` or a later start, or undo the change",
				why, fmtTime(d.Start.At)))
		}
		if d.PreventDestroy {
			err = errors.Join(b.leaseError(d, "prevent_destroy", fmt.Sprintf("prevent_destroy is set, but this plan would replace the lease (forced by %s): remove prevent_destroy from the Leasefile first, or undo the change", why)), err)
		}
		return pending{ch: ch, err: err}
	case df.updates:
		ch.Action = Update
		upd := df.upd
		upd.Reservations = df.resBodys
		// Blazar re-checks both dates on any date change: send the end with a moved start.
		if upd.Start != nil && upd.End == nil {
			e := minute(l.EndDate)
			upd.End = &e
		}
		ch.Update = &upd
		b.chameleonNotes(d.Key, l, &ch)
		return pending{ch: ch, err: df.err}
	}
	return pending{ch: ch}
}

func (b *builder) diffReservations(d *spec.Lease, t *tracked, started bool, df *diff) {
	l := t.live
	m, err := matched(d, t.st, l)
	if err != nil {
		df.matchErr = b.leaseError(d, "reservations", fmt.Sprintf("cannot tell which reservation of lease %s is which: %v", l.ID, err))
	}
	owned := map[string]bool{}
	for _, r := range m {
		owned[r.ID] = true
	}
	// Reservations in the lease that no declared key owns.
	var removed []string
	if t.st != nil {
		for _, k := range slices.Sorted(maps.Keys(t.st.Reservations)) {
			if d.Reservation(k) == nil {
				removed = append(removed, k)
			}
		}
	}
	for _, k := range removed {
		df.fields = append(df.fields, FieldChange{Path: "reservations." + k, Old: t.st.Reservations[k].ResourceType})
		df.force("reservations."+k, fmt.Sprintf("reservation %s was removed, and Blazar cannot remove a reservation from a lease", k))
	}
	for i := range l.Reservations {
		r := &l.Reservations[i]
		if !owned[r.ID] && !recordedID(t.st, r.ID) {
			df.fields = append(df.fields, FieldChange{Path: "reservations", Old: r.ID})
			df.force("reservations", fmt.Sprintf("the lease holds reservation %s (%s) that no key of the Leasefile declares", r.ID, r.ResourceType))
		}
	}
	for _, r := range d.Reservations {
		p := "reservations." + r.Key
		lr := m[r.Key]
		if lr == nil {
			df.fields = append(df.fields, FieldChange{Path: p, New: string(r.Type)})
			df.force(p, fmt.Sprintf("reservation %s was added, and Blazar cannot add a reservation to a lease", r.Key))
			continue
		}
		if lr.ResourceType != r.Type.ResourceType() {
			df.fields = append(df.fields, FieldChange{Path: p + ".type", Old: typeOf(lr.ResourceType), New: string(r.Type)})
			df.force(p+".type", fmt.Sprintf("reservation %s changed type, and Blazar cannot change a reservation's type", r.Key))
			continue
		}
		var body spec.ReservationBody
		changed := false
		switch r.Type {
		case spec.Node, spec.Device:
			oldMin, oldMax := deref(lr.Min), deref(lr.Max)
			if oldMin != r.Min || oldMax != r.Max {
				changed = true
				if r.Min == r.Max && oldMin == oldMax {
					df.fields = append(df.fields, FieldChange{Path: p + ".count", Old: strconv.Itoa(oldMax), New: strconv.Itoa(r.Max)})
				} else {
					if oldMin != r.Min {
						df.fields = append(df.fields, FieldChange{Path: p + ".min", Old: strconv.Itoa(oldMin), New: strconv.Itoa(r.Min)})
					}
					if oldMax != r.Max {
						df.fields = append(df.fields, FieldChange{Path: p + ".max", Old: strconv.Itoa(oldMax), New: strconv.Itoa(r.Max)})
					}
				}
				// Only a lower max takes resources away; a lower min just accepts fewer.
				if started && r.Max < oldMax {
					field := ".count"
					if !(r.Min == r.Max && oldMin == oldMax) {
						field = ".max"
					}
					df.force(p+field, fmt.Sprintf("reservation %s shrinks from %s to %s after the lease started, and Blazar can only add resources to a started lease",
						r.Key, rangeText(oldMin, oldMax), rangeText(r.Min, r.Max)))
				}
			}
			want := r.Constraints()
			have, err := spec.ParseQuery(lr.ResourceProperties)
			if err != nil || !want.Equal(have) {
				changed = true
				df.fields = append(df.fields, FieldChange{Path: p + ".resource_properties", Old: queryText(lr.ResourceProperties), New: want.Encode()})
				body.ResourceProperties = ref(want.Encode())
				if started {
					// Allocated hosts that no longer match would have to leave an active
					// reservation, which Blazar refuses ("Not enough hosts available").
					df.force(p+".resource_properties", fmt.Sprintf("reservation %s changes its constraints after the lease started, and Blazar cannot swap the resources of a started reservation", r.Key))
				}
			}
			if d.BeforeEndSet && lr.BeforeEnd != "" && lr.BeforeEnd != d.BeforeEnd {
				b.forceBeforeEnd(df, p, r.Key, lr.BeforeEnd, d.BeforeEnd)
			}
			// The CHI fork builds allocation candidates from the partial update alone,
			// so the constraints are resent even when unchanged, as min and max are.
			if body.ResourceProperties == nil {
				body.ResourceProperties = ref(lr.ResourceProperties)
			}
			body.Min, body.Max = ref(r.Min), ref(r.Max)
			if r.Type == spec.Node {
				body.HypervisorProperties = ref(lr.HypervisorProperties)
			}
		case spec.FloatingIP:
			// Network IDs are per site; a site move is a replacement anyway.
			if id, ok := b.in.Networks[d.Site][r.FloatingNetwork]; ok && t.site == d.Site && lr.NetworkID != "" && id != lr.NetworkID {
				df.fields = append(df.fields, FieldChange{Path: p + ".network", Old: lr.NetworkID, New: r.FloatingNetwork})
				df.force(p+".network", fmt.Sprintf("reservation %s moves to network %s, and Blazar cannot change a floating IP reservation's network", r.Key, r.FloatingNetwork))
			}
			if !sameSet(r.Addresses, lr.RequiredFloatingIPs) {
				df.fields = append(df.fields, FieldChange{Path: p + ".addresses", Old: listText(slices.Sorted(slices.Values(lr.RequiredFloatingIPs))), New: listText(slices.Sorted(slices.Values(r.Addresses)))})
				if len(r.Addresses) > 0 {
					df.force(p+".addresses", fmt.Sprintf("reservation %s asks for other addresses, and Blazar cannot change them", r.Key))
				} else {
					// The one change Blazar accepts: required_floatingips set to [].
					changed = true
					body.RequiredFloatingIPs = []string{}
					body.Amount = ref(r.Max)
					body.NetworkID = ref(lr.NetworkID)
				}
			}
			if deref(lr.Amount) != r.Max {
				changed = true
				df.fields = append(df.fields, FieldChange{Path: p + ".count", Old: strconv.Itoa(deref(lr.Amount)), New: strconv.Itoa(r.Max)})
				if started && r.Max < deref(lr.Amount) {
					df.force(p+".count", fmt.Sprintf("reservation %s shrinks from %d to %d floating IPs after the lease started, and Blazar can only add resources to a started lease",
						r.Key, deref(lr.Amount), r.Max))
				}
				body.Amount = ref(r.Max)
				body.NetworkID = ref(lr.NetworkID)
			}
		case spec.Network:
			// Chameleon's Blazar returns no network fields: compare with what it shows, else
			// with what apply recorded at create (rec.NetworkName is set when it recorded).
			var rec state.Reservation
			if t.st != nil {
				rec = t.st.Reservations[r.Key]
			}
			recorded := rec.NetworkName != ""
			name, ok := lr.Extra["network_name"].(string)
			if !ok && recorded {
				name, ok = rec.NetworkName, true
			}
			if ok && name != r.NetworkName {
				df.fields = append(df.fields, FieldChange{Path: p + ".network_name", Old: name, New: r.NetworkName})
				df.force(p+".network_name", fmt.Sprintf("reservation %s renames its network, which Blazar cannot update", r.Key))
			}
			desc, ok := lr.Extra["network_description"].(string)
			if !ok && recorded {
				desc, ok = rec.NetworkDescription, true
			}
			if ok && desc != r.NetworkDescription() {
				df.fields = append(df.fields, FieldChange{Path: p + ".description", Old: desc, New: r.NetworkDescription()})
				df.force(p+".description", fmt.Sprintf("reservation %s changes its network description, which Blazar cannot update", r.Key))
			}
			if d.BeforeEndSet && recorded {
				// Blazar stores "default" when the create did not send before_end.
				have := rec.BeforeEnd
				if have == "" {
					have = "default"
				}
				if have != d.BeforeEnd {
					b.forceBeforeEnd(df, p, r.Key, have, d.BeforeEnd)
				}
			}
			props := lr.ResourceProperties
			if props == "" && recorded {
				props = rec.ResourceProperties
			}
			if props != "" || recorded {
				want := r.Constraints()
				have, err := spec.ParseQuery(props)
				if props == "" {
					have, err = nil, nil
				}
				if err != nil || !want.Equal(have) {
					df.fields = append(df.fields, FieldChange{Path: p + ".resource_properties", Old: queryText(props), New: want.Encode()})
					if pn := physnet(have); pn != r.PhysicalNetwork {
						df.force(p+".physical_network", fmt.Sprintf("reservation %s moves from physical network %s to %s, which Blazar cannot update", r.Key, pn, r.PhysicalNetwork))
					} else {
						changed = true
						body.ResourceProperties = ref(want.Encode())
					}
				}
			}
		}
		if changed {
			df.updates = true
			df.resBodys = append(df.resBodys, ReservationUpdate{Key: r.Key, ID: lr.ID, Body: body})
		}
	}
}

// forceBeforeEnd records a before_end change: Blazar's update does not take before_end (a
// PUT keeps the value given at create), so only a new lease can have another.
func (b *builder) forceBeforeEnd(df *diff, p, key, old, want string) {
	df.fields = append(df.fields, FieldChange{Path: p + ".before_end", Old: old, New: want})
	df.force(p+".before_end", fmt.Sprintf("reservation %s changes before_end from %s to %s, which Blazar cannot update", key, old, want))
}

// physnet finds the physical network a network query asks for.
func physnet(q spec.Query) string {
	var walk func(v any) string
	walk = func(v any) string {
		t, ok := v.([]any)
		if !ok {
			if q, ok := v.(spec.Query); ok {
				t = q
			} else {
				return ""
			}
		}
		if len(t) == 3 {
			if k, _ := t[1].(string); k == "$physical_network" {
				s, _ := t[2].(string)
				return s
			}
		}
		if len(t) > 0 && t[0] == "and" {
			for _, sub := range t[1:] {
				if s := walk(sub); s != "" {
					return s
				}
			}
		}
		return ""
	}
	return walk([]any(q))
}

func rangeText(lo, hi int) string {
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return fmt.Sprintf("%d-%d", lo, hi)
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func sameSet(a, b []string) bool {
	x, y := slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

// typeOf names a Blazar resource_type the way a Leasefile writes it.
func typeOf(resourceType string) string {
	for _, t := range []spec.Type{spec.Node, spec.Device, spec.Network, spec.FloatingIP} {
		if t.ResourceType() == resourceType {
			return string(t)
		}
	}
	return resourceType
}

// ref returns a pointer to a copy of v, for a ReservationBody's optional fields.
func ref[T any](v T) *T { return &v }
