package devices

import (
	"encoding/json"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/internal/wire"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// Device is a reservable edge device.
type Device struct {
	ID           string
	Name         string
	DeviceType   string // container, vm, shell
	DeviceDriver string // zun, k8s
	Reservable   bool
	CreatedAt    time.Time
	UpdatedAt    *time.Time
	// ExtraCapabilities holds every other key, e.g. "machine_name", "uid".
	ExtraCapabilities map[string]any
}

type deviceWire struct {
	ID           wire.String     `json:"id"`
	Name         string          `json:"name"`
	DeviceType   string          `json:"device_type"`
	DeviceDriver string          `json:"device_driver"`
	Reservable   bool            `json:"reservable"`
	CreatedAt    blazar.JSONTime `json:"created_at"`
	UpdatedAt    blazar.JSONTime `json:"updated_at"`
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *Device) UnmarshalJSON(b []byte) error {
	var s deviceWire
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	extra, err := wire.Extra(b, s)
	if err != nil {
		return err
	}
	*d = Device{ID: string(s.ID), Name: s.Name, DeviceType: s.DeviceType, DeviceDriver: s.DeviceDriver,
		Reservable: s.Reservable, CreatedAt: s.CreatedAt.Time(), UpdatedAt: s.UpdatedAt.Ptr(), ExtraCapabilities: extra}
	return nil
}

// DevicePage is the single page of a device listing.
type DevicePage struct {
	pagination.SinglePageBase
}

// IsEmpty reports whether the page holds no device.
func (p DevicePage) IsEmpty() (bool, error) {
	if p.StatusCode == 204 {
		return true, nil
	}
	ds, err := ExtractDevices(p)
	return len(ds) == 0, err
}

// ExtractDevices reads the "devices" list of a page.
func ExtractDevices(p pagination.Page) ([]Device, error) {
	var s struct {
		Devices []Device `json:"devices"`
	}
	err := (p.(DevicePage)).ExtractInto(&s)
	return s.Devices, err
}

// GetResult is the answer of Get; call Extract.
type GetResult struct {
	gophercloud.Result
}

// Extract reads the "device" object.
func (r GetResult) Extract() (*Device, error) {
	if r.Err != nil {
		return nil, r.Err
	}
	var s struct {
		Device *Device `json:"device"`
	}
	err := r.ExtractInto(&s)
	return s.Device, err
}
