package emulator_test

import (
	"context"
	"testing"

	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
)

// TestGophercloud authenticates with gophercloud itself, finds the
// reservation and network endpoints in the catalog by region, and lists
// leases and networks: a real client must not notice the emulator.
func TestGophercloud(t *testing.T) {
	s, err := emulator.Start(emulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for _, ao := range []gophercloud.AuthOptions{
		{IdentityEndpoint: s.AuthURL("CHI@TACC"), Username: "demo", Password: "demo", DomainName: "Default", TenantName: "demo"},
		{IdentityEndpoint: s.URL + "/chi-tacc/identity/", ApplicationCredentialID: emulator.DemoAppCredID, ApplicationCredentialSecret: emulator.DemoAppCredSecret},
	} {
		pc, err := openstack.AuthenticatedClient(ctx, ao)
		if err != nil {
			t.Fatalf("auth: %v", err)
		}
		eo := gophercloud.EndpointOpts{Type: "reservation", Region: "CHI@TACC", Availability: gophercloud.AvailabilityPublic}
		url, err := pc.EndpointLocator(eo)
		if err != nil {
			t.Fatal(err)
		}
		sc := &gophercloud.ServiceClient{ProviderClient: pc, Endpoint: url, Type: "reservation"}
		var body struct {
			Leases []map[string]any `json:"leases"`
		}
		if _, err := sc.Get(ctx, sc.ServiceURL("leases"), &body, nil); err != nil {
			t.Fatalf("list leases: %v", err)
		}
		if body.Leases == nil {
			t.Error("no leases key")
		}
		nc, err := openstack.NewNetworkV2(pc, gophercloud.EndpointOpts{Region: "CHI@TACC"})
		if err != nil {
			t.Fatal(err)
		}
		var nets struct {
			Networks []map[string]any `json:"networks"`
		}
		if _, err := nc.Get(ctx, nc.ServiceURL("networks")+"?name=public", &nets, nil); err != nil || len(nets.Networks) != 1 {
			t.Fatalf("networks: %v %v", err, nets)
		}
	}
}
