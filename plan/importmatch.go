package plan

import (
	"fmt"
	"strings"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
)

// ImportErrorKind says why a lease cannot be imported under a Leasefile key.
type ImportErrorKind int

// The kinds of ImportError.
const (
	ImportCount      ImportErrorKind = iota + 1 // the lease has another number of reservations than the entry
	ImportNoMatch                               // no reservation of the lease fits one of the entry's
	ImportAmbiguous                             // several reservations of the lease fit one of the entry's
	ImportShared                                // two of the entry's reservations fit the same one of the lease
	ImportKeyTracked                            // the state already tracks a lease under the key
	ImportIDTracked                             // the state already tracks the lease under another key
)

// ImportError is a lease that cannot be imported under a Leasefile key. Its message says
// what does not fit; Key is the state key the state tracks, for ImportKeyTracked.
type ImportError struct {
	Kind ImportErrorKind
	Key  string
	msg  string
}

func (e *ImportError) Error() string { return e.msg }

func importError(kind ImportErrorKind, format string, args ...any) error {
	return &ImportError{Kind: kind, msg: fmt.Sprintf(format, args...)}
}

// MatchImport maps each reservation key of the Leasefile entry want to one reservation of
// the live lease: by resource type, then, when a type repeats, by constraints and count. Each
// live reservation is matched once; no fit, or more than one, is an *ImportError. What
// Blazar does not return (a network's name and description) is taken from the entry.
func MatchImport(want *spec.Lease, live *leases.Lease) (map[string]state.Reservation, error) {
	var wantTypes, liveTypes []string
	for _, r := range want.Reservations {
		wantTypes = append(wantTypes, r.Type.ResourceType())
	}
	for _, r := range live.Reservations {
		liveTypes = append(liveTypes, r.ResourceType)
	}
	if len(wantTypes) != len(liveTypes) {
		return nil, importError(ImportCount, "lease %s has %d reservations (%s) but leases.%s declares %d (%s)",
			live.ID, len(liveTypes), strings.Join(liveTypes, ", "), want.Key, len(wantTypes), strings.Join(wantTypes, ", "))
	}
	out := map[string]state.Reservation{}
	used := map[string]string{} // live reservation ID -> key
	for _, r := range want.Reservations {
		var candidates []leases.Reservation
		for _, lr := range live.Reservations {
			if lr.ResourceType == r.Type.ResourceType() {
				candidates = append(candidates, lr)
			}
		}
		if len(candidates) > 1 {
			var exact []leases.Reservation
			for _, lr := range candidates {
				if importFits(r, lr) {
					exact = append(exact, lr)
				}
			}
			candidates = exact
		}
		switch len(candidates) {
		case 0:
			return nil, importError(ImportNoMatch, "no reservation of lease %s matches leases.%s.reservations.%s (%s)", live.ID, want.Key, r.Key, r.Type.ResourceType())
		case 1:
		default:
			return nil, importError(ImportAmbiguous, "reservations %s of lease %s all match leases.%s.reservations.%s",
				reservationIDs(candidates), live.ID, want.Key, r.Key)
		}
		c := candidates[0]
		if other, dup := used[c.ID]; dup {
			return nil, importError(ImportShared, "reservations %s and %s of leases.%s both match reservation %s of lease %s", other, r.Key, want.Key, c.ID, live.ID)
		}
		used[c.ID] = r.Key
		out[r.Key] = Record(state.Reservation{ID: c.ID, ResourceType: c.ResourceType}, r.Body(want.BeforeEnd, want.BeforeEndSet))
	}
	return out, nil
}

// importFits reports whether the live reservation lr has r's constraints and count.
func importFits(r *spec.Reservation, lr leases.Reservation) bool {
	switch r.Type {
	case spec.Node, spec.Device, spec.Network:
		q, err := spec.ParseQuery(lr.ResourceProperties)
		if err != nil || !q.Equal(r.Constraints()) {
			return false
		}
		if r.Type != spec.Network && (lr.Max == nil || *lr.Max != r.Max || lr.Min == nil || *lr.Min != r.Min) {
			return false
		}
	case spec.FloatingIP:
		if lr.Amount == nil || *lr.Amount != r.Max {
			return false
		}
	}
	return true
}

func reservationIDs(rs []leases.Reservation) string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return strings.Join(ids, ", ")
}

// Import returns the state entry for the live lease imported under want's key, with the
// reservations MatchImport matched. The state st must track neither the key nor the lease
// (an *ImportError). The caller records it with st.SetLease and drops the key's create
// intent: the user says which lease is this key's, so an interrupted create's intent must
// not adopt another one later.
func Import(st *state.File, want *spec.Lease, live *leases.Lease, rs map[string]state.Reservation) (*state.Lease, error) {
	if l, ok := st.Lease(want.Key); ok {
		return nil, &ImportError{Kind: ImportKeyTracked, Key: want.Key,
			msg: fmt.Sprintf("lease.%s is already in the state (lease %s)", want.Key, l.ID)}
	}
	for _, k := range st.Keys() {
		if l, _ := st.Lease(k); l.ID == live.ID {
			return nil, &ImportError{Kind: ImportIDTracked, Key: k, msg: fmt.Sprintf("lease %s is already in the state as lease.%s", live.ID, k)}
		}
	}
	return &state.Lease{ID: live.ID, Name: live.Name, Site: want.Site, Status: live.Status,
		Start: live.StartDate, End: live.EndDate, CreatedAt: live.CreatedAt, Reservations: rs,
		UpdatedAt: blazar.FormatTimestamp(live.UpdatedAt)}, nil
}
