//go:build realcloud

package blazartest_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/chameleoncloud/leasefile/blazar/blazartest"
	"github.com/chameleoncloud/leasefile/cloud"
)

// TestRealCloud runs the suite against a real Blazar:
//
//	source CHI-xxxxx-openrc.sh   # or OS_CLOUD=chi-uc with a clouds.yaml
//	go test -tags realcloud -run RealCloud ./blazar/blazartest/
//
// LEASEFILE_TEST_SITE names the site (default: OS_REGION_NAME);
// LEASEFILE_TEST_RESERVATIONS is the JSON list of reservations of a small
// lease (default: one compute_skylake host); LEASEFILE_TEST_OVER_CAPACITY
// one the site cannot grant (default: 500 such hosts); and
// LEASEFILE_TEST_OTHER_CLOUD a clouds.yaml entry of a second project, for
// the isolation checks. The leases it creates start two hours ahead and are
// deleted at the end.
func TestRealCloud(t *testing.T) {
	site := os.Getenv("LEASEFILE_TEST_SITE")
	if site == "" {
		site = os.Getenv("OS_REGION_NAME")
	}
	if site == "" {
		t.Fatal("set LEASEFILE_TEST_SITE or OS_REGION_NAME")
	}
	ctx := context.Background()
	r := &cloud.Resolver{UserAgent: "leasefile-blazartest"}
	s, err := r.Connect(ctx, site)
	if err != nil {
		t.Fatal(err)
	}
	env := blazartest.Env{
		Reservation:  s.Reservation,
		Network:      s.Network,
		Reservations: skylake(1),
		OverCapacity: skylake(500),
	}
	for name, dst := range map[string]*[]map[string]any{
		"LEASEFILE_TEST_RESERVATIONS":  &env.Reservations,
		"LEASEFILE_TEST_OVER_CAPACITY": &env.OverCapacity,
	} {
		if v := os.Getenv(name); v != "" {
			if err := json.Unmarshal([]byte(v), dst); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
	if c := os.Getenv("LEASEFILE_TEST_OTHER_CLOUD"); c != "" {
		other, err := (&cloud.Resolver{Sites: map[string]cloud.SiteConfig{site: {Cloud: c}}}).Connect(ctx, site)
		if err != nil {
			t.Fatal(err)
		}
		env.Other = other.Reservation
	}
	blazartest.Run(t, env)
}
