package blazartest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/blazar/blazartest"
	"github.com/chameleoncloud/leasefile/cloud"
	"github.com/chameleoncloud/leasefile/emulator"
)

func skylake(n int) []map[string]any {
	return []map[string]any{{
		"resource_type": "physical:host", "min": n, "max": n,
		"resource_properties":   `["==", "$node_type", "compute_skylake"]`,
		"hypervisor_properties": "",
	}}
}

func TestEmulator(t *testing.T) {
	clock := emulator.NewFakeClock(time.Date(2031, 3, 3, 8, 0, 30, 0, time.UTC))
	srv, err := emulator.Start(emulator.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

	const site = "CHI@UC"
	noEnv := func(string) string { return "" }
	demo, err := (&cloud.Resolver{Env: noEnv, CloudsYAML: srv.CloudsYAML()}).Connect(context.Background(), site)
	if err != nil {
		t.Fatal(err)
	}
	otherYAML := fmt.Sprintf("clouds:\n  other:\n    auth: {auth_url: %q, username: %q, password: %q, project_name: %q, user_domain_name: Default, project_domain_name: Default}\n    region_name: %q\n",
		srv.AuthURL(site), emulator.OtherUser, emulator.OtherPassword, emulator.OtherProject, site)
	other, err := (&cloud.Resolver{Env: noEnv, CloudsYAML: []byte(otherYAML), Sites: map[string]cloud.SiteConfig{site: {Cloud: "other"}}}).Connect(context.Background(), site)
	if err != nil {
		t.Fatal(err)
	}
	if other.ProjectID == demo.ProjectID {
		t.Fatalf("the two projects have the same id %q", demo.ProjectID)
	}
	blazartest.Run(t, blazartest.Env{
		Reservation:  demo.Reservation,
		Reservations: skylake(1),
		OverCapacity: skylake(100),
		Other:        other.Reservation,
		OpenByID:     true, // Chameleon's fork, the emulator's default profile
		Network:      demo.Network,
		Now:          clock.Now,
		Advance:      clock.Advance,
	})
}
