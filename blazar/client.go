package blazar

import (
	"errors"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
)

// ServiceType is the Keystone catalog type of Blazar.
const ServiceType = "reservation"

// NewReservationV1 returns a ServiceClient for the Blazar v1 API of the
// catalog entry eo selects (type "reservation"; Availability defaults to
// public). It mirrors gophercloud's own constructors: the endpoint is looked
// up through provider.EndpointLocator with Version 1, and if the catalog URL
// is unversioned the requests go to URL + "v1/", as NewBareMetalV1 does.
func NewReservationV1(provider *gophercloud.ProviderClient, eo gophercloud.EndpointOpts) (*gophercloud.ServiceClient, error) {
	if provider == nil || provider.EndpointLocator == nil {
		return nil, errors.New("blazar: provider client is not authenticated (no endpoint locator)")
	}
	eo.ApplyDefaults(ServiceType)
	if eo.Version != 0 && eo.Version != 1 {
		return nil, errors.New("blazar: conflict between requested service major version and v1")
	}
	eo.Version = 1
	url, err := provider.EndpointLocator(eo)
	if err != nil {
		return nil, err
	}
	sc := &gophercloud.ServiceClient{
		ProviderClient: provider,
		Endpoint:       url,
		Type:           ServiceType,
	}
	// Real Blazar registers ".../v1"; a bare host:port would otherwise send
	// /leases to the deprecated Pecan v2 app.
	if !strings.HasSuffix(strings.TrimSuffix(url, "/"), "/v1") {
		sc.ResourceBase = gophercloud.NormalizeURL(url) + "v1/"
	}
	return sc, nil
}
