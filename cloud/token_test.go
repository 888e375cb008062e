package cloud

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
)

// catalogEdges are token bodies whose catalogs test the endpoint rules of gophercloud's
// V3Endpoint: a region given by region_id or by region alone, or not at all; several
// interfaces and regions, in an order the first match depends on; one type twice; a name to
// tell them apart; an endpoint Keystone marks disabled (gophercloud reads no "enabled", so
// neither reading skips it); no trailing slash.
var catalogEdges = []string{
	`{"token": {"expires_at": "2031-03-03T09:00:00.000000Z", "project": {"id": "p1"}, "user": {"id": "u1"}, "catalog": [
	  {"type": "reservation", "name": "blazar", "endpoints": [
	    {"interface": "internal", "region_id": "CHI@UC", "region": "CHI@UC", "url": "http://uc-int/reservation/v1"},
	    {"interface": "public", "region_id": "CHI@TACC", "url": "http://tacc/reservation/v1"},
	    {"interface": "public", "region": "CHI@UC", "url": "http://uc/reservation/v1/"},
	    {"interface": "admin", "url": "http://admin/reservation/v1"}]},
	  {"type": "reservation", "name": "blazar-2", "endpoints": [
	    {"interface": "public", "region_id": "KVM@TACC", "url": "http://kvm/reservation/v1"}]},
	  {"type": "network", "endpoints": [
	    {"interface": "public", "url": "http://any/network"},
	    {"interface": "public", "region_id": "CHI@UC", "url": "http://uc/network"}]},
	  {"type": "compute", "endpoints": [
	    {"interface": "public", "region_id": "CHI@UC", "url": "http://uc/compute/v2.1", "enabled": false},
	    {"interface": "public", "region_id": "CHI@UC", "url": "http://uc2/compute/v2.1"}]},
	  {"type": "object-store", "endpoints": [
	    {"interface": "public", "region_id": "CHI@TACC", "region": "CHI@UC", "url": "http://mixed/swift/v1/AUTH_p1"}]},
	  {"type": "volumev3", "endpoints": [{"interface": "public", "region_id": "CHI@UC", "url": "http://uc/volume/v3"}]},
	  {"type": "identity", "endpoints": []}]}}`,
	`{"token": {"catalog": [], "project": {"id": "p1"}}}`,
	`{"token": {"catalog": null, "user": {"id": "u1"}}}`,
	`{"token": {"project": {"id": "p1"}, "user": {"id": "u1"}, "application_credential": {"id": "a", "restricted": true}}}`,
	`{"token": {"project": {"id": "p1"}, "application_credential": {"restricted": false}}, "other": [1, 2.5, {"x": null}]}`,
	`{"token": {"expires_at": null, "catalog": [{"type": "reservation", "endpoints": [{"interface": "public", "url": "http://x/"}]}]}}`,
	`{"token": {}}`,
	`{"token": null}`,
	`{"token": {"project": {"id": "first"}}, "token": {"user": {"id": "second"}}}`,
	`{"token": {"project": {"id": "p\u0031", "name": "<&>"}, "user": {"id": "u1"}}} trailing`,
	// Bodies one pass does not read: gophercloud's extractions decide what each loses.
	`{}`,
	`{"Token": {"project": {"id": "p1"}}}`,
	`{"token": 7}`,
	`{"token": {"catalog": {"type": "reservation"}, "project": {"id": "p1"}}}`,
	`{"token": {"catalog": [{"type": "reservation", "endpoints": [{"interface": "public", "url": 5}]}], "project": {"id": "p1"}}}`,
	`{"token": {"expires_at": "tomorrow", "catalog": [], "project": {"id": "p1"}, "user": {"id": "u1"}}}`,
	`{"token": {"id": 12, "project": {"id": "p1"}}}`,
	`{"token": {"project": {"id": 7}, "user": {"id": "u1"}, "application_credential": {"restricted": true}}}`,
	`{"token": {"project": {"id": "p1"}, "user": "nobody", "application_credential": {"restricted": true}}}`,
	`{"token": {"project": {"id": "p1"}, "user": {"id": "u1"}, "application_credential": {"restricted": "yes"}}}`,
	`[1]`,
}

// onePass lists the catalogEdges bodies decodeToken reads itself (the others fall back).
const onePass = 10

