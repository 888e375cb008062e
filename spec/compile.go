package spec

import (
	"fmt"
	"strings"
)

// Constraints returns the resource query the reservation compiles to: the friendly fields as
// the constraints python-chi builds, combined with the raw resource_properties by "and".
func (r *Reservation) Constraints() Query {
	eq := func(key, v string) []any { return []any{"==", key, v} }
	var extra [][]any
	switch r.Type {
	case Node:
		if r.NodeType != "" {
			extra = append(extra, eq("$node_type", r.NodeType))
		}
		if r.Architecture != "" {
			extra = append(extra, eq("$architecture.platform_type", r.Architecture))
		}
		if r.NodeName != "" {
			extra = append(extra, eq("$node_name", r.NodeName))
		}
	case Device:
		if r.DeviceName != "" {
			extra = append(extra, eq("$name", r.DeviceName))
		}
		if r.MachineName != "" {
			extra = append(extra, eq("$machine_name", r.MachineName))
		}
		if r.DeviceModel != "" {
			extra = append(extra, eq("$model", r.DeviceModel))
		}
	case Network:
		extra = append(extra, eq("$physical_network", r.PhysicalNetwork))
		if r.StitchProvider != "" {
			extra = append(extra, eq("$stitch_provider", r.StitchProvider))
		}
		if r.UsageType != "" {
			extra = append(extra, eq("$usage_type", r.UsageType))
		}
	}
	return Combine(r.ResourceProperties, extra...)
}

// NetworkDescription is the network_description Blazar gets: the description, then the
// OFController and VSwitchName settings python-chi encodes there.
func (r *Reservation) NetworkDescription() string {
	var parts []string
	if r.Description != "" {
		parts = append(parts, r.Description)
	}
	if r.OFController != nil {
		parts = append(parts, fmt.Sprintf("OFController=%s:%d", r.OFController.IP, r.OFController.Port))
	}
	if r.VSwitchName != "" {
		parts = append(parts, "VSwitchName="+r.VSwitchName)
	}
	return strings.Join(parts, ",")
}

// Body is the exact reservation object of a Blazar create request. beforeEnd is the lease's
// before_end, sent only when the Leasefile sets it. A floating IP body has no network_id yet:
// the caller resolves FloatingNetwork through Neutron and adds it; a flavor body has no
// flavor_id yet: the caller resolves FlavorName through Nova.
func (r *Reservation) Body(beforeEnd string, beforeEndSet bool) ReservationBody {
	b := ReservationBody{ResourceType: r.Type.ResourceType()}
	switch r.Type {
	case Node:
		b.Min, b.Max = ref(r.Min), ref(r.Max)
		b.ResourceProperties = ref(r.Constraints().Encode())
		b.HypervisorProperties = ref("")
	case Device:
		b.Min, b.Max = ref(r.Min), ref(r.Max)
		b.ResourceProperties = ref(r.Constraints().Encode())
	case Network:
		b.NetworkName = ref(r.NetworkName)
		b.NetworkDescription = ref(r.NetworkDescription())
		b.ResourceProperties = ref(r.Constraints().Encode())
		b.NetworkProperties = ref("")
	case FloatingIP:
		b.Amount = ref(r.Max)
		b.RequiredFloatingIPs = r.Addresses
		if b.RequiredFloatingIPs == nil {
			b.RequiredFloatingIPs = []string{}
		}
	case Flavor:
		// flavor_id is resolved from FlavorName through Nova at apply, as python-chi does.
		b.Amount = ref(r.Max)
	}
	if beforeEndSet && r.Type != FloatingIP && r.Type != Flavor {
		b.BeforeEnd = ref(beforeEnd)
	}
	return b
}
