package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"github.com/gophercloud/gophercloud/v2/openstack/utils"
)

// keystoneToken is a Keystone v3 token decoded once: the subject token, its expiry, the
// catalog the site's endpoints come from and the facts the Site records. gophercloud's
// tokens.CreateResult keeps the body as a generic map and re-encodes and re-decodes all of it,
// catalog included, for each extraction (the expiry when the token is set, the catalog, then
// the project, the user and the application credential). It is the provider's AuthResult.
type keystoneToken struct {
	id            string
	expires       time.Time
	catalog       tokens.ServiceCatalog
	project, user string
	restricted    bool
}

// ExtractTokenID implements gophercloud.AuthResult.
func (t *keystoneToken) ExtractTokenID() (string, error) { return t.id, nil }

// TokenExpiry is read by ProviderClient.SetTokenAndAuthResult, as tokens.CreateResult's.
func (t *keystoneToken) TokenExpiry() time.Time { return t.expires }

// String and GoString keep the token out of anything that formats the auth result.
func (t *keystoneToken) String() string { return "Keystone token of project " + t.project }

// GoString: see String.
func (t *keystoneToken) GoString() string { return t.String() }

// tokenBody is what gophercloud's extractions read of the "token" object, under their
// names and types: TokenExpiry's tokens.Token, ExtractServiceCatalog's tokens.ServiceCatalog
// and tokenFacts' fields. A body that decodes into it without error decodes alike into each
// of them (each ignores the fields it does not name).
type tokenBody struct {
	ID        string                `json:"id"`
	ExpiresAt time.Time             `json:"expires_at"`
	Catalog   []tokens.CatalogEntry `json:"catalog"`
	Project   *tokens.Project       `json:"project"`
	User      *tokens.User          `json:"user"`
	AppCred   *struct {
		Restricted bool `json:"restricted"`
	} `json:"application_credential"`
}

// decodeToken reads a token response body in one pass. ok is false when the body is not an
// object whose "token" decodes without error: gophercloud's own extractions then decide (see
// createToken), each losing only what does not decode, as before.
func decodeToken(dec *json.Decoder) (t *keystoneToken, ok bool) {
	// The outer object key by key, as gophercloud's map: the key is matched exactly (not as
	// encoding/json matches a struct field, ignoring case), and of two "token" the last counts.
	if d, err := dec.Token(); err != nil || d != json.Delim('{') {
		return nil, false
	}
	var b *tokenBody
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, false
		}
		if key != "token" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil, false
			}
			continue
		}
		b = new(tokenBody)
		if dec.Decode(b) != nil {
			return nil, false
		}
	}
	if _, err := dec.Token(); err != nil || b == nil {
		return nil, false
	}
	t = &keystoneToken{expires: b.ExpiresAt, catalog: tokens.ServiceCatalog{Entries: b.Catalog}}
	if b.Project != nil {
		t.project = b.Project.ID
	}
	if b.User != nil {
		t.user = b.User.ID
	}
	if b.AppCred != nil {
		t.restricted = b.AppCred.Restricted
	}
	return t, true
}

// identityVersions are the versions openstack.Authenticate recognises.
var identityVersions = []*utils.Version{
	{ID: "v2.0", Priority: 20, Suffix: "/v2.0/"},
	{ID: "v3", Priority: 30, Suffix: "/v3/"},
}

// keystoneAuth is openstack.Authenticate, with a Keystone v3 token read once
// (keystoneToken); other identity versions are left to gophercloud.
func keystoneAuth(ctx context.Context, client *gophercloud.ProviderClient, ao gophercloud.AuthOptions) error {
	chosen, endpoint, err := utils.ChooseVersion(ctx, client, identityVersions)
	if err != nil {
		return err
	}
	if chosen.ID != "v3" {
		return openstack.Authenticate(ctx, client, ao)
	}
	return v3Auth(ctx, client, endpoint, ao)
}

