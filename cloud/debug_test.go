package cloud

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chameleoncloud/leasefile/blazar/leases"
)

func TestDebugTransportRedactsEverySecret(t *testing.T) {
	cases := []struct {
		name, clouds string
		env          func(string) string
	}{
		{name: "password", env: envMap()},
		{name: "application credential", env: envMap("OS_AUTH_TYPE", "v3applicationcredential",
			"OS_APPLICATION_CREDENTIAL_ID", demoAppCredID, "OS_APPLICATION_CREDENTIAL_SECRET", demoAppSecret)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := newFakeKeystone(t, false)
			k.expireFirst = true // the trace also covers a re-authentication
			var trace bytes.Buffer
			r := &Resolver{
				Env: func(key string) string {
					if key == "OS_AUTH_URL" && tc.name != "password" {
						return k.authURL()
					}
					return tc.env(key)
				},
				HTTPClient: &http.Client{Transport: DebugTransport(&trace, nil)},
			}
			if tc.name == "password" {
				r.CloudsYAML = []byte("clouds:" + passwordCloud("CHI@UC", k.authURL(), demoRegion))
			} else {
				r.CloudsYAML = []byte("clouds: {}")
			}
			site, err := r.Connect(context.Background(), "CHI@UC")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := leases.ListAll(context.Background(), site.Reservation); err != nil {
				t.Fatal(err)
			}
			out := trace.String()
			for _, secret := range []string{demoPassword, demoAppSecret, tokenPrefix} {
				if strings.Contains(out, secret) {
					t.Errorf("trace contains the secret %q:\n%s", secret, out)
				}
			}
			for _, want := range []string{
				"> POST " + k.authURL() + "/auth/tokens",
				"< 201 Created",
				"< X-Subject-Token: <redacted>",
				"> X-Auth-Token: <redacted>",
				"> GET " + k.srv.URL + "/reservation/v1/leases",
				"< 401 Unauthorized",
				"< 200 OK",
				`{"leases":[]}`,
			} {
				if !strings.Contains(out, want) {
					t.Errorf("trace lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "demo", "password": "p1"}}}}}`,
			`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"demo","password":"<redacted>"}}}}}`},
		{`{"auth": {"identity": {"methods": ["token"], "token": {"id": "t1"}}}}`,
			`{"auth":{"identity":{"methods":["token"],"token":{"id":"<redacted>"}}}}`},
		{`{"application_credential": {"id": "a", "secret": "s1"}, "n": 1.50}`,
			`{"application_credential":{"id":"a","secret":"<redacted>"},"n":1.50}`},
		{`{"access_token": ["x", "y"], "trust_id": "ok"}`,
			`{"access_token":["<redacted>","<redacted>"],"trust_id":"ok"}`},
		{`{"device_code": "dc", "user_code": "ABCD-EFGH", "interval": 5}`,
			`{"device_code":"<redacted>","interval":5,"user_code":"ABCD-EFGH"}`},
		{`{"access_token": "a", "refresh_token": "r", "id_token": "i", "token_type": "Bearer", "expires_in": 300, "refresh_expires_in": 1800}`,
			`{"access_token":"<redacted>","expires_in":300,"id_token":"<redacted>","refresh_expires_in":1800,"refresh_token":"<redacted>","token_type":"Bearer"}`},
		{`{"token_endpoint": "https://a/token", "grant_types_supported": ["refresh_token"], "error": {"code": 401}}`,
			`{"error":{"code":401},"grant_types_supported":["refresh_token"],"token_endpoint":"https://a/token"}`},
		{`client_id=c&device_code=dc1&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code`,
			`client_id=c&device_code=<redacted>&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code`},
		{`grant_type=refresh_token&refresh_token=r1&scope=openid`,
			`grant_type=refresh_token&refresh_token=<redacted>&scope=openid`},
		{`not json "password": "p2" and token=abc&x=1`,
			`not json "password": "<redacted>" and token=<redacted>&x=1`},
	}
	for _, tc := range cases {
		if got := redactBody([]byte(tc.in)); got != tc.want {
			t.Errorf("redactBody(%s)\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
	u, _ := url.Parse("https://user:pw@h/v1/x?token=abc&name=n")
	if got, want := redactURL(u), "https://user:REDACTED@h/v1/x?name=n&token=REDACTED"; got != want {
		t.Errorf("redactURL = %s, want %s", got, want)
	}
}
