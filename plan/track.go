package plan

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
)

// tracked is a lease the state (or an adoption) ties to a key.
type tracked struct {
	st      *state.Lease
	site    string
	live    *leases.Lease // nil when gone from Blazar
	adopted bool
	orphan  bool // adopted for a key no longer in the Leasefile

	// pairs is matched's answer for the declaration pairsOf, which observe and
	// diffReservations both ask for.
	pairs    pairs
	pairsErr error
	pairsOf  *spec.Lease
	paired   bool

	updated string // updatedAt(live), which observe and the change both show
}

// updatedAt is updatedAt(t.live), formatted once.
func (t *tracked) updatedAt() string {
	if t.updated == "" {
		t.updated = updatedAt(t.live)
	}
	return t.updated
}

// sameName is the live leases of the site named name, in the order the list call returned
// them. Creates ask with the Leasefile's names and intents with theirs: the index of a site,
// built the first time one asks, holds the leases of those names only, and any other name is
// looked up in the whole list.
func (b *builder) sameName(site, name string) []*leases.Lease {
	if b.named == nil {
		b.named = map[string]map[string][]*leases.Lease{}
		b.asked = map[string]bool{}
		for _, d := range b.in.Spec.Leases {
			b.asked[d.Name] = true
		}
		for _, in := range b.in.State.Intents {
			b.asked[in.Name] = true
		}
	}
	ls := b.in.Live[site]
	if !b.asked[name] {
		var out []*leases.Lease
		for i := range ls {
			if ls[i].Name == name {
				out = append(out, &ls[i])
			}
		}
		return out
	}
	m, ok := b.named[site]
	if !ok {
		m = map[string][]*leases.Lease{}
		for i := range ls {
			if b.asked[ls[i].Name] {
				m[ls[i].Name] = append(m[ls[i].Name], &ls[i])
			}
		}
		b.named[site] = m
	}
	return m[name]
}

func (b *builder) liveLease(site, id string) *leases.Lease {
	l := b.listed(site, id)
	if l == nil || l.Status == "DELETING" {
		// A lease being deleted is as good as gone: nothing can be done with it.
		return nil
	}
	return l
}

// listed is the lease of that ID in the site's list (the first one, should Blazar list an ID
// twice, as every lookup of a listed lease takes). The index, built the first time, holds the leases of the IDs the state and its
// intents record, the ones track and adopt ask about; any other ID is looked up in the list.
func (b *builder) listed(site, id string) *leases.Lease {
	if b.look == nil {
		lk := &liveLookup{lists: b.in.Live, ids: make(map[string]bool, len(b.in.State.Leases)+len(b.in.State.Intents))}
		perSite := map[string]int{} // how many IDs each site's index may hold, to size it
		for _, st := range b.in.State.Leases {
			lk.ids[st.ID] = true
			perSite[st.Site]++
		}
		for _, in := range b.in.State.Intents {
			if in.ID != "" {
				lk.ids[in.ID] = true
				perSite[in.Site]++
			}
		}
		lk.index = make(map[string]map[string]*leases.Lease, len(b.in.Live))
		for s, ls := range b.in.Live {
			m := make(map[string]*leases.Lease, perSite[s])
			for i := range ls {
				if lk.ids[ls[i].ID] {
					if _, seen := m[ls[i].ID]; !seen {
						m[ls[i].ID] = &ls[i] // the first listed, as liveLease and changedLeases find
					}
				}
			}
			lk.index[s] = m
		}
		b.look = lk
	}
	return b.look.listed(site, id)
}

// liveLookup finds a listed lease by ID for listed: an index of the lists' leases whose IDs
// are in ids, a scan of the list for any other. Build leaves it on the plan for the checks
// that follow (IdleSites, WarnIdle), which ask it for the leases of the changes.
type liveLookup struct {
	lists map[string][]leases.Lease // Input.Live
	ids   map[string]bool           // the lease IDs the state and its intents record
	index map[string]map[string]*leases.Lease
}

func (lk *liveLookup) listed(site, id string) *leases.Lease {
	if lk.ids[id] {
		return lk.index[site][id]
	}
	return liveLease(lk.lists[site], id)
}

// of reports whether live holds the lists lk was made of (the same arrays, as long), which
// the caller has not changed since.
func (lk *liveLookup) of(live map[string][]leases.Lease) bool {
	if len(live) != len(lk.lists) {
		return false
	}
	for site, ls := range live {
		mine, ok := lk.lists[site]
		if !ok || len(mine) != len(ls) || (len(ls) > 0 && &mine[0] != &ls[0]) {
			return false
		}
	}
	return true
}

