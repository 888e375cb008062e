package plan

import (
	"errors"
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
// the live lease, by Match's rule (type, then constraints and count when a type repeats).
// The lease must have as many reservations as the entry; no fit, more than one, or one fit
// for two keys is an *ImportError. What Blazar does not return (a network's name and
// description) is taken from the entry.
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
	specs := wanted(want)
	m, err := Match(specs, nil, live.Reservations)
	var me *MatchError
	if errors.As(err, &me) {
		switch me.Kind {
		case MatchAmbiguous:
			return nil, importError(ImportAmbiguous, "reservations %s of lease %s all match leases.%s.reservations.%s",
				strings.Join(me.IDs, ", "), live.ID, want.Key, me.Key)
		case MatchShared:
			return nil, importError(ImportShared, "reservations %s and %s of leases.%s both match reservation %s of lease %s",
				me.Other, me.Key, want.Key, me.IDs[0], live.ID)
		}
		return nil, importError(ImportNoMatch, "no reservation of lease %s matches leases.%s.reservations.%s (%s)", live.ID, want.Key, me.Key, me.Type)
	}
	out := map[string]state.Reservation{}
	for _, rs := range specs {
		c := m[rs.Key]
		if c == nil {
			return nil, importError(ImportNoMatch, "no reservation of lease %s matches leases.%s.reservations.%s (%s)", live.ID, want.Key, rs.Key, rs.Body.ResourceType)
		}
		out[rs.Key] = Record(state.Reservation{ID: c.ID, ResourceType: c.ResourceType}, rs.Body)
	}
	return out, nil
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
