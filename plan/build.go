package plan

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
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
	// Live is the leases listed per site, in the order one list call returned them: every
	// lease, or at least those of the IDs the state and its intents record and of the names
	// the Leasefile and the intents give (all a plan asks about; cmd's planLive drops the rest).
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
	// Flavors resolves flavor names (and IDs) to Nova flavor IDs per site, as Networks does
	// networks. Optional: without an entry, a flavor is not compared with Blazar's flavor_id.
	Flavors map[string]map[string]string
}

// TimeLayout is how plans display lease times: Blazar's own input precision, in UTC.
const TimeLayout = spec.BlazarLayout

type builder struct {
	in      Input
	now     time.Time // Now truncated to the minute, as Blazar resolves "now"
	p       *Plan
	look    *liveLookup                           // how listed finds a lease by ID, once built
	named   map[string]map[string][]*leases.Lease // site -> name -> leases in list order; see sameName
	asked   map[string]bool                       // the names named indexes
	tracked map[string]*tracked
	order   []string      // allKeys, once adopt has settled tracked
	decls   []*spec.Lease // the Leasefile's lease of each key of order, nil for none
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
	b, err := newBuilder(in)
	if err != nil {
		return nil, err
	}
	b.move()
	b.track()
	if err := b.adopt(); err != nil {
		return nil, err
	}
	b.order = b.allKeys()
	b.decls = b.declared()
	b.p.Changes = make([]Change, 0, len(b.order))
	b.p.Observed = make([]Observed, 0, len(b.tracked))
	b.drift()
	b.observe()
	if err := b.changes(); err != nil {
		return nil, err
	}
	for _, ch := range b.p.Changes {
		for _, site := range []string{ch.Site, ch.FromSite} {
			if id, ok := b.in.Identity[site]; ok {
				b.p.Sites[site] = id
			}
		}
	}
	b.moveHints()
	b.p.sort()
	b.p.setActionReasons()
	b.p.lookup = b.look
	return b.p, nil
}

// newBuilder starts the plan of in, refusing unknown -target and -replace keys.
func newBuilder(in Input) (*builder, error) {
	if in.State == nil {
		in.State = state.New()
	}
	if in.Spec == nil {
		in.Spec = &spec.File{}
	}
	b := &builder{
		in:      in,
		now:     in.Now.UTC().Truncate(time.Minute),
		tracked: make(map[string]*tracked, len(in.State.Leases)),
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
	if err := b.flags(); err != nil {
		return nil, err
	}
	if len(b.targets) > 0 {
		b.p.Targets = slices.Sorted(maps.Keys(b.targets))
		b.p.Warnings = append(b.p.Warnings, "Resource targeting is in effect: this plan only changes "+strings.Join(b.p.Targets, ", ")+
			", so it may not show every change the Leasefile asks for. Use -target only to recover from mistakes; plan again without it before relying on the result.")
	}
	return b, nil
}

// changes plans every key of the Leasefile and the state. A key that -target or
// -refresh-only leaves out shows as unchanged, and its errors do not count.
func (b *builder) changes() error {
	var errs []error
	for i, key := range b.order {
		d := b.decls[i]
		pd := b.planKey(key, d)
		ch := pd.ch
		keep := !b.in.RefreshOnly && (len(b.targets) == 0 || b.targets[strings.TrimSuffix(key, state.DeposedSuffix)])
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
		if keep && ch.Action == NoOp && !b.in.Destroy {
			if t := b.tracked[key]; t != nil && b.unfinished(d, t.live) {
				b.p.Await = append(b.p.Await, Await{Key: key, Site: t.site, LeaseID: t.live.ID, Status: t.live.Status})
			}
		}
		if keep && !b.in.Destroy && b.forgotten(key) {
			b.p.Forget = append(b.p.Forget, key)
		}
		b.p.Changes = append(b.p.Changes, ch)
	}
	if len(errs) > 0 {
		return spec.Collect(errs...)
	}
	return nil
}

// sort orders what the plan lists by site, then key.
func (p *Plan) sort() {
	sortBySite(p.Changes, func(c *Change) string { return c.Site }, func(c *Change) string { return c.Key })
	sortBySite(p.Drift, func(d *Drift) string { return d.Site }, func(d *Drift) string { return d.Key })
	sortBySite(p.Await, func(a *Await) string { return a.Site }, func(a *Await) string { return a.Key })
	sortBySite(p.Observed, func(o *Observed) string { return o.Lease.Site }, func(o *Observed) string { return o.Key })
}

// sortBySite sorts s stably by site, then key, as sortStable does. Build makes its lists in
// key order: such a list is partitioned by site, stably, without comparing any two
// elements' keys and sites again.
func sortBySite[T any](s []T, site, key func(*T) string) {
	bySiteKey := func(a, c *T) int { return cmp.Or(cmp.Compare(site(a), site(c)), cmp.Compare(key(a), key(c))) }
	for i := 1; i < len(s); i++ {
		if key(&s[i-1]) > key(&s[i]) {
			sortStable(s, bySiteKey)
			return
		}
	}
	const maxSites = 16 // beyond, the linear look-up of a site costs more than it saves
	var sites []string
	bucket := make([]int, len(s)) // the index in sites of each element's site
	for i := range s {
		st := site(&s[i])
		j := slices.Index(sites, st)
		if j < 0 {
			if len(sites) == maxSites {
				sortStable(s, bySiteKey)
				return
			}
			j = len(sites)
			sites = append(sites, st)
		}
		bucket[i] = j
	}
	if len(sites) < 2 {
		return
	}
	// next[j] is where the next element of sites[j] goes: after those of the sites before it.
	order := make([]int, len(sites))
	for j := range order {
		order[j] = j
	}
	slices.SortFunc(order, func(a, c int) int { return cmp.Compare(sites[a], sites[c]) })
	count := make([]int, len(sites))
	for _, j := range bucket {
		count[j]++
	}
	next, at := make([]int, len(sites)), 0
	for _, j := range order {
		next[j], at = at, at+count[j]
	}
	idx := make([]int, len(s))
	for i, j := range bucket {
		idx[next[j]] = i
		next[j]++
	}
	permute(s, idx)
}

// sortStable is slices.SortStableFunc for slices of large structs: it sorts their indexes,
// then moves each element once along the permutation's cycles, instead of swapping the
// elements through the merges.
func sortStable[T any](s []T, cmp func(a, c *T) int) {
	idx := make([]int, len(s))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int { return cmp(&s[i], &s[j]) })
	permute(s, idx)
}

