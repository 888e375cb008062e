// Package blazar is a client for the OpenStack Blazar (reservation) v1 API,
// written in gophercloud v2's style: NewReservationV1 builds a
// *gophercloud.ServiceClient for catalog type "reservation", and one
// subpackage per API resource (leases, hosts, devices, networks,
// floatingips) holds its requests, results and URLs.
//
// This package also holds what the resource packages share:
//
//   - Error, the single error type for every failed call. It is decoded from
//     whichever body shape answered (Blazar's own, werkzeug's, keystonemiddleware's
//     or Neutron's) and classified into a Kind used for retries and messages.
//     Error() is the server's own message, never a bare status code.
//   - Blazar's date formats: output dates come as "2006-01-02T15:04:05.000000"
//     (leases, events, allocations) or "2006-01-02 15:04:05" (created_at,
//     updated_at); input dates must be "2006-01-02 15:04" in UTC or "now".
//   - the two Neutron lookups leases need (a network id by name, and the
//     floating IPs Blazar tagged for a reservation).
//
// # gophercloud's own reservation client
//
// gophercloud v2.16 ships openstack/reservation/v1/leases and .../hosts and
// openstack.NewReservationV1. NewReservationV1 here is upstream's (with an error for an
// unauthenticated provider). The resource packages stay ours, by measurement (issue 10.4):
//
//   - leases: upstream's Lease and Reservation lose fields Chameleon's fork returns and the
//     plan reads (the lease's status_reason; a reservation's network_id,
//     required_floatingips and every other key, which ours keeps in Extra: network_name,
//     network_description, on_start, the device reservations' fields), and they cost speed:
//     decoding a 10,000-lease list (BenchmarkDecodeList10000, 16.8 MB, 2 cores under load)
//     takes 419 ms of CPU, 78 MB and 1.07M allocations with upstream's types; 73 ms, 34 MB
//     and 0.53M with leases' decoder; 19 ms, 5.7 MB and 33k when, as in a plan, only the
//     1,000 tracked leases keep their reservations (the encoding/json decoder it replaced:
//     560 ms, 156 MB, 1.9M). docs/benchmarks.md has the table.
//   - hosts: upstream's Host wants a string id and ints where Blazar and its fork send
//     either, puts the fork's "disabled" among the extra capabilities, and decodes each host
//     twice (the struct, then a map for the capabilities).
//   - devices, networks, floating IPs and allocations (the fork's resources) have no
//     upstream package.
//
// Requests follow upstream's shapes (CreateOptsBuilder, UpdateOptsBuilder), so a caller can
// pass upstream's option types where they fit.
//
// Invariants: every call of the resource packages returns either nil or an
// error that AsError recognises (HTTP failures and broken connections), or a
// context error; times returned are UTC; nothing here logs or prints.
package blazar
