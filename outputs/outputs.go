package outputs

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/state"
)

// Lease is what output shows of one lease, the hand-off to the next tool.
type Lease struct {
	ID           string                  `json:"id"`
	Name         string                  `json:"name"`
	Site         string                  `json:"site"`
	Status       string                  `json:"status"`
	Start        time.Time               `json:"start,omitzero"` // RFC 3339 in JSON
	End          time.Time               `json:"end,omitzero"`
	Reservations map[string]*Reservation `json:"reservations"`
}

// Reservation is what output shows of one reservation.
type Reservation struct {
	ID             string   `json:"id"`
	Type           string   `json:"type"`
	Addresses      []string `json:"addresses,omitempty"`       // floating IPs, once ACTIVE
	NetworkName    string   `json:"network_name,omitempty"`    // network reservations
	NetworkID      string   `json:"network_id,omitempty"`      // its Neutron network, once ACTIVE
	SegmentationID int      `json:"segmentation_id,omitempty"` // its VLAN
	Hosts          []Host   `json:"hosts,omitempty"`           // node reservations: the hosts held
	Devices        []string `json:"devices,omitempty"`         // device reservations: the devices held
	FlavorID       string   `json:"flavor_id,omitempty"`       // flavor reservations: the Nova flavor
	Count          int      `json:"count,omitempty"`           // resources reserved (max), or addresses
}

// FromState returns the outputs of every lease of st, from the state alone.
func FromState(st *state.File) map[string]*Lease {
	outs := map[string]*Lease{}
	for _, k := range st.Keys() {
		l, _ := st.Lease(k)
		o := &Lease{ID: l.ID, Name: l.Name, Site: l.Site, Status: l.Status,
			Start: l.Start, End: l.End, Reservations: map[string]*Reservation{}}
		for rk, r := range l.Reservations {
			// The network name is the one Blazar was sent, recorded in the state: Chameleon's
			// Blazar does not return it, and the Leasefile may have moved on since.
			o.Reservations[rk] = &Reservation{ID: r.ID, Type: r.ResourceType, NetworkName: r.NetworkName}
		}
		outs[k] = o
	}
	return outs
}

// NeedsLive reports whether the address asks for something only Blazar or Neutron knows
// (status, floating IPs, counts, hosts, devices, networks); IDs, names and the window come
// from the state alone.
func NeedsLive(addr string) bool {
	parts := strings.Split(addr, ".")
	switch len(parts) {
	case 1:
		return true
	case 2:
		switch parts[1] {
		case "id", "name", "site", "start", "end":
			return false
		}
		return true
	}
	switch parts[2] {
	case "addresses", "count", "hosts", "devices", "network_id", "segmentation_id", "flavor_id":
		return true
	}
	return false
}

// Covered returns the keys of the leases the address covers (all for ""), sorted, and the
// sites they are at, sorted.
func Covered(outs map[string]*Lease, addr string) (keys, sites []string) {
	only := strings.Split(addr, ".")[0]
	for _, k := range slices.Sorted(maps.Keys(outs)) {
		if only != "" && only != k {
			continue
		}
		keys = append(keys, k)
		if s := outs[k].Site; !slices.Contains(sites, s) {
			sites = append(sites, s)
		}
	}
	slices.Sort(sites)
	return keys, sites
}

// Observe records what Blazar lists of the lease (nil: it lists none with o's ID, and the
// lease is "DELETED"): its status, window and counts. It returns the floating IP
// reservations Blazar lists, whose addresses only Neutron knows, in Blazar's order.
func (o *Lease) Observe(l *leases.Lease) (floatingIPs []*Reservation) {
	if l == nil {
		o.Status = "DELETED"
		return nil
	}
	o.Status = l.Status
	o.Start, o.End = l.StartDate.UTC(), l.EndDate.UTC()
	for _, r := range l.Reservations {
		for _, ro := range o.Reservations {
			if ro.ID != r.ID {
				continue
			}
			if r.Max != nil {
				ro.Count = *r.Max
			}
			if r.Amount != nil {
				ro.Count = *r.Amount
			}
			if id, ok := r.Extra["flavor_id"].(string); ok {
				ro.FlavorID = id
			}
			if r.ResourceType == "virtual:floatingip" {
				floatingIPs = append(floatingIPs, ro)
			}
		}
	}
	return floatingIPs
}

// Lookup walks key[.reservation][.field] through the outputs: a *Lease, a *Reservation, or
// one field's value (string, int, time.Time, []string, []Host).
func Lookup(outs map[string]*Lease, addr string) (any, error) {
	parts := strings.Split(addr, ".")
	o, ok := outs[parts[0]]
	if !ok {
		return nil, fmt.Errorf("no lease %q in the state (have: %s)", parts[0], strings.Join(slices.Sorted(maps.Keys(outs)), ", "))
	}
	if len(parts) == 1 {
		return o, nil
	}
	switch parts[1] {
	case "id":
		return o.ID, nil
	case "name":
		return o.Name, nil
	case "site":
		return o.Site, nil
	case "status":
		return o.Status, nil
	case "start":
		return o.Start, nil
	case "end":
		return o.End, nil
	}
	r, ok := o.Reservations[parts[1]]
	if !ok {
		return nil, fmt.Errorf("lease %s has no output or reservation %q", parts[0], parts[1])
	}
	if len(parts) == 2 {
		return r, nil
	}
	switch parts[2] {
	case "id":
		return r.ID, nil
	case "type":
		return r.Type, nil
	case "addresses":
		return r.Addresses, nil
	case "network_name":
		return r.NetworkName, nil
	case "network_id":
		return r.NetworkID, nil
	case "segmentation_id":
		return r.SegmentationID, nil
	case "hosts":
		return r.Hosts, nil
	case "devices":
		return r.Devices, nil
	case "count":
		return r.Count, nil
	case "flavor_id":
		return r.FlavorID, nil
	}
	return nil, fmt.Errorf("reservation %s.%s has no output %q (id, type, addresses, network_name, network_id, segmentation_id, hosts, devices, count, flavor_id)", parts[0], parts[1], parts[2])
}