// TestTokenIsGophercloudsReading holds the one-pass reading of a token (decodeToken) to
// gophercloud's, on the recorded Keystone tokens, the emulator's and catalogEdges: the same
// expiry, catalog, project, user and restriction, the same endpoint for every service type,
// interface, region and name, and the same catalog regions.
func TestTokenIsGophercloudsReading(t *testing.T) {
	bodies := map[string]string{}
	recorded, err := filepath.Glob("../../shared/recorded/keystone/token-*.json")
	if err != nil || len(recorded) < 2 {
		t.Fatalf("recorded tokens: %v %v", recorded, err)
	}
	for _, p := range recorded {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		bodies[filepath.Base(p)] = string(b)
	}
	bodies["emulator"] = emulatorToken(t)
	for i, b := range catalogEdges {
		bodies[fmt.Sprintf("edge %d", i)] = b
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			var cr tokens.CreateResult
			dec := json.NewDecoder(strings.NewReader(body))
			dec.UseNumber()
			if err := dec.Decode(&cr.Body); err != nil {
				t.Fatal(err)
			}
			tok, ok := decodeToken(json.NewDecoder(strings.NewReader(body)))
			var i int
			if _, err := fmt.Sscanf(name, "edge %d", &i); err != nil || i < onePass {
				if !ok {
					t.Fatal("decodeToken does not read it")
				}
			} else if ok {
				t.Fatal("decodeToken reads it; gophercloud's extractions do not all")
			}
			if !ok {
				return
			}
			catalog, err := cr.ExtractServiceCatalog()
			if err != nil {
				t.Fatalf("gophercloud: %v", err)
			}
			if diff := cmp.Diff(catalog, &tok.catalog); diff != "" {
				t.Errorf("catalog (-gophercloud +one pass):\n%s", diff)
			}
			if want := cr.TokenExpiry(); !tok.expires.Equal(want) {
				t.Errorf("expiry %v, gophercloud %v", tok.expires, want)
			}
			slow := &Site{Provider: &gophercloud.ProviderClient{}}
			fast := &Site{Provider: &gophercloud.ProviderClient{}}
			if err := slow.Provider.SetTokenAndAuthResult(cr); err != nil {
				t.Fatal(err)
			}
			if err := fast.Provider.SetTokenAndAuthResult(tok); err != nil {
				t.Fatal(err)
			}
			slow.fromToken()
			fast.fromToken()
			if slow.ProjectID != fast.ProjectID || slow.UserID != fast.UserID || slow.RestrictedAppCred != fast.RestrictedAppCred {
				t.Errorf("facts %q %q %v, gophercloud %q %q %v", fast.ProjectID, fast.UserID, fast.RestrictedAppCred,
					slow.ProjectID, slow.UserID, slow.RestrictedAppCred)
			}
			for _, typ := range []string{"identity", "reservation", "network", "compute", "object-store", "block-storage", "volumev3", "dns"} {
				if w, g := catalogRegions(slow.Provider, typ), catalogRegions(fast.Provider, typ); !cmp.Equal(w, g) {
					t.Errorf("catalogRegions(%s) %q, gophercloud %q", typ, g, w)
				}
				for _, eo := range endpointCases(typ) {
					wu, werr := openstack.V3Endpoint(context.Background(), slow.Provider, catalog, eo)
					gu, gerr := openstack.V3Endpoint(context.Background(), fast.Provider, &tok.catalog, eo)
					if wu != gu || fmt.Sprint(werr) != fmt.Sprint(gerr) {
						t.Errorf("%+v: %q %v, gophercloud %q %v", eo, gu, gerr, wu, werr)
					}
				}
			}
		})
	}
}

// endpointCases are endpoint lookups of a service type: every interface (and an invalid
// one), regions matched by region_id, by region and by neither, and a service name.
func endpointCases(typ string) []gophercloud.EndpointOpts {
	var out []gophercloud.EndpointOpts
	for _, av := range []gophercloud.Availability{gophercloud.AvailabilityPublic, gophercloud.AvailabilityInternal, gophercloud.AvailabilityAdmin, "private"} {
		for _, region := range []string{"", "CHI@UC", "CHI@TACC", "KVM@TACC", "RegionOne", "CHI@Edge"} {
			for _, name := range []string{"", "blazar-2"} {
				out = append(out, gophercloud.EndpointOpts{Type: typ, Availability: av, Region: region, Name: name})
			}
		}
	}
	return out
}

