package spec

import (
	"cmp"
	"encoding/json"
)

// ReservationBody is one reservation object of a Blazar lease request, typed: what a create
// sends for each type (Reservation.Body) and the subset an update resends. A nil field is not
// sent. The fields are in the order of their JSON keys, so that a saved plan keeps the shape
// the sorted keys of a map gave it.
type ReservationBody struct {
	Amount    *int    `json:"amount,omitempty"`
	BeforeEnd *string `json:"before_end,omitempty"`
	// FlavorID is a flavor reservation's Nova flavor: apply resolves it at create.
	FlavorID             *string `json:"flavor_id,omitempty"`
	HypervisorProperties *string `json:"hypervisor_properties,omitempty"`
	Max                  *int    `json:"max,omitempty"`
	Min                  *int    `json:"min,omitempty"`
	NetworkDescription   *string `json:"network_description,omitempty"`
	// NetworkID is a floating IP's Neutron network: apply resolves it at create, and an
	// update resends Blazar's.
	NetworkID         *string `json:"network_id,omitempty"`
	NetworkName       *string `json:"network_name,omitempty"`
	NetworkProperties *string `json:"network_properties,omitempty"`
	// RequiredFloatingIPs is sent when not nil, empty included: [] asks for any addresses.
	RequiredFloatingIPs []string `json:"required_floatingips,omitzero"`
	ResourceProperties  *string  `json:"resource_properties,omitempty"`
	// ResourceType is set in a create and left empty in an update, which names the
	// reservation by its id instead.
	ResourceType string `json:"resource_type,omitempty"`
}

// ToMap renders the body as the JSON object Blazar gets, the form leases.CreateOpts and
// leases.UpdateOpts take.
func (b ReservationBody) ToMap() map[string]any {
	raw, err := json.Marshal(b)
	if err != nil {
		panic(err) // strings, ints and a string slice always encode
	}
	m := map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		panic(err)
	}
	return m
}

// ref returns a pointer to a copy of v, for ReservationBody's optional fields.
func ref[T any](v T) *T { return &v }

// With returns b with the fields u sets replaced: b as Blazar holds it after the update u.
func (b ReservationBody) With(u ReservationBody) ReservationBody {
	b.Amount, b.BeforeEnd, b.HypervisorProperties = or(u.Amount, b.Amount), or(u.BeforeEnd, b.BeforeEnd), or(u.HypervisorProperties, b.HypervisorProperties)
	b.FlavorID = or(u.FlavorID, b.FlavorID)
	b.Max, b.Min, b.NetworkDescription = or(u.Max, b.Max), or(u.Min, b.Min), or(u.NetworkDescription, b.NetworkDescription)
	b.NetworkID, b.NetworkName, b.NetworkProperties = or(u.NetworkID, b.NetworkID), or(u.NetworkName, b.NetworkName), or(u.NetworkProperties, b.NetworkProperties)
	b.ResourceProperties, b.ResourceType = or(u.ResourceProperties, b.ResourceProperties), cmp.Or(u.ResourceType, b.ResourceType)
	if u.RequiredFloatingIPs != nil {
		b.RequiredFloatingIPs = u.RequiredFloatingIPs
	}
	return b
}

// or is the first non-nil pointer.
func or[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}
