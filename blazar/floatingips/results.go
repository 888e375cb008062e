package floatingips

import (
	"encoding/json"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// FloatingIP is one address Blazar may reserve.
type FloatingIP struct {
	ID                string
	FloatingNetworkID string
	SubnetID          string
	FloatingIPAddress string
	Reservable        bool
	CreatedAt         time.Time
	UpdatedAt         *time.Time
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *FloatingIP) UnmarshalJSON(b []byte) error {
	var s struct {
		ID                string          `json:"id"`
		FloatingNetworkID string          `json:"floating_network_id"`
		SubnetID          string          `json:"subnet_id"`
		FloatingIPAddress string          `json:"floating_ip_address"`
		Reservable        bool            `json:"reservable"`
		CreatedAt         blazar.JSONTime `json:"created_at"`
		UpdatedAt         blazar.JSONTime `json:"updated_at"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*f = FloatingIP{ID: s.ID, FloatingNetworkID: s.FloatingNetworkID, SubnetID: s.SubnetID,
		FloatingIPAddress: s.FloatingIPAddress, Reservable: s.Reservable,
		CreatedAt: s.CreatedAt.Time(), UpdatedAt: s.UpdatedAt.Ptr()}
	return nil
}

// FloatingIPPage is the single page of a listing.
type FloatingIPPage struct {
	pagination.SinglePageBase
}

// IsEmpty reports whether the page holds no address.
func (p FloatingIPPage) IsEmpty() (bool, error) {
	if p.StatusCode == 204 {
		return true, nil
	}
	fs, err := ExtractFloatingIPs(p)
	return len(fs) == 0, err
}

// ExtractFloatingIPs reads the "floatingips" list of a page.
func ExtractFloatingIPs(p pagination.Page) ([]FloatingIP, error) {
	var s struct {
		FloatingIPs []FloatingIP `json:"floatingips"`
	}
	err := (p.(FloatingIPPage)).ExtractInto(&s)
	return s.FloatingIPs, err
}

// GetResult is the answer of Get; call Extract.
type GetResult struct {
	gophercloud.Result
}

// Extract reads the "floatingip" object.
func (r GetResult) Extract() (*FloatingIP, error) {
	if r.Err != nil {
		return nil, r.Err
	}
	var s struct {
		FloatingIP *FloatingIP `json:"floatingip"`
	}
	err := r.ExtractInto(&s)
	return s.FloatingIP, err
}
