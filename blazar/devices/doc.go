/*
Package devices reads the edge devices of Chameleon's Blazar fork
(/devices, CHI@Edge): the devices and their allocations.

The per-device allocation route is broken on the fork (it answers 500), so
only the full allocation list is offered, as python-chi does.

Example:

	devs, err := devices.ListAll(ctx, client)
	allocs, err := devices.ListAllAllocations(ctx, client, blazar.AllocationListOpts{})

Invariant: every key a Device does not model (uid, machine_name, model,
vendor, ...) is kept in ExtraCapabilities.
*/
package devices
