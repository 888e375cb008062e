package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/google/go-cmp/cmp"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
)

// envMap is an injected environment.
func envMap(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func passwordCloud(name, authURL, region string) string {
	return fmt.Sprintf(`
  %q:
    auth:
      auth_url: %s
      username: demo
      password: %s
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
    region_name: %q
    interface: public
    identity_api_version: 3
`, name, authURL, demoPassword, region)
}

func TestConnectPassword(t *testing.T) {
	k := newFakeKeystone(t, false)
	r := &Resolver{
		Env:        envMap(),
		CloudsYAML: []byte("clouds:" + passwordCloud("CHI@UC", k.authURL(), demoRegion)),
		UserAgent:  "leasefile/test",
	}
	site, err := r.Connect(context.Background(), "CHI@UC")
	if err != nil {
		t.Fatal(err)
	}
	got := Site{Name: site.Name, AuthURL: site.AuthURL, ProjectID: site.ProjectID, UserID: site.UserID,
		Region: site.Region, Source: site.Source}
	want := Site{Name: "CHI@UC", AuthURL: k.authURL(), ProjectID: demoProjectID, UserID: demoUserID,
		Region: demoRegion, Source: `clouds.yaml entry "CHI@UC" (the clouds.yaml given to leasefile)`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("site (-want +got):\n%s", diff)
	}
	if site.Reservation.ServiceURL("leases") != k.srv.URL+"/reservation/v1/leases" {
		t.Errorf("reservation URL %s", site.Reservation.ServiceURL("leases"))
	}
	if site.Network == nil || site.Network.ServiceURL("networks") != k.srv.URL+"/network/v2.0/networks" {
		t.Errorf("network client %+v", site.Network)
	}
	if site.Compute != nil { // the fake catalog has no compute endpoint: whether servers run is unknown
		t.Errorf("compute client %+v from a catalog without one", site.Compute)
	}
	if _, err := leases.ListAll(context.Background(), site.Reservation); err != nil {
		t.Fatal(err)
	}
	// The scope names the project in its domain.
	scope, _ := k.lastAuth["auth"].(map[string]any)["scope"].(map[string]any)
	wantScope := map[string]any{"project": map[string]any{"name": "demo", "domain": map[string]any{"name": "Default"}}}
	if diff := cmp.Diff(wantScope, scope); diff != "" {
		t.Errorf("scope (-want +got):\n%s", diff)
	}
}

func TestConnectApplicationCredential(t *testing.T) {
	cases := []struct {
		name string
		env  func(string) string
	}{
		{"by id from an openrc", envMap("OS_AUTH_URL", "", "OS_AUTH_TYPE", "v3applicationcredential",
			"OS_APPLICATION_CREDENTIAL_ID", demoAppCredID, "OS_APPLICATION_CREDENTIAL_SECRET", demoAppSecret,
			"OS_REGION_NAME", demoRegion, "OS_INTERFACE", "public", "OS_IDENTITY_API_VERSION", "3")},
		{"by name and user", envMap("OS_AUTH_URL", "", "OS_AUTH_TYPE", "v3applicationcredential",
			"OS_APPLICATION_CREDENTIAL_NAME", "leasefile", "OS_USERNAME", demoUser, "OS_USER_DOMAIN_NAME", keystoneDomain,
			"OS_APPLICATION_CREDENTIAL_SECRET", demoAppSecret, "OS_PROJECT_NAME", "ignored-with-app-creds")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := newFakeKeystone(t, false)
			k.restricted = true
			env := func(key string) string {
				if key == "OS_AUTH_URL" {
					return k.authURL()
				}
				return tc.env(key)
			}
			r := &Resolver{Env: env, CloudsYAML: []byte("clouds: {}")}
			site, err := r.Connect(context.Background(), "CHI@UC")
			if err != nil {
				t.Fatal(err)
			}
			if site.ProjectID != demoProjectID || !site.RestrictedAppCred ||
				site.Source != "the OS_* environment (OS_AUTH_URL="+k.authURL()+")" {
				t.Errorf("site = %+v", site)
			}
			if _, err := leases.ListAll(context.Background(), site.Reservation); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestResolutionOrder(t *testing.T) {
	const clouds = `clouds:
  chi-uc: {auth: {auth_url: "https://uc/v3", application_credential_id: a, application_credential_secret: s}, region_name: CHI@UC}
  CHI@TACC: {auth: {auth_url: "https://tacc/v3", application_credential_id: a, application_credential_secret: s}, region_name: CHI@TACC}
  default: {auth: {auth_url: "https://default/v3", application_credential_id: a, application_credential_secret: s}, region_name: RegionOne}
`
	type got struct{ Source, AuthURL, Region string }
	cases := []struct {
		name  string
		site  string
		sites map[string]SiteConfig
		env   []string
		want  got
	}{
		{"sites.<site>.cloud wins over a same-named entry and the environment", "CHI@TACC",
			map[string]SiteConfig{"CHI@TACC": {Cloud: "chi-uc"}}, []string{"OS_AUTH_URL", "https://env/v3", "OS_CLOUD", "default"},
			got{`clouds.yaml entry "chi-uc" (the clouds.yaml given to leasefile)`, "https://uc/v3", "CHI@UC"}},
		{"sites.<site>.region overrides the entry's", "uc",
			map[string]SiteConfig{"uc": {Cloud: "chi-uc", Region: "Other"}}, nil,
			got{`clouds.yaml entry "chi-uc" (the clouds.yaml given to leasefile)`, "https://uc/v3", "Other"}},
		{"an entry named like the site", "CHI@TACC", nil, []string{"OS_AUTH_URL", "https://env/v3", "OS_REGION_NAME", "X"},
			got{`clouds.yaml entry "CHI@TACC" (the clouds.yaml given to leasefile)`, "https://tacc/v3", "CHI@TACC"}},
		{"OS_CLOUD before OS_AUTH_URL, with OS_REGION_NAME", "CHI@Edge", nil,
			[]string{"OS_CLOUD", "default", "OS_AUTH_URL", "https://env/v3", "OS_REGION_NAME", "CHI@Edge"},
			got{`OS_CLOUD=default: clouds.yaml entry "default" (the clouds.yaml given to leasefile)`, "https://default/v3", "CHI@Edge"}},
		{"the OS_* environment last", "CHI@Edge", nil,
			[]string{"OS_AUTH_URL", "https://env/v3", "OS_REGION_NAME", "CHI@Edge"},
			got{"the OS_* environment (OS_AUTH_URL=https://env/v3)", "https://env/v3", "CHI@Edge"}},
		{"a region-only site setting still applies to the environment", "edge",
			map[string]SiteConfig{"edge": {Region: "CHI@Edge"}}, []string{"OS_AUTH_URL", "https://env/v3", "OS_REGION_NAME", "CHI@UC"},
			got{"the OS_* environment (OS_AUTH_URL=https://env/v3)", "https://env/v3", "CHI@Edge"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &Resolver{Env: envMap(tc.env...), CloudsYAML: []byte(clouds), Sites: tc.sites}
			res, err := r.resolve(tc.site)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got{res.source, res.auth.IdentityEndpoint, res.eo.Region}); diff != "" {
				t.Errorf("resolve (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRegionMismatch: one set of credentials (an openrc, OS_CLOUD) is one site; using it for
// a site of another name would put leases at the wrong site.
func TestRegionMismatch(t *testing.T) {
	const clouds = `clouds:
  default: {auth: {auth_url: "https://uc/v3", application_credential_id: a, application_credential_secret: s}, region_name: CHI@UC}
`
	for _, tc := range []struct {
		name string
		env  []string
	}{
		{"openrc", []string{"OS_AUTH_URL", "https://uc/v3", "OS_REGION_NAME", "CHI@UC"}},
		{"OS_CLOUD", []string{"OS_CLOUD", "default"}},
	} {
		r := &Resolver{Env: envMap(tc.env...), CloudsYAML: []byte(clouds)}
		_, err := r.resolve("CHI@TACC")
		var rm *RegionMismatchError
		if !errors.As(err, &rm) || rm.Region != "CHI@UC" || !strings.Contains(err.Error(), `add a clouds.yaml entry named "CHI@TACC"`) {
			t.Errorf("%s for CHI@TACC: %v, want a region mismatch naming CHI@UC", tc.name, err)
		}
		if _, err := r.resolve("CHI@UC"); err != nil {
			t.Errorf("%s for its own site: %v", tc.name, err)
		}
	}
}

func TestCloudsYAMLSearchPathAndSecureYAML(t *testing.T) {
	k := newFakeKeystone(t, false)
	t.Chdir(t.TempDir()) // no ./clouds.yaml
	home := t.TempDir()
	dir := filepath.Join(home, ".config", "openstack")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("clouds.yaml", fmt.Sprintf("clouds:\n  CHI@UC:\n    auth: {auth_url: %s, application_credential_id: %s}\n    region_name: CHI@UC\n",
		k.authURL(), demoAppCredID))
	// The secret is only in secure.yaml: authenticating proves the merge.
	write("secure.yaml", "clouds:\n  CHI@UC:\n    auth: {application_credential_secret: "+demoAppSecret+"}\n")

	r := &Resolver{Env: envMap("HOME", home)}
	site, err := r.Connect(context.Background(), "CHI@UC")
	if err != nil {
		t.Fatal(err)
	}
	wantSrc := fmt.Sprintf("clouds.yaml entry %q (%s)", "CHI@UC", filepath.Join(dir, "clouds.yaml"))
	if diff := cmp.Diff([]string{wantSrc, demoProjectID}, []string{site.Source, site.ProjectID}); diff != "" {
		t.Errorf("source, project (-want +got):\n%s", diff)
	}

	// OS_CLIENT_CONFIG_FILE replaces the search path.
	r = &Resolver{Env: envMap("HOME", home, "OS_CLIENT_CONFIG_FILE", filepath.Join(home, "none.yaml"))}
	_, err = r.Connect(context.Background(), "CHI@UC")
	if !errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), filepath.Join(home, "none.yaml")) {
		t.Errorf("Connect with a missing OS_CLIENT_CONFIG_FILE = %v", err)
	}
}

// TestProcessEnvironmentDoesNotOverrideEntry checks that clouds.Parse's
// defaults from the process environment (OS_REGION_NAME, OS_INTERFACE) do
// not override an entry named like the site or in sites.<site>.cloud.
func TestProcessEnvironmentDoesNotOverrideEntry(t *testing.T) {
	k := newFakeKeystone(t, false)
	t.Setenv("OS_REGION_NAME", "Elsewhere")
	t.Setenv("OS_INTERFACE", "internal")
	r := &Resolver{Env: envMap(), CloudsYAML: []byte("clouds:" + passwordCloud("CHI@UC", k.authURL(), demoRegion))}
	site, err := r.Connect(context.Background(), "CHI@UC")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{demoRegion, k.srv.URL + "/reservation/v1/"}, []string{site.Region, site.Reservation.Endpoint}); diff != "" {
		t.Errorf("region, endpoint (-want +got):\n%s", diff)
	}
}

// TestOpenrcPassword authenticates with the variables of a Keystone v3
// openrc, whose domains are OS_USER_DOMAIN_NAME and OS_PROJECT_DOMAIN_NAME.
func TestOpenrcPassword(t *testing.T) {
	k := newFakeKeystone(t, false)
	r := &Resolver{Env: envMap("OS_AUTH_URL", k.authURL(), "OS_USERNAME", demoUser, "OS_PASSWORD", demoPassword,
		"OS_PROJECT_NAME", "demo", "OS_USER_DOMAIN_NAME", keystoneDomain, "OS_PROJECT_DOMAIN_NAME", keystoneDomain,
		"OS_REGION_NAME", demoRegion, "OS_INTERFACE", "public", "OS_IDENTITY_API_VERSION", "3", "OS_AUTH_TYPE", "password"),
		CloudsYAML: []byte("clouds: {}")}
	site, err := r.Connect(context.Background(), "CHI@UC")
	if err != nil {
		t.Fatal(err)
	}
	if site.ProjectID != demoProjectID {
		t.Errorf("project %q", site.ProjectID)
	}
	scope, _ := k.lastAuth["auth"].(map[string]any)["scope"].(map[string]any)
	wantScope := map[string]any{"project": map[string]any{"name": "demo", "domain": map[string]any{"name": "Default"}}}
	if diff := cmp.Diff(wantScope, scope); diff != "" {
		t.Errorf("scope (-want +got):\n%s", diff)
	}
}

func TestEntryErrors(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"no auth section", "clouds: {CHI@UC: {region_name: CHI@UC}}",
			`site "CHI@UC": clouds.yaml entry "CHI@UC" (the clouds.yaml given to leasefile): the entry has no auth section`},
		{"unreadable cacert", "clouds: {CHI@UC: {auth: {auth_url: https://uc/v3}, cacert: /nonexistent/ca.pem}}",
			`site "CHI@UC": clouds.yaml entry "CHI@UC" (the clouds.yaml given to leasefile): unable to compute TLS configuration: ` +
				`failed to open the CA cert file: open /nonexistent/ca.pem: no such file or directory`},
		{"unsupported auth type", "clouds: {CHI@UC: {auth_type: v3oidcpassword, auth: {auth_url: https://uc/v3}}}",
			`site "CHI@UC": clouds.yaml entry "CHI@UC" (the clouds.yaml given to leasefile): auth_type "v3oidcpassword" is not supported: ` +
				`use v3chameleonoidc (ccauth), an application credential (cc-login, or Identity > Application Credentials in the dashboard) or a password`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &Resolver{Env: envMap(), CloudsYAML: []byte(tc.yaml)}
			_, err := r.Connect(context.Background(), "CHI@UC")
			if err == nil {
				t.Fatal("Connect succeeded")
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNoCredentials(t *testing.T) {
	t.Chdir(t.TempDir())
	home := t.TempDir()
	cwd, _ := os.Getwd()
	cases := []struct {
		name string
		r    *Resolver
		site string
		want string
	}{
		{"nothing anywhere", &Resolver{Env: envMap("HOME", home)}, "CHI@UC",
			`no credentials for site "CHI@UC": looked for a sites.CHI@UC.cloud setting (none), a clouds.yaml entry named "CHI@UC" ` +
				`(no clouds.yaml in ` + filepath.Join(cwd, "clouds.yaml") + `, ` + filepath.Join(home, ".config/openstack/clouds.yaml") +
				`, /etc/openstack/clouds.yaml), OS_CLOUD (not set) and OS_AUTH_URL (not set); ` +
				`add a clouds.yaml entry, source an openrc file, or use --local to work against the built-in emulator`},
		{"an entry of another name", &Resolver{Env: envMap(), CloudsYAML: []byte("clouds: {chi-tacc: {}, chi-uc: {}}")}, "CHI@UC",
			`no credentials for site "CHI@UC": looked for a sites.CHI@UC.cloud setting (none), a clouds.yaml entry named "CHI@UC" ` +
				`(the clouds.yaml given to leasefile has entries "chi-tacc", "chi-uc"), OS_CLOUD (not set) and OS_AUTH_URL (not set); ` +
				`add a clouds.yaml entry, source an openrc file, or use --local to work against the built-in emulator`},
		{"a misspelt sites.<site>.cloud", &Resolver{Env: envMap(), CloudsYAML: []byte("clouds: {chi-uc: {}}"),
			Sites: map[string]SiteConfig{"CHI@UC": {Cloud: "chi_uc"}}}, "CHI@UC",
			`no credentials for site "CHI@UC": sites.CHI@UC.cloud names clouds.yaml entry "chi_uc", but the clouds.yaml given to leasefile has entries "chi-uc"; ` +
				`fix the name, or use --local to work against the built-in emulator`},
		{"a misspelt OS_CLOUD", &Resolver{Env: envMap("OS_CLOUD", "chi_uc"), CloudsYAML: []byte("clouds: {}")}, "CHI@UC",
			`no credentials for site "CHI@UC": OS_CLOUD names clouds.yaml entry "chi_uc", but the clouds.yaml given to leasefile has no entries; ` +
				`fix the name, or use --local to work against the built-in emulator`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.r.Connect(context.Background(), tc.site)
			if err == nil {
				t.Fatal("Connect succeeded without credentials")
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
			if !errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), "--local") {
				t.Errorf("errors.Is(ErrNoCredentials) false or no --local in %q", err)
			}
		})
	}
}

func TestWrongCredentials(t *testing.T) {
	k := newFakeKeystone(t, false)
	const wrong = "wrong-pw-77777"
	r := &Resolver{Env: envMap(), CloudsYAML: []byte(strings.ReplaceAll(
		"clouds:"+passwordCloud("chi-uc", k.authURL(), demoRegion), demoPassword, wrong)),
		Sites: map[string]SiteConfig{"CHI@UC": {Cloud: "chi-uc"}}}
	_, err := r.Connect(context.Background(), "CHI@UC")
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("Connect = %v, want ErrUnauthorized", err)
	}
	want := fmt.Sprintf(`site "CHI@UC": Keystone at %s refused the credentials from clouds.yaml entry "chi-uc" (the clouds.yaml given to leasefile) `+
		`(The request you have made requires authentication.): check the username and password, or the application credential id and secret`, k.authURL())
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
	var ae *AuthError
	if strings.Contains(err.Error(), wrong) || !errors.As(err, &ae) || ae.StatusCode != 401 {
		t.Errorf("the message leaks the password or is no 401 AuthError")
	}
	// A failure is not cached: fixing nothing gives the same error again,
	// with a new attempt.
	if _, err2 := r.Connect(context.Background(), "CHI@UC"); !errors.Is(err2, ErrUnauthorized) {
		t.Errorf("second Connect = %v", err2)
	}
}

func TestReauthenticatesExpiredToken(t *testing.T) {
	k := newFakeKeystone(t, false)
	k.expireFirst = true
	r := &Resolver{Env: envMap(), CloudsYAML: []byte("clouds:" + passwordCloud("CHI@UC", k.authURL(), demoRegion))}
	site, err := r.Connect(context.Background(), "CHI@UC")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leases.ListAll(context.Background(), site.Reservation); err != nil {
		t.Fatalf("ListAll with an expired token: %v", err)
	}
	if n := k.tokensIssued(); n != 2 {
		t.Errorf("Keystone issued %d tokens, want 2 (initial + reauth)", n)
	}
	if site.ProjectID != demoProjectID {
		t.Errorf("project %q", site.ProjectID)
	}
}

func TestConnectIsSharedAndConcurrent(t *testing.T) {
	k := newFakeKeystone(t, false)
	r := &Resolver{Env: envMap(), CloudsYAML: []byte("clouds:" + passwordCloud("CHI@UC", k.authURL(), demoRegion))}
	var wg sync.WaitGroup
	sites := make([]*Site, 16)
	for i := range sites {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := r.Connect(context.Background(), "CHI@UC")
			if err != nil {
				t.Error(err)
			}
			sites[i] = s
		}()
	}
	wg.Wait()
	for _, s := range sites {
		if s != sites[0] {
			t.Fatal("Connect returned different sites for one name")
		}
	}
	if n := k.tokensIssued(); n != 1 {
		t.Errorf("%d authentications for one site, want 1", n)
	}
}

func TestMissingRegion(t *testing.T) {
	k := newFakeKeystone(t, false)
	r := &Resolver{Env: envMap(), CloudsYAML: []byte("clouds:" + passwordCloud("CHI@TACC", k.authURL(), "CHI@TACC"))}
	_, err := r.Connect(context.Background(), "CHI@TACC")
	want := `site "CHI@TACC": clouds.yaml entry "CHI@TACC" (the clouds.yaml given to leasefile): the service catalog has no Blazar (reservation) endpoint in region "CHI@TACC": check region_name / OS_REGION_NAME`
	if err == nil || err.Error() != want {
		t.Errorf("Connect = %v\nwant %s", err, want)
	}
}

func TestTLS(t *testing.T) {
	k := newFakeKeystone(t, true)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	base := "clouds:" + passwordCloud("CHI@UC", k.authURL(), demoRegion)
	cases := []struct {
		name, extra string
		ok          bool
	}{
		{"unknown CA is refused", "", false},
		{"cacert", "    cacert: " + caFile + "\n", true},
		{"verify false", "    verify: false\n", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var trace bytes.Buffer
			r := &Resolver{Env: envMap(), CloudsYAML: []byte(base + tc.extra),
				HTTPClient: &http.Client{Transport: DebugTransport(&trace, nil)}}
			site, err := r.Connect(context.Background(), "CHI@UC")
			if (err == nil) != tc.ok {
				t.Fatalf("Connect = %v, want success %v", err, tc.ok)
			}
			if tc.ok {
				if _, err := leases.ListAll(context.Background(), site.Reservation); err != nil {
					t.Fatal(err)
				}
				// The debug trace survived the TLS settings.
				if !strings.Contains(trace.String(), "> POST "+k.authURL()+"/auth/tokens") {
					t.Errorf("no trace of the token request:\n%s", trace.String())
				}
			}
		})
	}
}

// TestAuthOptions feeds authOptions what clouds.Parse returns: every field
// found, the domains coalesced into DomainID / DomainName, the project as
// TenantID / TenantName.
func TestAuthOptions(t *testing.T) {
	type ao = gophercloud.AuthOptions
	cases := []struct {
		name    string
		in      ao
		typ     string
		want    ao
		wantErr string
	}{
		{"password with project id", ao{IdentityEndpoint: "u", Username: "x", Password: "p", DomainID: "default", TenantID: "pid"}, "password",
			ao{IdentityEndpoint: "u", Username: "x", Password: "p", DomainID: "default", AllowReauth: true,
				Scope: &gophercloud.AuthScope{ProjectID: "pid"}}, ""},
		{"user id: the domain only scopes the project", ao{IdentityEndpoint: "u", UserID: "uid", Password: "p", TenantName: "proj", DomainName: "Other"}, "",
			ao{IdentityEndpoint: "u", UserID: "uid", Password: "p", AllowReauth: true,
				Scope: &gophercloud.AuthScope{ProjectName: "proj", DomainName: "Other"}}, ""},
		{"domain id wins over name", ao{IdentityEndpoint: "u", Username: "x", Password: "p", DomainID: "default", DomainName: "Default", TenantName: "proj"}, "",
			ao{IdentityEndpoint: "u", Username: "x", Password: "p", DomainID: "default", AllowReauth: true,
				Scope: &gophercloud.AuthScope{ProjectName: "proj", DomainID: "default"}}, ""},
		{"app cred drops the project", ao{IdentityEndpoint: "u", ApplicationCredentialID: "a", ApplicationCredentialSecret: "s", TenantName: "p"}, "",
			ao{IdentityEndpoint: "u", ApplicationCredentialID: "a", ApplicationCredentialSecret: "s", AllowReauth: true}, ""},
		{"auth_type password ignores an app cred", ao{IdentityEndpoint: "u", Username: "x", Password: "p", DomainName: "Default",
			ApplicationCredentialID: "a", ApplicationCredentialSecret: "s"}, "password",
			ao{IdentityEndpoint: "u", Username: "x", Password: "p", DomainName: "Default", AllowReauth: true}, ""},
		{"app cred by name and user", ao{IdentityEndpoint: "u", ApplicationCredentialName: "n", ApplicationCredentialSecret: "s",
			Username: "x", DomainName: "Default", Password: "p"}, "v3applicationcredential",
			ao{IdentityEndpoint: "u", ApplicationCredentialName: "n", ApplicationCredentialSecret: "s", Username: "x", DomainName: "Default", AllowReauth: true}, ""},
		{"token cannot reauthenticate", ao{IdentityEndpoint: "u", TokenID: "t", TenantID: "pid"}, "v3token",
			ao{IdentityEndpoint: "u", TokenID: "t", Scope: &gophercloud.AuthScope{ProjectID: "pid"}}, ""},
		{"no auth url", ao{Username: "x", Password: "p"}, "", ao{}, "no auth_url (OS_AUTH_URL)"},
		{"app cred without secret", ao{IdentityEndpoint: "u", ApplicationCredentialID: "a"}, "v3applicationcredential", ao{},
			"application credential without its secret (application_credential_secret, OS_APPLICATION_CREDENTIAL_SECRET)"},
		{"project name without domain", ao{IdentityEndpoint: "u", UserID: "x", Password: "p", TenantName: "proj"}, "", ao{},
			`project "proj" is given by name without its domain (project_domain_name, OS_PROJECT_DOMAIN_NAME)`},
		{"federation", ao{IdentityEndpoint: "u"}, "v3oidcpassword", ao{},
			`auth_type "v3oidcpassword" is not supported: use v3chameleonoidc (ccauth), an application credential (cc-login, or Identity > Application Credentials in the dashboard) or a password`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := authOptions(tc.in, tc.typ)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Errorf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(gophercloud.AuthOptions{})); diff != "" {
				t.Errorf("authOptions (-want +got):\n%s", diff)
			}
		})
	}
}

// tokenFacts reads a token in one extraction what tokenFactsEach reads field by field, for
// whole tokens and for tokens whose project, user or application credential does not decode.
func TestTokenFactsIsEach(t *testing.T) {
	bodies := []string{
		`{"token": {"project": {"id": "p1", "name": "demo", "domain": {"id": "default"}}, "user": {"id": "u1", "name": "me"}, "catalog": [{"type": "reservation"}]}}`,
		`{"token": {"project": {"id": "p1"}, "user": {"id": "u1"}, "application_credential": {"id": "a", "restricted": true}}}`,
		`{"token": {"project": {"id": "p1"}, "user": {"id": "u1"}, "application_credential": {"restricted": false}}}`,
		`{"token": {"user": {"id": "u1"}}}`,
		`{"token": {}}`,
		`{}`,
		`{"token": {"project": {"id": 7}, "user": {"id": "u1"}, "application_credential": {"restricted": true}}}`,
		`{"token": {"project": {"id": "p1"}, "user": "nobody", "application_credential": {"restricted": true}}}`,
		`{"token": {"project": {"id": "p1"}, "user": {"id": "u1", "password_expires_at": "soon"}}}`,
		`{"token": {"project": {"id": "p1"}, "user": {"id": "u1"}, "application_credential": {"restricted": "yes"}}}`,
		`{"token": {"project": [], "user": [], "application_credential": []}}`,
	}
	for _, body := range bodies {
		var cr tokens.CreateResult
		if err := json.Unmarshal([]byte(body), &cr.Body); err != nil {
			t.Fatal(err)
		}
		p, u, r := tokenFacts(cr)
		wp, wu, wr := tokenFactsEach(cr)
		if p != wp || u != wu || r != wr {
			t.Errorf("%s: tokenFacts %q %q %v, tokenFactsEach %q %q %v", body, p, u, r, wp, wu, wr)
		}
	}
	var failed tokens.CreateResult
	failed.Err = errors.New("no token")
	if p, u, r := tokenFacts(failed); p != "" || u != "" || r {
		t.Errorf("failed authentication: %q %q %v", p, u, r)
	}
}
