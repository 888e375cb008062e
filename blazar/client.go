package blazar

import (
	"errors"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
)

// ServiceType is the Keystone catalog type of Blazar.
const ServiceType = "reservation"

// NewReservationV1 returns a ServiceClient for the Blazar v1 API of the catalog entry eo
// selects (type "reservation"; Availability defaults to public). It is gophercloud's own
// openstack.NewReservationV1 (since v2.16: the endpoint through provider.EndpointLocator with
// Version 1, and requests to URL + "v1/" when the catalog URL is unversioned, as real Blazar's
// bare host:port would otherwise send /leases to the deprecated Pecan v2 app), with an error
// instead of a panic for a provider that is not authenticated.
func NewReservationV1(provider *gophercloud.ProviderClient, eo gophercloud.EndpointOpts) (*gophercloud.ServiceClient, error) {
	if provider == nil || provider.EndpointLocator == nil {
		return nil, errors.New("blazar: provider client is not authenticated (no endpoint locator)")
	}
	sc, err := openstack.NewReservationV1(provider, eo)
	if err != nil {
		return nil, err
	}
	sc.ResourceBase = gophercloud.NormalizeURL(sc.ResourceBaseURL())
	return sc, nil
}
