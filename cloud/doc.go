// Package cloud turns a site name into authenticated OpenStack service
// clients: a Blazar (reservation) client and a Neutron (network) client for
// that site's project.
//
// A site resolves, in order, to the clouds.yaml entry named in the
// Leasefile's sites.<site>.cloud (with its optional region), else the
// clouds.yaml entry named exactly like the site, else the cloud OS_CLOUD
// names, else the OS_* variables of an openrc file. clouds.yaml is searched
// where the OpenStack clients look (OS_CLIENT_CONFIG_FILE, ./clouds.yaml,
// ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml) with
// secure.yaml merged in, unless the content is injected (--local).
// Password and application-credential auth are supported; tokens
// re-authenticate when they expire mid-run.
//
// The clouds.yaml reader is this package's own: gophercloud's
// openstack/config/clouds needs gopkg.in/yaml.v2, which is not among the
// module's dependencies. It follows that package's rules (coalescing of the
// domain fields, verify/cacert, secure.yaml).
//
// Invariants: a Resolver authenticates each site once and is safe for
// concurrent use; no password, secret or token is ever put in an error
// message; errors a user can act on (no credentials, refused credentials)
// say what was tried and what to do. DebugTransport traces HTTP with every
// secret redacted.
package cloud
