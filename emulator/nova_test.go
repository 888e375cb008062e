package emulator_test

import (
	"context"
	"testing"

	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// TestNovaServers lists servers with gophercloud's compute client, found in the catalog by
// region: none at first, then the ones AddServer gave the project, one page at a time, and
// never another project's.
func TestNovaServers(t *testing.T) {
	s, err := emulator.Start(emulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	client := func(user, password, project string) *gophercloud.ServiceClient {
		pc, err := openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{IdentityEndpoint: s.AuthURL("CHI@UC"),
			Username: user, Password: password, DomainName: "Default", TenantName: project})
		if err != nil {
			t.Fatalf("auth: %v", err)
		}
		c, err := openstack.NewComputeV2(pc, gophercloud.EndpointOpts{Region: "CHI@UC"})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	names := func(c *gophercloud.ServiceClient, limit int) (out []string, pages int) {
		err := servers.List(c, servers.ListOpts{Limit: limit}).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
			ss, err := servers.ExtractServers(p)
			for _, sv := range ss {
				out = append(out, sv.Name+" "+sv.Status)
			}
			pages++
			return true, err
		})
		if err != nil {
			t.Fatalf("list servers: %v", err)
		}
		return out, pages
	}
	demo := client(emulator.DemoUser, emulator.DemoPassword, emulator.DemoProject)
	if got, _ := names(demo, 0); len(got) != 0 {
		t.Errorf("servers before any: %v", got)
	}
	for _, n := range []string{"node-1", "node-2", "node-3"} {
		if err := s.AddServer("CHI@UC", "", n); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddServer("CHI@TACC", "", "elsewhere"); err != nil {
		t.Fatal(err)
	}
	got, pages := names(demo, 2)
	if want := []string{"node-1 ACTIVE", "node-2 ACTIVE", "node-3 ACTIVE"}; len(got) != 3 || got[0] != want[0] || got[2] != want[2] || pages != 2 {
		t.Errorf("servers by pages of 2: %v in %d pages, want %v in 2", got, pages, want)
	}
	if got, _ := names(client(emulator.OtherUser, emulator.OtherPassword, emulator.OtherProject), 0); len(got) != 0 {
		t.Errorf("another project sees %v", got)
	}
	if err := s.AddServer("CHI@Nowhere", "", "x"); err == nil {
		t.Error("AddServer at an unknown site succeeded")
	}
}
