/*
Package floatingips reads Blazar's inventory of reservable floating IPs
(/floatingips). These are Blazar's records, not Neutron's floating IPs: the
Neutron address of a reservation appears only once its lease is active (see
blazar.ReservedFloatingIPs).

Example:

	fips, err := floatingips.ListAll(ctx, client)
*/
package floatingips
