package main

import (
	"context"
	"fmt"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/devices"
	"github.com/chameleoncloud/leasefile/blazar/hosts"
	"github.com/chameleoncloud/leasefile/blazar/networks"
	"github.com/chameleoncloud/leasefile/cloud"
	"github.com/chameleoncloud/leasefile/outputs"
)

// resourceLister lists, once per site and kind, what the next step needs to know of the
// resources reservations hold: hosts, devices and network segments, from Blazar's
// allocations (GET /v1/os-hosts/allocations?lease_id=...). A site whose policy does not let
// the project list them gets one warning and its outputs leave them out.
type resourceLister struct {
	a        *app
	retry    func(what string) blazar.Retrier // the session's
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

// read is one read of fill, with the plan phase's time bound and retries (session.retrier),
// so that a site that never answers cannot hang output.
func read[T any](ctx context.Context, l *resourceLister, what string, f func(context.Context) (T, error)) (T, error) {
	var v T
	err := l.retry(l.site.Name+": "+what).Do(ctx, func(c context.Context) error {
		var err error
		v, err = f(c)
		return err
	})
	return v, err
}

// fill adds the reserved hosts, devices and network ids of one lease to its outputs.
func (l *resourceLister) fill(ctx context.Context, key string, o *outputs.Lease) error {
	kinds := map[string]bool{}
	for _, r := range o.Reservations {
		kinds[r.Type] = true
	}
	c := l.site.Reservation
	opts := blazar.AllocationListOpts{LeaseID: o.ID}
	if kinds["physical:host"] && !l.denied["host allocations"] {
		allocs, err := read(ctx, l, "host allocations", func(ctx context.Context) ([]blazar.Allocation, error) { return hosts.ListAllAllocations(ctx, c, opts) })
		if err == nil && l.hosts == nil {
			var list []hosts.Host
			if list, err = read(ctx, l, "hosts", func(ctx context.Context) ([]hosts.Host, error) { return hosts.ListAll(ctx, c) }); err == nil {
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
			o.SetHosts(allocs, l.hosts)
		}
	}
	if kinds["device"] && !l.denied["device allocations"] {
		allocs, err := read(ctx, l, "device allocations", func(ctx context.Context) ([]blazar.Allocation, error) {
			return devices.ListAllAllocations(ctx, c, opts)
		})
		if err == nil && l.devices == nil {
			var list []devices.Device
			if list, err = read(ctx, l, "devices", func(ctx context.Context) ([]devices.Device, error) { return devices.ListAll(ctx, c) }); err == nil {
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
			o.SetDevices(allocs, l.devices)
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
func (l *resourceLister) networks(ctx context.Context, key string, o *outputs.Lease, opts blazar.AllocationListOpts) error {
	if !l.denied["network allocations"] {
		c := l.site.Reservation
		allocs, err := read(ctx, l, "network allocations", func(ctx context.Context) ([]blazar.Allocation, error) {
			return networks.ListAllAllocations(ctx, c, opts)
		})
		if err == nil && l.segments == nil {
			var list []networks.Network
			if list, err = read(ctx, l, "network segments", func(ctx context.Context) ([]networks.Network, error) { return networks.ListAll(ctx, c) }); err == nil {
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
			o.SetSegments(allocs, l.segments)
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
