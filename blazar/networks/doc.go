/*
Package networks reads the VLAN segments of Chameleon's Blazar fork
(/networks): the segments, their allocations and their properties.

Example:

	segs, err := networks.ListAll(ctx, client)
	allocs, err := networks.ListAllAllocations(ctx, client, blazar.AllocationListOpts{})

Invariant: every key a Network does not model (usage_type, stitch_provider,
...) is kept in ExtraCapabilities.
*/
package networks
