// Package outputs assembles what `leasefile output` hands to the next tool: the IDs, names
// and window of each lease from the state, and, when an address asks for them, the status,
// counts, floating IPs, hosts, devices and networks read from Blazar and Neutron.
//
// It is pure: the caller reads the state and lists what the clouds hold; this package only
// decides what each output is. Invariants: an address is key[.reservation][.field]; IDs,
// names and the window come from the state alone (NeedsLive is false for them, so that
// reading them never authenticates); a lease the state tracks and Blazar no longer lists is
// "DELETED"; a network's name is the one recorded in the state (Chameleon's Blazar does not
// return it); every list is sorted, so outputs are reproducible.
package outputs
