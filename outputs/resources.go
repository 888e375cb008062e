package outputs

import (
	"slices"
	"strings"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/devices"
	"github.com/chameleoncloud/leasefile/blazar/hosts"
	"github.com/chameleoncloud/leasefile/blazar/networks"
)

// Host is one host a node reservation holds: its name (Chameleon's node_name) and UUID (the
// node's uid, else the hypervisor hostname, Ironic's node UUID on Chameleon).
type Host struct {
	Name string `json:"name"`
	UUID string `json:"uuid"`
}

// allocated returns the IDs of the resources that reservation resID of lease leaseID holds,
// sorted.
func allocated(allocs []blazar.Allocation, leaseID, resID string) []string {
	var ids []string
	for _, a := range allocs {
		for _, r := range a.Reservations {
			if r.ID == resID && (r.LeaseID == "" || r.LeaseID == leaseID) {
				ids = append(ids, a.ResourceID)
			}
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// SetHosts records the hosts each node reservation of o holds, from Blazar's host
// allocations and its hosts by ID, sorted by name.
func (o *Lease) SetHosts(allocs []blazar.Allocation, byID map[string]hosts.Host) {
	for _, r := range o.Reservations {
		if r.Type != "physical:host" {
			continue
		}
		r.Hosts = []Host{}
		for _, id := range allocated(allocs, o.ID, r.ID) {
			r.Hosts = append(r.Hosts, hostInfo(id, byID[id]))
		}
		slices.SortFunc(r.Hosts, func(a, b Host) int { return strings.Compare(a.Name, b.Name) })
	}
}

// SetDevices records the devices each device reservation of o holds, by name (their ID when
// Blazar lists none), sorted.
func (o *Lease) SetDevices(allocs []blazar.Allocation, byID map[string]devices.Device) {
	for _, r := range o.Reservations {
		if r.Type != "device" {
			continue
		}
		r.Devices = []string{}
		for _, id := range allocated(allocs, o.ID, r.ID) {
			name := byID[id].Name
			if name == "" {
				name = id
			}
			r.Devices = append(r.Devices, name)
		}
		slices.Sort(r.Devices)
	}
}

// SetSegments records the VLAN of each network reservation of o that holds exactly one of
// Blazar's network segments.
func (o *Lease) SetSegments(allocs []blazar.Allocation, byID map[string]networks.Network) {
	for _, r := range o.Reservations {
		if r.Type != "network" {
			continue
		}
		if ids := allocated(allocs, o.ID, r.ID); len(ids) == 1 {
			r.SegmentationID = byID[ids[0]].SegmentID
		}
	}
}

func hostInfo(id string, h hosts.Host) Host {
	out := Host{Name: h.HypervisorHostname, UUID: h.HypervisorHostname}
	if n, ok := h.ExtraCapabilities["node_name"].(string); ok && n != "" {
		out.Name = n
	}
	if u, ok := h.ExtraCapabilities["uid"].(string); ok && u != "" {
		out.UUID = u
	}
	if out.Name == "" {
		out.Name = id
	}
	if out.UUID == "" {
		out.UUID = id
	}
	return out
}
