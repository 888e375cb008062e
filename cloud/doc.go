// Package cloud turns a site name into authenticated OpenStack service
// clients: a Blazar (reservation) client and a Neutron (network) client for
// that site's project.
//
// A site resolves, in order, to the clouds.yaml entry named in the
// Leasefile's sites.<site>.cloud (with its optional region), else the
// clouds.yaml entry named exactly like the site, else the cloud OS_CLOUD
// names, else the OS_* variables of an openrc file. The last two are one
// cloud for every site: with a region they serve the site of that name (or
// the one whose sites.<site>.region says so), without one only the site
// named like their catalog's region. clouds.yaml is searched
// where the OpenStack clients look (OS_CLIENT_CONFIG_FILE, ./clouds.yaml,
// ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml) with
// secure.yaml merged in, unless the content is injected (--local).
// Password and application-credential auth are supported; tokens
// re-authenticate when they expire mid-run.
//
// OpenID Connect (oidc.go): ccauth's v3chameleonoidc and keystoneauth's
// v3oidcdeviceauthz and v3oidcaccesstoken get an access token (from the
// refresh token in ccauth's cache, shared with ccauth and written back when
// it rotates, else from a device login that only an interactive run, one with
// Resolver.DeviceLogin set, may start), exchange it at Keystone's
// OS-FEDERATION auth endpoint for an unscoped token, and scope that to the
// project; re-authentication repeats all of it. Sites reached through the
// same provider and client share one login.
//
// clouds.yaml and the OS_* variables are both read through gophercloud's
// openstack/config/clouds.Parse (the latter as overrides of an empty entry),
// so secure.yaml, cacert/verify/cert/key and the domain fields follow its
// rules; this package only lists the file's entry names (for the resolution
// order and messages) and turns Parse's AuthOptions into one unambiguous
// Keystone request. openstack.AuthOptionsFromEnv is not used: it ignores
// OS_USER_DOMAIN_NAME and OS_PROJECT_DOMAIN_*.
//
// Invariants: a Resolver authenticates each site once and is safe for
// concurrent use; no password, secret or token is ever put in an error
// message; errors a user can act on (no credentials, refused credentials)
// say what was tried and what to do. DebugTransport traces HTTP with every
// secret redacted.
package cloud
