package leases

import (
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// Lease is a Blazar lease. Times are UTC; UpdatedAt is nil until the lease
// is first changed.
type Lease struct {
	ID           string
	Name         string
	Status       string // PENDING, STARTING, ACTIVE, UPDATING, TERMINATING, TERMINATED, DELETING, ERROR, CREATING
	StatusReason string
	Degraded     bool
	UserID       string
	ProjectID    string
	StartDate    time.Time
	EndDate      time.Time
	CreatedAt    time.Time
	UpdatedAt    *time.Time
	Reservations []Reservation
	Events       []Event
}

// UnmarshalJSON implements json.Unmarshaler for Blazar's date formats, with the list's
// decoder (decode.go).
func (l *Lease) UnmarshalJSON(b []byte) error {
	var v Lease
	if err := whole(b, func(s *scanner) error { _, err := s.lease(&v, nil); return err }); err != nil {
		return err
	}
	*l = v
	return nil
}

// Reservation is one reservation of a lease. The typed fields cover
// physical:host, device, virtual:floatingip and network reservations; every
// other key Blazar sends (created_at, on_start, flavor_id, ...) is in Extra.
type Reservation struct {
	ID           string
	LeaseID      string
	ResourceID   string // the plugin's reservation row, not a host id
	ResourceType string // physical:host, virtual:floatingip, network, device, flavor:instance, ...
	Status       string // pending, active, deleted, error (lower case)

	Min, Max             *int
	ResourceProperties   string // a JSON-encoded constraint, "" for none
	HypervisorProperties string
	BeforeEnd            string

	NetworkID           string
	Amount              *int
	RequiredFloatingIPs []string

	MissingResources bool
	ResourcesChanged bool

	Extra map[string]any
}

// UnmarshalJSON implements json.Unmarshaler, keeping unknown keys in Extra.
func (r *Reservation) UnmarshalJSON(b []byte) error {
	var v Reservation
	if err := whole(b, func(s *scanner) error { return s.reservation(&v, "") }); err != nil {
		return err
	}
	*r = v
	return nil
}

// Event is one of the events Blazar schedules for a lease (start_lease,
// end_lease, before_end_lease).
type Event struct {
	ID        string
	LeaseID   string
	EventType string
	Time      time.Time
	Status    string // UNDONE, IN_PROGRESS, DONE, ERROR
	CreatedAt time.Time
	UpdatedAt *time.Time
}

// UnmarshalJSON implements json.Unmarshaler for Blazar's date formats.
func (e *Event) UnmarshalJSON(b []byte) error {
	var v Event
	if err := whole(b, func(s *scanner) error { return s.event(&v, "") }); err != nil {
		return err
	}
	*e = v
	return nil
}

// LeasePage is the single page of a lease listing.
type LeasePage struct {
	pagination.SinglePageBase
}

// IsEmpty reports whether the page holds no lease.
func (p LeasePage) IsEmpty() (bool, error) {
	if p.StatusCode == 204 {
		return true, nil
	}
	ls, err := ExtractLeases(p)
	return len(ls) == 0, err
}

// ExtractLeases reads the "leases" list of a page.
func ExtractLeases(p pagination.Page) ([]Lease, error) {
	var s struct {
		Leases []Lease `json:"leases"`
	}
	err := (p.(LeasePage)).ExtractInto(&s)
	return s.Leases, err
}

type commonResult struct {
	gophercloud.Result
}

// Extract reads the "lease" object of a Get, Create or Update answer.
func (r commonResult) Extract() (*Lease, error) {
	if r.Err != nil {
		return nil, r.Err
	}
	var s struct {
		Lease *Lease `json:"lease"`
	}
	err := r.ExtractInto(&s)
	return s.Lease, err
}

// GetResult is the answer of Get; call Extract.
type GetResult struct {
	commonResult
}

// CreateResult is the answer of Create; call Extract.
type CreateResult struct {
	commonResult
}

// UpdateResult is the answer of Update; call Extract.
type UpdateResult struct {
	commonResult
}

// DeleteResult is the answer of Delete; call ExtractErr.
type DeleteResult struct {
	gophercloud.ErrResult
}
