package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/chameleoncloud/leasefile/avail"
	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/devices"
	"github.com/chameleoncloud/leasefile/blazar/hosts"
	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/blazar/networks"
	"github.com/chameleoncloud/leasefile/cloud"
	"github.com/chameleoncloud/leasefile/plan"
)

// cleaningGap is Chameleon's: Blazar keeps 5 minutes free around every reservation. The API
// does not tell it.
const cleaningGap = 5 * time.Minute

// fetchAvailability reads each named site's inventory and allocations once (hosts, devices,
// networks: a list and an allocations call each, the sites at once); bookings of the leases
// in own are marked as ours. A kind whose endpoints answer 403 or 404 is recorded as
// unknown; a site that fails otherwise is left out, with its error.
func (s *session) fetchAvailability(ctx context.Context, names []string, gap time.Duration, own map[string]bool) (map[string]*avail.Site, map[string]error) {
	out := map[string]*avail.Site{}
	errs := map[string]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range names {
		site := s.sites[name]
		if site == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each read is retried when transient and bounded in time, as plan's other reads.
			do := func(what string, fn func(context.Context) error) error {
				return s.retrier(name+": "+what).Do(ctx, fn)
			}
			a, err := fetchSite(site, gap, own, do)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[name] = err
				return
			}
			out[name] = a
		}()
	}
	wg.Wait()
	return out, errs
}

// ownLeases is the set of lease ids of the project's leases, as listed: those live holds and
// those it left out (session.lastDropped).
func ownLeases(live map[string][]leases.Lease, dropped []string) map[string]bool {
	own := map[string]bool{}
	for _, ls := range live {
		for _, l := range ls {
			own[l.ID] = true
		}
	}
	for _, id := range dropped {
		own[id] = true
	}
	return own
}

// availabilityInput reads the inventories of the named sites (once each; a site that cannot
// be read is "availability unknown", with a warning) and what plan's availability stage needs
// beside them.
func (a *app) availabilityInput(ctx context.Context, s *session, names []string) plan.Availability {
	sites, errs := s.fetchAvailability(ctx, names, cleaningGap, ownLeases(s.lastLive, s.lastDropped))
	for _, name := range names {
		if err := errs[name]; err != nil {
			a.warnf("%s: availability unknown: %v", name, err)
		}
	}
	project := map[string]string{}
	for name, site := range s.sites {
		project[name] = site.ProjectID
	}
	return plan.Availability{Sites: sites, Project: project, Now: a.now(), State: s.state, Policy: plan.PolicyOverrides(s.spec)}
}

// checkAvailability reads the inventory of every site where p creates or changes a lease
// (once per site) and annotates p with plan.CheckAvailability; it returns the verdicts that
// will fail. A site whose inventory cannot be read is "availability unknown", with a warning:
// the plan carries on.
func (a *app) checkAvailability(ctx context.Context, s *session, p *plan.Plan) []string {
	names := p.NeedsAvailability()
	if len(names) == 0 {
		return nil
	}
	in := a.availabilityInput(ctx, s, names)
	in.Live = s.lastLive
	failing := plan.ResolveEarliest(p, s.spec, in)
	return append(failing, plan.CheckAvailability(p, in)...)
}

// unknownKind reports whether err means the kind's endpoints are not open to us: forbidden,
// or absent (the plugin is not enabled at the site).
func unknownKind(err error) (string, bool) {
	switch {
	case blazar.IsKind(err, blazar.Forbidden):
		return "the site refuses to show its allocations (403)", true
	case blazar.IsKind(err, blazar.NotFound):
		return "the site has no such resources or does not show them (404)", true
	}
	return "", false
}

