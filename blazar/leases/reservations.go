package leases

import (
	gcleases "github.com/gophercloud/gophercloud/v2/openstack/reservation/v1/leases"
)

// The reservation types of Chameleon's fork, as gophercloud's own
// openstack/reservation/v1/leases.ReservationOptsBuilder implementations: with upstream's
// HostReservationOpts, InstanceReservationOpts and FlavorInstanceReservationOpts they make
// the Reservations of upstream's CreateOpts, which Create here accepts (it is a
// CreateOptsBuilder). Bodies are those python-blazarclient and python-chi send
// (../shared/blazar-api.md §3).

// Resource types of the fork's plugins.
const (
	ResourceTypeDevice     = "device"
	ResourceTypeNetwork    = "network"
	ResourceTypeFloatingIP = "virtual:floatingip"
)

var (
	_ gcleases.ReservationOptsBuilder = DeviceReservationOpts{}
	_ gcleases.ReservationOptsBuilder = NetworkReservationOpts{}
	_ gcleases.ReservationOptsBuilder = FloatingIPReservationOpts{}
	_ CreateOptsBuilder               = gcleases.CreateOpts{}
)

// DeviceReservationOpts reserves devices (CHI@Edge).
type DeviceReservationOpts struct {
	Min, Max int
	// ResourceProperties filters the devices, e.g. `["==", "$machine_name", "raspberrypi4-64"]`.
	ResourceProperties string
}

// ToReservationMap renders the device reservation body.
func (o DeviceReservationOpts) ToReservationMap() (map[string]any, error) {
	return map[string]any{"resource_type": ResourceTypeDevice, "min": o.Min, "max": o.Max,
		"resource_properties": o.ResourceProperties}, nil
}

// NetworkReservationOpts reserves a network segment; Blazar creates the Neutron network
// NetworkName at the lease's start.
type NetworkReservationOpts struct {
	NetworkName        string
	NetworkDescription string
	// ResourceProperties filters the segments, e.g. `["==", "$physical_network", "physnet1"]`.
	ResourceProperties string
	NetworkProperties  string
}

// ToReservationMap renders the network reservation body.
func (o NetworkReservationOpts) ToReservationMap() (map[string]any, error) {
	return map[string]any{"resource_type": ResourceTypeNetwork, "network_name": o.NetworkName,
		"network_description": o.NetworkDescription, "resource_properties": o.ResourceProperties,
		"network_properties": o.NetworkProperties}, nil
}

// FloatingIPReservationOpts reserves Amount floating IPs of the Neutron network NetworkID.
type FloatingIPReservationOpts struct {
	NetworkID           string
	Amount              int
	RequiredFloatingIPs []string
}

// ToReservationMap renders the floating IP reservation body.
func (o FloatingIPReservationOpts) ToReservationMap() (map[string]any, error) {
	b := map[string]any{"resource_type": ResourceTypeFloatingIP, "network_id": o.NetworkID, "amount": o.Amount}
	if o.RequiredFloatingIPs != nil {
		b["required_floatingips"] = o.RequiredFloatingIPs
	}
	return b, nil
}