// emulatorToken is the body of a token the emulator issues.
func emulatorToken(t *testing.T) string {
	srv := startEmulator(t)
	pc, err := openstack.NewClient(srv.AuthURL("CHI@UC"))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := openstack.NewIdentityV3(pc, gophercloud.EndpointOpts{})
	if err != nil {
		t.Fatal(err)
	}
	r := tokens.Create(context.Background(), sc, &gophercloud.AuthOptions{Username: emulator.DemoUser, Password: emulator.DemoPassword,
		DomainName: emulator.DemoDomain, Scope: &gophercloud.AuthScope{ProjectName: emulator.DemoProject, DomainName: emulator.DemoDomain}})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	b, err := json.Marshal(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestKeystoneAuthIsGophercloudsAuthenticate holds keystoneAuth to openstack.Authenticate on
// live Keystones: the emulator's (its auth URL with and without /v3, which needs version
// discovery) and the fake one's (an application credential, restricted, and a catalog of two
// regions). Both give the same expiry, site facts, service clients and endpoints, and both
// re-authenticate; refused credentials fail with the same error.
func TestKeystoneAuthIsGophercloudsAuthenticate(t *testing.T) {
	srv := startEmulator(t)
	k := newFakeKeystone(t, false)
	k.restricted = true
	k.regions = []string{"CHI@TACC", demoRegion}
	appCred := func(secret string) string {
		return fmt.Sprintf("clouds:\n  %q:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: %s\n"+
			"      application_credential_id: %s\n      application_credential_secret: %s\n    region_name: %q\n",
			demoRegion, k.authURL(), demoAppCredID, secret, demoRegion)
	}
	cases := []struct {
		name, site, clouds string
		refused            bool
	}{
		{"emulator", "CHI@TACC", string(srv.CloudsYAML()), false},
		{"emulator without /v3", "CHI@Edge", strings.ReplaceAll(string(srv.CloudsYAML()), "/identity/v3", "/identity"), false},
		{"application credential", demoRegion, appCred(demoAppSecret), false},
		{"refused", demoRegion, appCred("wrong"), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &Resolver{Env: envMap(), CloudsYAML: []byte(tc.clouds)}
			var sites [2]*Site
			var errs [2]error
			for i, auth := range []func(context.Context, *gophercloud.ProviderClient, gophercloud.AuthOptions) error{openstack.Authenticate, keystoneAuth} {
				res, err := r.resolve(tc.site)
				if err != nil {
					t.Fatal(err)
				}
				ao, err := authOptions(res.auth, res.authType)
				if err != nil {
					t.Fatal(err)
				}
				provider, err := r.newProvider(tc.site, res, ao)
				if err != nil {
					t.Fatal(err)
				}
				if errs[i] = auth(context.Background(), provider, ao); errs[i] != nil {
					continue
				}
				sites[i] = &Site{Name: tc.site, Provider: provider}
				if err := sites[i].serviceClients(res); err != nil {
					t.Fatal(err)
				}
				sites[i].fromToken()
			}
			if tc.refused {
				if errs[0] == nil || fmt.Sprint(errs[0]) != fmt.Sprint(errs[1]) {
					t.Errorf("refused: %v, gophercloud %v", errs[1], errs[0])
				}
				return
			}
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("authenticate: %v, gophercloud %v", errs[1], errs[0])
			}
			want, got := sites[0], sites[1]
			if _, ok := got.Provider.GetAuthResult().(*keystoneToken); !ok {
				t.Errorf("auth result %T, want the token read once", got.Provider.GetAuthResult())
			}
			if got.ProjectID == "" || got.ProjectID != want.ProjectID || got.UserID != want.UserID || got.RestrictedAppCred != want.RestrictedAppCred {
				t.Errorf("facts %q %q %v, gophercloud %q %q %v", got.ProjectID, got.UserID, got.RestrictedAppCred,
					want.ProjectID, want.UserID, want.RestrictedAppCred)
			}
			if !got.Provider.TokenExpiry().Equal(want.Provider.TokenExpiry()) || got.Provider.TokenExpiry().IsZero() {
				t.Errorf("expiry %v, gophercloud %v", got.Provider.TokenExpiry(), want.Provider.TokenExpiry())
			}
			clients := func(s *Site) []string {
				var out []string
				for _, c := range []*gophercloud.ServiceClient{s.Reservation, s.Network, s.ObjectStore, s.Compute} {
					if c == nil {
						out = append(out, "none")
						continue
					}
					out = append(out, c.Type+" "+c.Endpoint+" "+c.ResourceBase)
				}
				return out
			}
			if diff := cmp.Diff(clients(want), clients(got)); diff != "" {
				t.Errorf("service clients (-gophercloud +keystoneAuth):\n%s", diff)
			}
			for _, typ := range []string{"identity", "reservation", "network", "compute", "object-store"} {
				for _, eo := range endpointCases(typ) {
					wu, werr := want.Provider.EndpointLocator(eo)
					gu, gerr := got.Provider.EndpointLocator(eo)
					if wu != gu || fmt.Sprint(werr) != fmt.Sprint(gerr) {
						t.Errorf("%+v: %q %v, gophercloud %q %v", eo, gu, gerr, wu, werr)
					}
				}
			}
			for i, s := range sites {
				before := s.Provider.Token()
				if s.Provider.ReauthFunc == nil {
					t.Fatalf("%d: no re-authentication", i)
				}
				if err := s.Provider.Reauthenticate(context.Background(), before); err != nil || s.Provider.Token() == before {
					t.Errorf("%d: re-authenticate: %v, token renewed: %v", i, err, s.Provider.Token() != before)
				}
			}
		})
	}
}

