// Package emulator is a local, faithful stand-in for a Chameleon-like
// cloud: Keystone v3, the Blazar v1 reservation API and the few Neutron
// and Nova reads that leases need, for several sites, as one http.Handler.
//
// It is a product feature (`leasefile emulator serve`, `--local`), so real
// clients (gophercloud, python-blazarclient and the `openstack reservation`
// CLI, python-chi) must not notice a difference: answers follow Blazar's
// JSON shapes, date formats, status codes and error messages, as recorded
// from real services. It imports none of the project's packages (but the
// leaf internal/chameleon, see Invariants), so a wrong JSON tag in the client
// cannot hide behind the same mistake here.
//
// # URL layout
//
// For a site named "CHI@UC" the slug is "chi-uc":
//
//	{URL}/chi-uc/identity/        Keystone (GET / -> 300, GET /v3, POST /v3/auth/tokens)
//	{URL}/chi-uc/reservation/v1/  Blazar (catalog type "reservation", name "blazar")
//	{URL}/chi-uc/network/         Neutron (catalog type "network"; clients add v2.0/)
//	{URL}/chi-uc/compute/v2.1/    Nova (catalog type "compute", nova.go): GET /servers[/detail], and
//	                              GET /flavors[/detail] at sites with flavors (KVM@TACC)
//	{URL}/auth/realms/chameleon/  OpenID Connect provider for every site (oidc.go): discovery,
//	                              device authorization, token endpoint with rotating refresh tokens
//	{URL}/chi-uc/identity/v3/OS-FEDERATION/identity_providers/chameleon/protocols/openid/auth
//	                              Keystone's federation exchange: access token -> unscoped token
//
// The catalog's region (region and region_id) is the site name. A token is
// valid only at the site that issued it.
//
// # Profiles
//
// Where Chameleon's Blazar fork and upstream Blazar differ, Config.Blazar (or the
// inventory's "blazar") picks one: BlazarChameleon, the default, or BlazarUpstream (see
// profile.go for the list). Config.Keystone picks whether Blazar can make a trust from an
// application credential: KeystoneLegacy (the default), KeystoneFixed, KeystoneInsecureEscalation.
//
// # Invariants
//
//   - Lease statuses are never stored: they are derived from the Clock on
//     every read. The manager polls its events every Config.EventInterval: a
//     lease is PENDING until the first poll at or after its start (and not
//     before its creation), then STARTING for Config.StartDelay, then ACTIVE
//     (or ERROR after FailOnStart); past its end it stays ACTIVE until the next
//     poll, is TERMINATING for StartDelay, then TERMINATED, and stays listed; a
//     mutation after the end records that the end ran, so moving the end later
//     never revives it. Floating IPs and VLAN networks appear in Neutron exactly
//     while the lease is ACTIVE. This is what lets a file-backed emulator move
//     leases along between separate CLI runs.
//   - Resources are allocated at create time (and re-checked on update);
//     a failure rolls the whole lease back.
//   - A list shows only the caller's project's leases. By id, the fork lets
//     any user read, update and delete any lease (upstream answers 403); a
//     lease's hosts, networks and devices stay private (404). Hosts, devices,
//     networks, floating IPs and allocations are readable by any authenticated
//     user (Chameleon's policy); writes to them are refused as for a non-admin.
//   - With Config.DataFile set, the leases (never tokens or secrets) are
//     saved after every mutation, before it is answered: the leases it added,
//     replaced or removed as one fsynced line appended to DataFile.journal
//     (mode 0600), so a mutation costs what it changed. A change that replaces
//     no lease (an operator's in-place edit), the first save and every load
//     rewrite the whole DataFile instead: temp file in the same directory,
//     fsync, rename, mode 0600, then the journal is removed. A torn last
//     journal line (a crash mid-write, never answered) is ignored on load. A
//     failed save reads the state back from disk and answers 500.
//   - The OpenID Connect realm (users log in as the Keystone user of the same name) keeps its
//     device codes and tokens in memory only, under its own lock; refresh tokens rotate and
//     work once. Keystone's federation exchange answers an unscoped token, which no service
//     accepts until it is scoped to a project.
//   - One mutex guards all state; latency and faults are served outside it,
//     and so are reading, bounding (413 past 1 MiB, a nesting limit) and
//     decoding request bodies and every create check that needs no other
//     lease. Work under the lock is linear in the body's size.
//   - It imports none of the project's packages but internal/chameleon, a leaf
//     of constants and pure functions holding the fork's rules the planner
//     applies too (one source of truth per rule); no client type.
//   - SeedOtherProjects (called by --local, not by tests that count leases) books the "other"
//     project's leases through the same create path as a user's, once per data file, keeping
//     at least two hosts of every node type free for three days.
//
// # Inventory file
//
// LoadInventory reads JSON. Users, projects and application credentials
// default to the demo set (demo/demo, other/other, the demo-appcred
// application credential); minutes_before_end defaults to Blazar's 60; the
// lease policy is off unless max_lease_seconds is set. A resource type is
// enabled at a site when the site has resources of that type. Example:
//
//	{
//	  "sites": [{
//	    "name": "CHI@UC",
//	    "minutes_before_end": 2880,
//	    "cleaning_gap_minutes": 0,
//	    "max_lease_seconds": 604800,
//	    "extension_window_seconds": 172800,
//	    "hosts": [{"id": "1", "hypervisor_hostname": "c01", "vcpus": 48,
//	               "memory_mb": 196608, "local_gb": 240,
//	               "extra": {"node_type": "compute_skylake", "node_name": "c01"}}],
//	    "network_segments": [{"id": "1", "network_type": "vlan",
//	               "physical_network": "physnet1", "segment_id": 3000}],
//	    "floating_ips": {"network_name": "public", "cidr": "192.0.2.0/24",
//	               "gateway_ip": "192.0.2.1", "addresses": ["192.0.2.101"]}
//	  }, {
//	    "name": "CHI@Edge",
//	    "devices": [{"id": "d1", "name": "rpi-01", "device_type": "container",
//	               "device_driver": "k8s",
//	               "extra": {"machine_name": "raspberrypi4-64", "uid": "u1"}}]
//	  }]
//	}
//
// Optional top-level keys: "blazar" and "keystone" (profiles), "users" ([{id, name, password, project}]),
// "projects" ([{id, name}]) and "application_credentials" ([{id, name,
// secret, user, restricted}]). A site may set
// "delete_returns_empty_object": true for Chameleon's 200 {} on DELETE
// instead of upstream's 204.
package emulator
