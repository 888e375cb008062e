/*
Package hosts reads Blazar's inventory of bare-metal hosts (/os-hosts): the
hosts, their allocations to reservations, and the extra-capability names
usable in resource_properties.

Upstream policy makes these admin-only; Chameleon opens listing, showing and
allocations to every project member, which is what availability checks use.
Creating, updating and deleting hosts is an operator task and not offered.

Example to see which hosts a lease holds:

	allocs, err := hosts.ListAllAllocations(ctx, client, blazar.AllocationListOpts{LeaseID: id})

Invariants: host ids are strings (numeric on most deployments); extra
capabilities (node_type, architecture.platform_type, ...) arrive as flat
top-level keys and are kept in Host.ExtraCapabilities.
*/
package hosts