// permute moves each element of s once, along the cycles of idx: position j takes the
// element at idx[j]. idx is spoilt.
func permute[T any](s []T, idx []int) {
	// A visited position is marked -1.
	for i := range idx {
		if idx[i] < 0 {
			continue
		}
		tmp := s[i]
		j := i
		for idx[j] != i {
			k := idx[j]
			s[j], idx[j] = s[k], -1
			j = k
		}
		s[j], idx[j] = tmp, -1
	}
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

func (b *builder) allKeys() []string {
	// The Leasefile's keys are sorted and unique: when the state tracks no other key (as
	// many of them are tracked as the state tracks keys), they are the answer.
	keys := make([]string, len(b.in.Spec.Leases))
	inState := 0
	for i, d := range b.in.Spec.Leases {
		keys[i] = d.Key
		if i > 0 && keys[i-1] >= d.Key {
			return b.allKeysSet()
		}
		if _, ok := b.tracked[d.Key]; ok {
			inState++
		}
	}
	if inState != len(b.tracked) {
		return b.allKeysSet()
	}
	return keys
}

// declared is the Leasefile's lease of each key of b.order: the Leasefile's leases
// themselves when the keys are theirs, in their order, as allKeys mostly finds.
func (b *builder) declared() []*spec.Lease {
	own := len(b.order) == len(b.in.Spec.Leases)
	for i := 0; own && i < len(b.order); i++ {
		own = b.order[i] == b.in.Spec.Leases[i].Key
	}
	if own {
		return b.in.Spec.Leases
	}
	out := make([]*spec.Lease, len(b.order))
	for i, key := range b.order {
		out[i] = b.in.Spec.Lease(key)
	}
	return out
}

// allKeysSet is allKeys for any Leasefile and state.
func (b *builder) allKeysSet() []string {
	set := map[string]bool{}
	for _, d := range b.in.Spec.Leases {
		set[d.Key] = true
	}
	for k := range b.tracked {
		set[k] = true
	}
	return slices.Sorted(maps.Keys(set))
}

func minute(t time.Time) time.Time { return t.UTC().Truncate(time.Minute) }

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeLayout)
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

// planKey plans key, whose lease in the Leasefile is d (nil: none).
func (b *builder) planKey(key string, d *spec.Lease) pending {
	t := b.tracked[key]
	if b.in.Destroy {
		if t == nil {
			return pending{ch: Change{Key: key, Site: d.Site, Action: NoOp, Name: d.Name}}
		}
		return b.planDelete(key, t, d, "destroy requested")
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

func updatedAt(l *leases.Lease) string { return blazar.FormatTimestamp(l.UpdatedAt) }

// ref returns a pointer to a copy of v, for a ReservationBody's optional fields.
func ref[T any](v T) *T { return &v }
