package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/devices"
	"github.com/chameleoncloud/leasefile/blazar/hosts"
	"github.com/chameleoncloud/leasefile/blazar/networks"
	"github.com/chameleoncloud/leasefile/cloud"
)

// hostOutput is one host a node reservation holds: its name (Chameleon's node_name) and
// UUID (the node's uid, else the hypervisor hostname, Ironic's node UUID on Chameleon).
type hostOutput struct {
	Name string `json:"name"`
	UUID string `json:"uuid"`
}

// resourceLister lists, once per site and kind, what the next step needs to know of the
// resources reservations hold: hosts, devices and network segments, from Blazar's
// allocations (GET /v1/os-hosts/allocations?lease_id=...). A site whose policy does not let
// the project list them gets one warning and its outputs leave them out.
type resourceLister struct {
	a        *app
	site     *cloud.Site
	hosts    map[string]hosts.Host
	devices  map[string]devices.Device
	segments map[string]networks.Network
	denied   map[string]bool
}

// forbidden warns once about a listing the site's policy refuses and reports whether err
// was that; any other error is the caller's.
func (l *resourceLister) forbidden(what string, err error) bool {
	if !blazar.IsKind(err, blazar.Forbidden) {
		return false
	}
	if !l.denied[what] {
		l.denied[what] = true
		l.a.warnf("%s does not let this project list %s (%v): the outputs leave them out", l.site.Name, what, err)
	}
	return true
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

// fill adds the reserved hosts, devices and network ids of one lease to its outputs.
func (l *resourceLister) fill(ctx context.Context, key string, o *leaseOutput) error {
	kinds := map[string]bool{}
	for _, r := range o.Reservations {
		kinds[r.Type] = true
	}
	c := l.site.Reservation
	opts := blazar.AllocationListOpts{LeaseID: o.ID}
	if kinds["physical:host"] && !l.denied["host allocations"] {
		allocs, err := hosts.ListAllAllocations(ctx, c, opts)
		if err == nil && l.hosts == nil {
			var list []hosts.Host
			if list, err = hosts.ListAll(ctx, c); err == nil {
				l.hosts = map[string]hosts.Host{}
				for _, h := range list {
					l.hosts[h.ID] = h
				}
			}
		}
		switch {
		case l.forbidden("host allocations", err):
		case err != nil:
			return fmt.Errorf("lease %s: reserved hosts: %w", key, err)
		default:
			for _, r := range o.Reservations {
				if r.Type != "physical:host" {
					continue
				}
				r.Hosts = []hostOutput{}
				for _, id := range allocated(allocs, o.ID, r.ID) {
					r.Hosts = append(r.Hosts, hostInfo(id, l.hosts[id]))
				}
				slices.SortFunc(r.Hosts, func(a, b hostOutput) int { return strings.Compare(a.Name, b.Name) })
			}
		}
	}
	if kinds["device"] && !l.denied["device allocations"] {
		allocs, err := devices.ListAllAllocations(ctx, c, opts)
		if err == nil && l.devices == nil {
			var list []devices.Device
			if list, err = devices.ListAll(ctx, c); err == nil {
				l.devices = map[string]devices.Device{}
				for _, d := range list {
					l.devices[d.ID] = d
				}
			}
		}
		switch {
		case l.forbidden("device allocations", err):
		case err != nil:
			return fmt.Errorf("lease %s: reserved devices: %w", key, err)
		default:
			for _, r := range o.Reservations {
				if r.Type != "device" {
					continue
				}
				r.Devices = []string{}
				for _, id := range allocated(allocs, o.ID, r.ID) {
					name := l.devices[id].Name
					if name == "" {
						name = id
					}
					r.Devices = append(r.Devices, name)
				}
				slices.Sort(r.Devices)
			}
		}
	}
	if kinds["network"] {
		if err := l.networks(ctx, key, o, opts); err != nil {
			return err
		}
	}
	return nil
}

// networks adds the VLAN segmentation id (Blazar's network segment) and, once the lease is
// ACTIVE and Blazar made it, the Neutron network id of each network reservation.
func (l *resourceLister) networks(ctx context.Context, key string, o *leaseOutput, opts blazar.AllocationListOpts) error {
	if !l.denied["network allocations"] {
		c := l.site.Reservation
		allocs, err := networks.ListAllAllocations(ctx, c, opts)
		if err == nil && l.segments == nil {
			var list []networks.Network
			if list, err = networks.ListAll(ctx, c); err == nil {
				l.segments = map[string]networks.Network{}
				for _, n := range list {
					l.segments[n.ID] = n
				}
			}
		}
		switch {
		case l.forbidden("network allocations", err):
		case err != nil:
			return fmt.Errorf("lease %s: reserved network segments: %w", key, err)
		default:
			for _, r := range o.Reservations {
				if r.Type != "network" {
					continue
				}
				if ids := allocated(allocs, o.ID, r.ID); len(ids) == 1 {
					r.SegmentationID = l.segments[ids[0]].SegmentID
				}
			}
		}
	}
	if o.Status != "ACTIVE" || l.site.Network == nil {
		return nil
	}
	for _, r := range o.Reservations {
		if r.Type != "network" || r.NetworkName == "" {
			continue
		}
		id, err := blazar.NetworkIDByName(ctx, l.site.Network, r.NetworkName)
		switch {
		case blazar.IsKind(err, blazar.NotFound):
		case err != nil:
			return fmt.Errorf("lease %s: network %s: %w", key, r.NetworkName, err)
		default:
			r.NetworkID = id
		}
	}
	return nil
}

func hostInfo(id string, h hosts.Host) hostOutput {
	out := hostOutput{Name: h.HypervisorHostname, UUID: h.HypervisorHostname}
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
