package plan

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/state"
)

// StaleError is a saved plan that no longer describes the world: apply PLANFILE refuses it.
// Why is a sentence saying what moved since the plan was made.
type StaleError struct{ Why string }

func (e *StaleError) Error() string { return "Saved plan is stale: " + e.Why }

// NotOwnedError is a saved plan that acts on a lease its state does not own (CheckOwned):
// the file was edited after plan -out wrote it.
type NotOwnedError struct{ Err error }

func (e *NotOwnedError) Error() string {
	return "Saved plan does not match the state: " + e.Err.Error()
}

// Unwrap returns CheckOwned's error.
func (e *NotOwnedError) Unwrap() error { return e.Err }

func stale(format string, args ...any) error { return &StaleError{Why: fmt.Sprintf(format, args...)} }

// CheckStateFresh is the first half of the staleness check of a saved plan, made before any
// site is contacted: the state st (existed: whether its file did) must be the one the plan
// was made against, at the same serial, the Leasefile (its sha256 hex, leasefileHash) the
// same, and every lease the plan touches owned by st. It returns a *StaleError or a
// *NotOwnedError.
func (p *Plan) CheckStateFresh(st *state.File, existed bool, leasefileHash string) error {
	if st == nil {
		st = state.New()
	}
	switch {
	case p.StateExisted != existed:
		return stale("the state file was created or removed since the plan was made")
	case p.StateExisted && p.Lineage != st.Lineage:
		return stale("the plan was made for another state (lineage %s, this state is %s)", p.Lineage, st.Lineage)
	case p.StateExisted && p.Serial != st.Serial:
		return stale("the state changed since the plan was made (serial %d, now %d)", p.Serial, st.Serial)
	case p.LeasefileHash != "" && p.LeasefileHash != leasefileHash:
		return stale("the Leasefile changed since the plan was made")
	}
	if err := p.CheckOwned(st); err != nil {
		return &NotOwnedError{Err: err}
	}
	return nil
}

// CheckLiveFresh is the second half, against what the sites the plan names (p.Sites) are
// now: sites holds their identities, live their leases, now the time. A site must still be
// the same project at the same endpoint (any endpoint for the emulator), every lease the
// plan changes still be there with the updated_at it was planned at, and no create start in
// the past. It returns a *StaleError.
func (p *Plan) CheckLiveFresh(sites map[string]state.Identity, live map[string][]leases.Lease, now time.Time) error {
	for _, name := range slices.Sorted(maps.Keys(p.Sites)) {
		planned, cur := p.Sites[name], sites[name]
		if planned.ProjectID != cur.ProjectID || planned.Local != cur.Local || (!planned.Local && planned.AuthURL != cur.AuthURL) {
			return stale("site %s is now %s (project %s), the plan was made against %s (project %s)", name, cur.AuthURL, cur.ProjectID, planned.AuthURL, planned.ProjectID)
		}
	}
	for _, ch := range p.Changes {
		if ch.Action == NoOp {
			continue
		}
		if ch.LeaseID != "" {
			site := ch.OldSite()
			i := slices.IndexFunc(live[site], func(l leases.Lease) bool { return l.ID == ch.LeaseID })
			switch {
			case i < 0 && ch.Action != Delete:
				return stale("lease %s (%s) is gone from %s", ch.Key, ch.LeaseID, site)
			case i >= 0:
				if got := blazar.FormatTimestamp(live[site][i].UpdatedAt); got != ch.UpdatedAt {
					return stale("lease %s was changed in Blazar since the plan was made (updated_at %s, planned at %s)", ch.Key, got, ch.UpdatedAt)
				}
			}
		}
		if ch.Create != nil && !ch.Create.Start.IsZero() && ch.Create.Start.Before(now.Truncate(time.Minute)) {
			return stale("lease %s would start at %s, which is now in the past", ch.Key, ch.Create.Start.Format("2006-01-02 15:04"))
		}
	}
	return nil
}
