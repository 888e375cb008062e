package cloud

import (
	"context"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/emulator"
)

// TestEmulatorApplicationCredentials connects to the emulator with its
// unrestricted and restricted application credentials from an injected
// openrc: the restricted one is flagged on the Site, and its lease creation
// fails with the bare 500 that HintFor explains.
func TestEmulatorApplicationCredentials(t *testing.T) {
	srv, err := emulator.Start(emulator.Config{Clock: emulator.NewFakeClock(time.Date(2031, 3, 3, 8, 0, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cases := []struct {
		id, secret     string
		restricted     bool
		wantCreateHint string
	}{
		{emulator.DemoAppCredID, emulator.DemoAppCredSecret, false, ""},
		{emulator.RestrictedAppCredID, emulator.RestrictedAppCredSecret, true, blazar.HintUnrestrictedAppCred},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			r := &Resolver{Env: envMap("OS_AUTH_URL", srv.AuthURL("CHI@UC"), "OS_AUTH_TYPE", "v3applicationcredential",
				"OS_APPLICATION_CREDENTIAL_ID", tc.id, "OS_APPLICATION_CREDENTIAL_SECRET", tc.secret,
				"OS_REGION_NAME", "CHI@UC", "OS_INTERFACE", "public")}
			site, err := r.Connect(context.Background(), "CHI@UC")
			if err != nil {
				t.Fatal(err)
			}
			if site.RestrictedAppCred != tc.restricted || site.ProjectID == "" {
				t.Errorf("site: restricted %v project %q, want restricted %v", site.RestrictedAppCred, site.ProjectID, tc.restricted)
			}
			_, err = leases.Create(context.Background(), site.Reservation, leases.CreateOpts{
				Name: "appcred", Start: time.Date(2031, 3, 3, 10, 0, 0, 0, time.UTC), End: time.Date(2031, 3, 3, 12, 0, 0, 0, time.UTC),
				Reservations: []map[string]any{{"resource_type": "physical:host", "min": 1, "max": 1,
					"resource_properties": "", "hypervisor_properties": ""}},
			}).Extract()
			if got := blazar.HintFor(err, "create"); (err == nil) == tc.restricted || got != tc.wantCreateHint {
				t.Errorf("create: err %v, hint %q; want failure %v with hint %q", err, got, tc.restricted, tc.wantCreateHint)
			}
		})
	}
}