// track ties each state key to its live lease, by ID only. The tracked leases are made as one
// slice, not one object per key, and point at the state's entries, which Build only reads.
func (b *builder) track() {
	ts := make([]tracked, len(b.in.State.Leases))
	i := 0
	for key, st := range b.in.State.Leases {
		site := st.Site
		if site == "" {
			if d := b.in.Spec.Lease(key); d != nil {
				site = d.Site
			}
		}
		ts[i] = tracked{st: st, site: site, live: b.liveLease(site, st.ID)}
		b.tracked[key] = &ts[i]
		i++
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
	slices.SortFunc(b.p.MoveHints, func(a, c Move) int { return cmp.Or(cmp.Compare(a.From, c.From), cmp.Compare(a.To, c.To)) })
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

// adopt resolves the intents an interrupted apply left behind: the lease each one's create
// made is adopted under its key, and an intent that made none, or can no longer, is dropped.
func (b *builder) adopt() error {
	var errs []error
	for _, in := range b.in.State.PendingIntents() {
		site := in.Site
		if site == "" {
			if d := b.in.Spec.Lease(in.Key); d != nil {
				site = d.Site
			}
		}
		found, err := b.intentLease(in, site)
		if err == nil && found != nil {
			err = b.take(in, site, found)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// intentLease finds the lease the intent's create made, if any: by the ID Blazar returned,
// else the one live lease that fits (candidates). It drops the intents that made none.
func (b *builder) intentLease(in state.Intent, site string) (*leases.Lease, error) {
	if in.ID != "" {
		// Blazar returned this ID to our create: the lease is ours for certain.
		return b.liveLease(site, in.ID), nil
	}
	if in.Unsent {
		// The interrupted run never sent the create: it made no lease, and a lease of
		// that name is someone else's.
		b.p.DropIntents = append(b.p.DropIntents, in.Key)
		return nil, nil
	}
	d := b.in.Spec.Lease(in.Key)
	cands := b.candidates(in, site, d)
	ids := make([]string, len(cands))
	for i, c := range cands {
		ids[i] = c.ID
	}
	switch {
	case len(cands) == 1:
		return cands[0], nil
	case len(cands) == 0 && (d == nil || in.Expired(b.in.Now)):
		// Its create never made a lease, and can no longer: forget it, or it would adopt a
		// lease of that name created much later. (A key that left the Leasefile keeps no
		// intent to wait on.)
		b.p.DropIntents = append(b.p.DropIntents, in.Key)
	case len(cands) > 1 && d == nil:
		// The key left the Leasefile after its create was interrupted. One lease that fits
		// is that create's: it is adopted, and deleted as any lease whose key left the
		// Leasefile. Several cannot be told apart: the intent is kept, and every plan names
		// them until the user resolves it.
		b.p.Warnings = append(b.p.Warnings, fmt.Sprintf("lease %q is no longer in the Leasefile, and an interrupted apply at %s may have created it: "+
			"leases %s (%q on %s) fit, and leasefile cannot tell which is its own; delete the one that is yours "+
			"(openstack reservation lease delete ID), or add %s back to the Leasefile and run `leasefile import %s ID`",
			in.Key, in.Time.UTC().Format(TimeLayout), strings.Join(ids, ", "), in.Name, site, in.Key, in.Key))
	case len(cands) > 1:
		return nil, fmt.Errorf("lease %q: an interrupted apply at %s may have created it, and %d leases named %q on %s fit (%s): "+
			"run `leasefile import %s LEASE_ID` with the right one, and delete the others",
			in.Key, in.Time.UTC().Format(TimeLayout), len(cands), in.Name, site, strings.Join(ids, ", "), in.Key)
	}
	return nil, nil
}

// candidates are the live leases that the intent's create may have made, by ID: its name,
// created by this user in the intent's window, untracked, and with the reservation types d
// declares (when the key is still in the Leasefile).
func (b *builder) candidates(in state.Intent, site string, d *spec.Lease) []*leases.Lease {
	user := b.in.Identity[site].UserID
	var cands []*leases.Lease
	for _, l := range b.sameName(site, in.Name) {
		if l.Status == "DELETING" || b.isTracked(site, l.ID) || !in.Admits(l.CreatedAt) {
			continue
		}
		if user != "" && l.UserID != user {
			continue
		}
		if d != nil && !SameTypes(wanted(d), l) {
			// Not what this create asked for: another state's lease of that name.
			continue
		}
		cands = append(cands, l)
	}
	slices.SortFunc(cands, func(a, c *leases.Lease) int { return cmp.Compare(a.ID, c.ID) })
	return cands
}

// take adopts found under the intent's key. When the state still tracks a live lease for
// the key, the intent was a create_before_destroy interrupted after its create: the new
// lease takes the key and the old one becomes the deposed lease, which this plan deletes, as
// apply would have done. Leaving the new one alone would let the next apply create a third.
func (b *builder) take(in state.Intent, site string, found *leases.Lease) error {
	if t := b.tracked[in.Key]; t != nil && t.live != nil && !ended(t.live.Status) {
		if t.live.ID == found.ID {
			return nil
		}
		dk := state.DeposedKey(in.Key)
		if _, taken := b.tracked[dk]; taken {
			return fmt.Errorf("lease %q: an interrupted apply created lease %s (%q) while the state tracks %s under the key and another lease under %s: "+
				"keep one with `leasefile state rm %s` and `leasefile import %s LEASE_ID`, and delete the others",
				in.Key, found.ID, found.Name, t.live.ID, dk, in.Key, in.Key)
		}
		b.tracked[dk] = t
		b.p.Warnings = append(b.p.Warnings, fmt.Sprintf("lease %q: an interrupted create_before_destroy created lease %s; it is adopted, and the old lease %s it replaces is deleted",
			in.Key, found.ID, t.live.ID))
	}
	b.tracked[in.Key] = &tracked{site: site, live: found, adopted: true, orphan: b.in.Spec.Lease(in.Key) == nil}
	b.p.Adopt = append(b.p.Adopt, Adoption{Key: in.Key, Site: site, LeaseID: found.ID, Name: found.Name})
	return nil
}
