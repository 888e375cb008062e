package leases

import (
	"encoding/json"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/internal/wire"
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

// UnmarshalJSON implements json.Unmarshaler for Blazar's date formats.
func (l *Lease) UnmarshalJSON(b []byte) error {
	var s struct {
		ID           string          `json:"id"`
		Name         string          `json:"name"`
		Status       string          `json:"status"`
		StatusReason string          `json:"status_reason"`
		Degraded     bool            `json:"degraded"`
		UserID       string          `json:"user_id"`
		ProjectID    string          `json:"project_id"`
		StartDate    blazar.JSONTime `json:"start_date"`
		EndDate      blazar.JSONTime `json:"end_date"`
		CreatedAt    blazar.JSONTime `json:"created_at"`
		UpdatedAt    blazar.JSONTime `json:"updated_at"`
		Reservations []Reservation   `json:"reservations"`
		Events       []Event         `json:"events"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*l = Lease{
		ID: s.ID, Name: s.Name, Status: s.Status, StatusReason: s.StatusReason, Degraded: s.Degraded,
		UserID: s.UserID, ProjectID: s.ProjectID,
		StartDate: s.StartDate.Time(), EndDate: s.EndDate.Time(),
		CreatedAt: s.CreatedAt.Time(), UpdatedAt: s.UpdatedAt.Ptr(),
		Reservations: s.Reservations, Events: s.Events,
	}
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

// reservationWire lists the keys Reservation models; the rest go to Extra.
type reservationWire struct {
	ID                   string      `json:"id"`
	LeaseID              string      `json:"lease_id"`
	ResourceID           wire.String `json:"resource_id"`
	ResourceType         string      `json:"resource_type"`
	Status               string      `json:"status"`
	Min                  wire.Int    `json:"min"`
	Max                  wire.Int    `json:"max"`
	ResourceProperties   string      `json:"resource_properties"`
	HypervisorProperties string      `json:"hypervisor_properties"`
	BeforeEnd            string      `json:"before_end"`
	NetworkID            string      `json:"network_id"`
	Amount               wire.Int    `json:"amount"`
	RequiredFloatingIPs  []string    `json:"required_floatingips"`
	MissingResources     bool        `json:"missing_resources"`
	ResourcesChanged     bool        `json:"resources_changed"`
}

// UnmarshalJSON implements json.Unmarshaler, keeping unknown keys in Extra.
func (r *Reservation) UnmarshalJSON(b []byte) error {
	var s reservationWire
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	extra, err := wire.Extra(b, s)
	if err != nil {
		return err
	}
	*r = Reservation{
		ID: s.ID, LeaseID: s.LeaseID, ResourceID: string(s.ResourceID), ResourceType: s.ResourceType, Status: s.Status,
		Min: s.Min.P, Max: s.Max.P,
		ResourceProperties: s.ResourceProperties, HypervisorProperties: s.HypervisorProperties, BeforeEnd: s.BeforeEnd,
		NetworkID: s.NetworkID, Amount: s.Amount.P, RequiredFloatingIPs: s.RequiredFloatingIPs,
		MissingResources: s.MissingResources, ResourcesChanged: s.ResourcesChanged,
		Extra: extra,
	}
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
	var s struct {
		ID        string          `json:"id"`
		LeaseID   string          `json:"lease_id"`
		EventType string          `json:"event_type"`
		Time      blazar.JSONTime `json:"time"`
		Status    string          `json:"status"`
		CreatedAt blazar.JSONTime `json:"created_at"`
		UpdatedAt blazar.JSONTime `json:"updated_at"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*e = Event{ID: s.ID, LeaseID: s.LeaseID, EventType: s.EventType, Time: s.Time.Time(), Status: s.Status,
		CreatedAt: s.CreatedAt.Time(), UpdatedAt: s.UpdatedAt.Ptr()}
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