func fetchSite(site *cloud.Site, gap time.Duration, own map[string]bool, do func(string, func(context.Context) error) error) (*avail.Site, error) {
	c := site.Reservation
	out := &avail.Site{Name: site.Name, Gap: gap, Unknown: map[avail.Kind]string{}}
	type kindFetch struct {
		kind  avail.Kind
		list  func(context.Context) ([]*avail.Resource, error)
		alloc func(context.Context) ([]blazar.Allocation, error)
	}
	fetches := []kindFetch{
		{avail.Host, resources(c, hosts.ListAll, hostResource), func(ctx context.Context) ([]blazar.Allocation, error) {
			return hosts.ListAllAllocations(ctx, c, blazar.AllocationListOpts{})
		}},
		{avail.Device, resources(c, devices.ListAll, deviceResource), func(ctx context.Context) ([]blazar.Allocation, error) {
			return devices.ListAllAllocations(ctx, c, blazar.AllocationListOpts{})
		}},
		{avail.Network, resources(c, networks.ListAll, networkResource), func(ctx context.Context) ([]blazar.Allocation, error) {
			return networks.ListAllAllocations(ctx, c, blazar.AllocationListOpts{})
		}},
	}
	for _, f := range fetches {
		var rs []*avail.Resource
		err := do("list "+string(f.kind)+"s", func(ctx context.Context) error {
			var err error
			rs, err = f.list(ctx)
			return err
		})
		if why, ok := unknownKind(err); ok {
			out.Unknown[f.kind] = why
			continue
		} else if err != nil {
			return nil, fmt.Errorf("list %ss: %w", f.kind, err)
		}
		var allocs []blazar.Allocation
		err = do("list "+string(f.kind)+" allocations", func(ctx context.Context) error {
			var err error
			allocs, err = f.alloc(ctx)
			return err
		})
		if why, ok := unknownKind(err); ok {
			out.Unknown[f.kind] = why
			continue
		} else if err != nil {
			return nil, fmt.Errorf("list %s allocations: %w", f.kind, err)
		}
		out.Resources = append(out.Resources, rs...)
		for _, a := range allocs {
			for _, r := range a.Reservations {
				out.Bookings = append(out.Bookings, avail.Booking{Kind: f.kind, ResourceID: a.ResourceID, LeaseID: r.LeaseID,
					ReservationID: r.ID, Start: r.StartDate, End: r.EndDate, Own: own[r.LeaseID]})
			}
		}
	}
	return out, nil
}

// resources lists one kind of Blazar's inventory and converts it for avail.
func resources[T any](c *gophercloud.ServiceClient, list func(context.Context, *gophercloud.ServiceClient) ([]T, error), conv func(T) *avail.Resource) func(context.Context) ([]*avail.Resource, error) {
	return func(ctx context.Context) ([]*avail.Resource, error) {
		items, err := list(ctx, c)
		var out []*avail.Resource
		for _, it := range items {
			out = append(out, conv(it))
		}
		return out, err
	}
}

func extraStrings(m map[string]any) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if v == nil {
			continue
		}
		out[k] = fmt.Sprint(v)
	}
	return out
}

func hostResource(h hosts.Host) *avail.Resource {
	extra := extraStrings(h.ExtraCapabilities)
	name := extra["node_name"]
	if name == "" {
		name = h.HypervisorHostname
	}
	return &avail.Resource{Kind: avail.Host, ID: h.ID, Name: name, Reservable: h.Reservable, Disabled: h.Disabled, Extra: extra,
		Columns: map[string]any{"id": h.ID, "hypervisor_hostname": h.HypervisorHostname, "hypervisor_type": h.HypervisorType,
			"hypervisor_version": h.HypervisorVersion, "vcpus": h.VCPUs, "memory_mb": h.MemoryMB, "local_gb": h.LocalGB,
			"cpu_info": h.CPUInfo, "service_name": h.ServiceName, "availability_zone": h.AvailabilityZone, "status": h.Status,
			"trust_id": h.TrustID, "reservable": h.Reservable}}
}

func deviceResource(d devices.Device) *avail.Resource {
	return &avail.Resource{Kind: avail.Device, ID: d.ID, Name: d.Name, Reservable: d.Reservable, Extra: extraStrings(d.ExtraCapabilities),
		Columns: map[string]any{"id": d.ID, "name": d.Name, "device_type": d.DeviceType, "device_driver": d.DeviceDriver, "reservable": d.Reservable}}
}

func networkResource(n networks.Network) *avail.Resource {
	name := strings.TrimSpace(fmt.Sprintf("%s vlan %d", n.PhysicalNetwork, n.SegmentID))
	return &avail.Resource{Kind: avail.Network, ID: n.ID, Name: name, Reservable: true, Extra: extraStrings(n.ExtraCapabilities),
		Columns: map[string]any{"id": n.ID, "network_type": n.NetworkType, "physical_network": n.PhysicalNetwork, "segment_id": n.SegmentID}}
}

// unavailableError is plan's refusal of a plan that availability says will fail.
func unavailableError(failing []string) error {
	return &codeError{code: exitError,
		msg:  fmt.Sprintf("%s would fail at apply:\n  %s", plural(len(failing), "check"), strings.Join(failing, "\n  ")),
		hint: hintUnavailable}
}

// recheckEarliest refuses a saved plan whose `start: earliest` windows no longer hold.
func (a *app) recheckEarliest(ctx context.Context, s *session, p *plan.Plan) error {
	var names []string
	seen := map[string]bool{}
	for _, ch := range p.Changes {
		if ch.EarliestStart && !seen[ch.Site] {
			seen[ch.Site] = true
			names = append(names, ch.Site)
		}
	}
	if len(names) == 0 {
		return nil
	}
	stale := plan.StaleEarliest(p, a.availabilityInput(ctx, s, names))
	if len(stale) == 0 {
		return nil
	}
	return &codeError{code: exitError, msg: "Saved plan is stale: " + strings.Join(stale, "; "),
		hint: hintStaleEarliest}
}
