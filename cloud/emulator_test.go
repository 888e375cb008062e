package cloud

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/emulator"
)

// startEmulator runs an emulator on a fake clock for the test.
func startEmulator(tb testing.TB) *emulator.Server {
	tb.Helper()
	srv, err := emulator.Start(emulator.Config{Clock: emulator.NewFakeClock(time.Date(2031, 3, 3, 8, 0, 0, 0, time.UTC))})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close() })
	return srv
}

// TestEmulatorApplicationCredentials connects to the emulator with its
// unrestricted and restricted application credentials from an injected
// openrc: the restricted one is flagged on the Site, and its lease creation
// fails with the bare 500 that cmd's remedy explains.
func TestEmulatorApplicationCredentials(t *testing.T) {
	srv := startEmulator(t)
	cases := []struct {
		id, secret string
		restricted bool
	}{
		{emulator.DemoAppCredID, emulator.DemoAppCredSecret, false},
		{emulator.RestrictedAppCredID, emulator.RestrictedAppCredSecret, true},
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
			e, _ := blazar.AsError(err)
			bare500 := e != nil && e.StatusCode == 500 && e.Kind == blazar.Internal && e.Message == "Internal Server Error"
			if (err == nil) == tc.restricted || bare500 != tc.restricted {
				t.Errorf("create: err %v; want a bare 500: %v", err, tc.restricted)
			}
		})
	}
}

// TestNoRegionServesOnlyTheCatalogsSite: an openrc without OS_REGION_NAME once served every
// site from its own cloud, so a lease for CHI@TACC was created at CHI@UC. Credentials without
// a region serve only the site named like their catalog's region.
func TestNoRegionServesOnlyTheCatalogsSite(t *testing.T) {
	srv := startEmulator(t)
	env := envMap("OS_AUTH_URL", srv.AuthURL("CHI@UC"), "OS_AUTH_TYPE", "password",
		"OS_USERNAME", emulator.DemoUser, "OS_PASSWORD", emulator.DemoPassword, "OS_PROJECT_NAME", emulator.DemoProject,
		"OS_USER_DOMAIN_NAME", emulator.DemoDomain, "OS_PROJECT_DOMAIN_NAME", emulator.DemoDomain)
	clouds := "clouds:\n  uc:\n    auth: {auth_url: " + srv.AuthURL("CHI@UC") + ", username: " + emulator.DemoUser +
		", password: " + emulator.DemoPassword + ", project_name: " + emulator.DemoProject +
		", user_domain_name: " + emulator.DemoDomain + ", project_domain_name: " + emulator.DemoDomain + "}\n"
	for _, tc := range []struct {
		name   string
		r      *Resolver
		source string
	}{
		{"openrc", &Resolver{Env: env, CloudsYAML: []byte("clouds: {}")}, "the OS_* environment"},
		{"OS_CLOUD", &Resolver{Env: envMap("OS_CLOUD", "uc"), CloudsYAML: []byte(clouds)}, "OS_CLOUD=uc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			site, err := tc.r.Connect(context.Background(), "CHI@UC")
			if err != nil {
				t.Fatal(err)
			}
			if site.Region != "CHI@UC" || site.Reservation.ServiceURL("leases") != srv.URL+"/chi-uc/reservation/v1/leases" {
				t.Errorf("CHI@UC: region %q, Blazar %s", site.Region, site.Reservation.ServiceURL("leases"))
			}
			if site.Compute == nil || site.Compute.ServiceURL("servers") != srv.URL+"/chi-uc/compute/v2.1/servers" {
				t.Errorf("CHI@UC: compute client %+v, want the region's Nova", site.Compute)
			}
			_, err = tc.r.Connect(context.Background(), "CHI@TACC")
			var nc *NoCredentialsError
			if !errors.As(err, &nc) || !strings.HasPrefix(err.Error(), `no credentials for site "CHI@TACC": `+tc.source) ||
				!strings.Contains(err.Error(), `region "CHI@UC", not "CHI@TACC"`) {
				t.Errorf("CHI@TACC: %v, want no credentials for the site, naming the catalog's region", err)
			}
		})
	}
}
