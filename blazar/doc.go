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
// Invariants: every call of the resource packages returns either nil or an
// error that AsError recognises (HTTP failures and broken connections), or a
// context error; times returned are UTC; nothing here logs or prints.
package blazar