// TestDecodeCloudsIsTwice holds decodeClouds (one parse, each entry decoded for clouds.Parse
// and for the OIDC fields) to the two decodes it replaced, on the emulator's files and edge
// cases: the same entries and OIDC settings, or the same error.
func TestDecodeCloudsIsTwice(t *testing.T) {
	srv, err := emulator.Start(emulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	files := []string{
		string(srv.CloudsYAML()),
		string(srv.OIDCCloudsYAML()),
		"clouds:\n  a:\n    auth_type: v3oidcdeviceauthz\n    auth: {auth_url: 'http://k/v3', identity_provider: idp, protocol: openid, client_id: c, " +
			"client_secret: s, discovery_endpoint: 'http://d', openid_scope: 'openid profile', access_token: t}\n    region_name: R\n",
		"defaults: &d\n  auth: {auth_url: 'http://k/v3', client_id: shared}\n  region_name: R\nclouds:\n  a:\n    <<: *d\n  b:\n    <<: *d\n    region_name: S\n",
		"clouds:\n  a:\n  b: ~\n  c: {}\n",
		"clouds: {}\n",
		"clouds:\n",
		"other: 1\n",
		"",
		"clouds:\n  a:\n    auth: {auth_url: 'http://k/v3', client_id: [1, 2]}\n",
		"clouds:\n  a:\n    region_name: [1]\n    auth: {client_id: [1]}\n  b:\n    auth: {client_secret: {x: 1}}\n",
		"clouds:\n  a:\n    auth: [1]\n",
		"clouds: [1]\n",
		"clouds:\n  a: 5\n",
		"clouds:\n  a: {auth: {auth_url: x}\n",
		"- 1\n",
	}
	for _, data := range files {
		got, err := decodeClouds([]byte(data))
		want, werr := decodeCloudsTwice([]byte(data))
		if fmt.Sprint(err) != fmt.Sprint(werr) {
			t.Errorf("%q: error %v, two decodes %v", data, err, werr)
			continue
		}
		if err != nil {
			continue
		}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(cloudsFile{}), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%q (-two decodes +one):\n%s", data, diff)
		}
	}
}

// TestTokenFormatsWithoutSecret: an auth result formatted by mistake (%v, %+v, %#v) does not
// print the token.
func TestTokenFormatsWithoutSecret(t *testing.T) {
	tok := &keystoneToken{id: tokenPrefix + "1", project: demoProjectID}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(verb, tok); strings.Contains(out, tokenPrefix) || !strings.Contains(out, demoProjectID) {
			t.Errorf("%s: %s", verb, out)
		}
	}
}
