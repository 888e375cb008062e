package hosts

import (
	"encoding/json"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/internal/wire"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// Host is a reservable compute host.
type Host struct {
	ID                 string
	HypervisorHostname string
	HypervisorType     string
	HypervisorVersion  int
	VCPUs              int
	MemoryMB           int
	LocalGB            int
	CPUInfo            string
	ServiceName        string
	AvailabilityZone   string
	Status             string
	TrustID            string
	Reservable         bool
	Disabled           bool // Chameleon's fork
	CreatedAt          time.Time
	UpdatedAt          *time.Time
	// ExtraCapabilities holds every other key, e.g. "node_type".
	ExtraCapabilities map[string]any
}

type hostWire struct {
	ID                 wire.String     `json:"id"`
	HypervisorHostname string          `json:"hypervisor_hostname"`
	HypervisorType     string          `json:"hypervisor_type"`
	HypervisorVersion  wire.Int        `json:"hypervisor_version"`
	VCPUs              wire.Int        `json:"vcpus"`
	MemoryMB           wire.Int        `json:"memory_mb"`
	LocalGB            wire.Int        `json:"local_gb"`
	CPUInfo            wire.String     `json:"cpu_info"`
	ServiceName        string          `json:"service_name"`
	AvailabilityZone   string          `json:"availability_zone"`
	Status             wire.String     `json:"status"`
	TrustID            string          `json:"trust_id"`
	Reservable         bool            `json:"reservable"`
	Disabled           bool            `json:"disabled"`
	CreatedAt          blazar.JSONTime `json:"created_at"`
	UpdatedAt          blazar.JSONTime `json:"updated_at"`
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// UnmarshalJSON implements json.Unmarshaler.
func (h *Host) UnmarshalJSON(b []byte) error {
	var s hostWire
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	extra, err := wire.Extra(b, s)
	if err != nil {
		return err
	}
	*h = Host{
		ID: string(s.ID), HypervisorHostname: s.HypervisorHostname, HypervisorType: s.HypervisorType,
		HypervisorVersion: deref(s.HypervisorVersion.P), VCPUs: deref(s.VCPUs.P), MemoryMB: deref(s.MemoryMB.P), LocalGB: deref(s.LocalGB.P),
		CPUInfo: string(s.CPUInfo), ServiceName: s.ServiceName, AvailabilityZone: s.AvailabilityZone, Status: string(s.Status),
		TrustID: s.TrustID, Reservable: s.Reservable, Disabled: s.Disabled,
		CreatedAt: s.CreatedAt.Time(), UpdatedAt: s.UpdatedAt.Ptr(), ExtraCapabilities: extra,
	}
	return nil
}

// HostPage is the single page of a host listing.
type HostPage struct {
	pagination.SinglePageBase
}

// IsEmpty reports whether the page holds no host.
func (p HostPage) IsEmpty() (bool, error) {
	if p.StatusCode == 204 {
		return true, nil
	}
	hs, err := ExtractHosts(p)
	return len(hs) == 0, err
}

// ExtractHosts reads the "hosts" list of a page.
func ExtractHosts(p pagination.Page) ([]Host, error) {
	var s struct {
		Hosts []Host `json:"hosts"`
	}
	err := (p.(HostPage)).ExtractInto(&s)
	return s.Hosts, err
}

// GetResult is the answer of Get; call Extract.
type GetResult struct {
	gophercloud.Result
}

// Extract reads the "host" object.
func (r GetResult) Extract() (*Host, error) {
	if r.Err != nil {
		return nil, r.Err
	}
	var s struct {
		Host *Host `json:"host"`
	}
	err := r.ExtractInto(&s)
	return s.Host, err
}