// v3Auth is gophercloud's v3auth (openstack/client.go) for AuthOptions and no endpoint
// options: the same token request, re-authentication and endpoint lookup
// (openstack.V3Endpoint), with the catalog decoded once. A token passed through unscoped is
// read back with tokens.Get, as gophercloud does.
func v3Auth(ctx context.Context, client *gophercloud.ProviderClient, endpoint string, ao gophercloud.AuthOptions) error {
	v3Client, err := openstack.NewIdentityV3(client, gophercloud.EndpointOpts{})
	if err != nil {
		return err
	}
	if endpoint != "" {
		v3Client.Endpoint = endpoint
	}
	var result gophercloud.AuthResult
	if ao.TokenID != "" && (ao.Scope == nil || *ao.Scope == gophercloud.AuthScope{}) {
		if ao.CanReauth() {
			return errors.New("cannot use AllowReauth, when the token ID is defined and auth scope is not set")
		}
		v3Client.SetToken(ao.TokenID)
		r := tokens.Get(ctx, v3Client, ao.TokenID)
		if r.Err != nil {
			return r.Err
		}
		result = r
	} else if result, err = createToken(ctx, v3Client, &ao); err != nil {
		return err
	}
	if err := client.SetTokenAndAuthResult(result); err != nil {
		return err
	}
	var catalog *tokens.ServiceCatalog
	switch r := result.(type) {
	case *keystoneToken:
		catalog = &r.catalog
	case tokens.CreateResult:
		catalog, err = r.ExtractServiceCatalog()
	case tokens.GetResult:
		catalog, err = r.ExtractServiceCatalog()
	}
	if err != nil {
		return err
	}
	if ao.CanReauth() {
		// As gophercloud: a throw-away copy re-authenticates once, without re-authentication
		// of its own.
		tac := *client
		tac.SetThrowaway(true)
		tac.ReauthFunc = nil
		if err := tac.SetTokenAndAuthResult(nil); err != nil {
			return err
		}
		once := ao
		once.AllowReauth = false
		client.ReauthFunc = func(ctx context.Context) error {
			if err := v3Auth(ctx, &tac, endpoint, once); err != nil {
				return err
			}
			client.CopyTokenFrom(&tac)
			return nil
		}
	}
	client.EndpointLocator = func(opts gophercloud.EndpointOpts) (string, error) {
		return openstack.V3Endpoint(context.TODO(), client, catalog, opts)
	}
	return nil
}

// createToken is tokens.Create keeping the response's bytes: a *keystoneToken when the body
// decodes in one pass, else the tokens.CreateResult gophercloud would have made of it.
func createToken(ctx context.Context, c *gophercloud.ServiceClient, ao *gophercloud.AuthOptions) (gophercloud.AuthResult, error) {
	scope, err := ao.ToTokenV3ScopeMap()
	if err != nil {
		return nil, err
	}
	b, err := ao.ToTokenV3CreateMap(scope)
	if err != nil {
		return nil, err
	}
	resp, err := c.Post(ctx, c.ServiceURL("auth", "tokens"), b, nil, &gophercloud.RequestOpts{
		OmitHeaders:      []string{"X-Auth-Token"},
		KeepResponseBody: true,
	})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	// What was read is kept, so that a body read otherwise than in one pass is read again
	// as gophercloud reads it: its first JSON value, numbers as json.Number, the same errors.
	var read bytes.Buffer
	if t, ok := decodeToken(json.NewDecoder(io.TeeReader(resp.Body, &read))); ok {
		t.id = resp.Header.Get("X-Subject-Token")
		return t, nil
	}
	var r tokens.CreateResult
	dec := json.NewDecoder(io.MultiReader(&read, resp.Body))
	dec.UseNumber()
	if err := dec.Decode(&r.Body); err != nil {
		return nil, err
	}
	r.Header = resp.Header
	return r, nil
}
