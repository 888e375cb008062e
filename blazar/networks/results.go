package networks

import (
	"encoding/json"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/internal/wire"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// Network is a reservable network segment (a VLAN on a physical network).
type Network struct {
	ID              string
	NetworkType     string
	PhysicalNetwork string
	SegmentID       int
	CreatedAt       time.Time
	UpdatedAt       *time.Time
	// ExtraCapabilities holds every other key, e.g. "usage_type".
	ExtraCapabilities map[string]any
}

type networkWire struct {
	ID              wire.String     `json:"id"`
	NetworkType     string          `json:"network_type"`
	PhysicalNetwork string          `json:"physical_network"`
	SegmentID       wire.Int        `json:"segment_id"`
	CreatedAt       blazar.JSONTime `json:"created_at"`
	UpdatedAt       blazar.JSONTime `json:"updated_at"`
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *Network) UnmarshalJSON(b []byte) error {
	var s networkWire
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	extra, err := wire.Extra(b, s)
	if err != nil {
		return err
	}
	seg := 0
	if s.SegmentID.P != nil {
		seg = *s.SegmentID.P
	}
	*n = Network{ID: string(s.ID), NetworkType: s.NetworkType, PhysicalNetwork: s.PhysicalNetwork, SegmentID: seg,
		CreatedAt: s.CreatedAt.Time(), UpdatedAt: s.UpdatedAt.Ptr(), ExtraCapabilities: extra}
	return nil
}

// NetworkPage is the single page of a segment listing.
type NetworkPage struct {
	pagination.SinglePageBase
}

// IsEmpty reports whether the page holds no segment.
func (p NetworkPage) IsEmpty() (bool, error) {
	if p.StatusCode == 204 {
		return true, nil
	}
	ns, err := ExtractNetworks(p)
	return len(ns) == 0, err
}

// ExtractNetworks reads the "networks" list of a page.
func ExtractNetworks(p pagination.Page) ([]Network, error) {
	var s struct {
		Networks []Network `json:"networks"`
	}
	err := (p.(NetworkPage)).ExtractInto(&s)
	return s.Networks, err
}

// GetResult is the answer of Get; call Extract.
type GetResult struct {
	gophercloud.Result
}

// Extract reads the "network" object.
func (r GetResult) Extract() (*Network, error) {
	if r.Err != nil {
		return nil, r.Err
	}
	var s struct {
		Network *Network `json:"network"`
	}
	err := r.ExtractInto(&s)
	return s.Network, err
}
