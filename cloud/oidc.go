package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"golang.org/x/oauth2"
)

// The OpenID Connect auth types: ccauth's plugin (the device flow with a refresh token
// cached in a file ccauth shares) and the two keystoneauth plugins it builds on.
const (
	authChameleonOIDC   = "v3chameleonoidc"
	authOIDCDevice      = "v3oidcdeviceauthz"
	authOIDCAccessToken = "v3oidcaccesstoken"
)

// ccauth's defaults, used for v3chameleonoidc entries that leave them out.
const (
	chameleonIdentityProvider = "chameleon"
	chameleonProtocol         = "openid"
	chameleonClientID         = "chi-cli-device-token"
	chameleonDiscovery        = "https://auth.chameleoncloud.org/auth/realms/chameleon/.well-known/openid-configuration"
)

// maxDeviceWait bounds a device login whose provider gives its code no expiry.
const maxDeviceWait = 10 * time.Minute

func isOIDC(authType string) bool {
	switch strings.ToLower(authType) {
	case authChameleonOIDC, authOIDCDevice, authOIDCAccessToken:
		return true
	}
	return false
}

// oidcSettings are the fields of an OIDC clouds.yaml entry (or OS_* variables) that
// clouds.Parse does not read, under keystoneauth's option names.
type oidcSettings struct {
	IdentityProvider            string `yaml:"identity_provider"`
	Protocol                    string `yaml:"protocol"`
	ClientID                    string `yaml:"client_id"`
	ClientSecret                string `yaml:"client_secret"`
	DiscoveryEndpoint           string `yaml:"discovery_endpoint"`
	AccessTokenEndpoint         string `yaml:"access_token_endpoint"`
	DeviceAuthorizationEndpoint string `yaml:"device_authorization_endpoint"`
	Scope                       string `yaml:"openid_scope"`
	AccessToken                 string `yaml:"access_token"`
}

// oidcFromEnv reads the OS_* names keystoneauth gives the same options.
func oidcFromEnv(getenv func(string) string) oidcSettings {
	return oidcSettings{
		IdentityProvider:            getenv("OS_IDENTITY_PROVIDER"),
		Protocol:                    getenv("OS_PROTOCOL"),
		ClientID:                    getenv("OS_CLIENT_ID"),
		ClientSecret:                getenv("OS_CLIENT_SECRET"),
		DiscoveryEndpoint:           getenv("OS_DISCOVERY_ENDPOINT"),
		AccessTokenEndpoint:         getenv("OS_ACCESS_TOKEN_ENDPOINT"),
		DeviceAuthorizationEndpoint: getenv("OS_DEVICE_AUTHORIZATION_ENDPOINT"),
		Scope:                       getenv("OS_OPENID_SCOPE"),
		AccessToken:                 getenv("OS_ACCESS_TOKEN"),
	}
}

// check fills in ccauth's defaults and says what is missing.
func (s oidcSettings) check(authType string) (oidcSettings, error) {
	kind := strings.ToLower(authType)
	if kind == authChameleonOIDC {
		s.IdentityProvider = coalesce(s.IdentityProvider, chameleonIdentityProvider)
		s.Protocol = coalesce(s.Protocol, chameleonProtocol)
		s.ClientID = coalesce(s.ClientID, chameleonClientID)
		s.DiscoveryEndpoint = coalesce(s.DiscoveryEndpoint, chameleonDiscovery)
	}
	s.Scope = coalesce(s.Scope, "openid")
	var missing []string
	if s.IdentityProvider == "" {
		missing = append(missing, "identity_provider (OS_IDENTITY_PROVIDER)")
	}
	if s.Protocol == "" {
		missing = append(missing, "protocol (OS_PROTOCOL)")
	}
	switch kind {
	case authOIDCAccessToken:
		if s.AccessToken == "" {
			missing = append(missing, "access_token (OS_ACCESS_TOKEN)")
		}
	default:
		if s.ClientID == "" {
			missing = append(missing, "client_id (OS_CLIENT_ID)")
		}
		if s.DiscoveryEndpoint == "" && (s.AccessTokenEndpoint == "" || s.DeviceAuthorizationEndpoint == "") {
			missing = append(missing, "discovery_endpoint (OS_DISCOVERY_ENDPOINT)")
		}
	}
	if len(missing) > 0 {
		return s, fmt.Errorf("auth_type %s needs %s", authType, strings.Join(missing, " and "))
	}
	return s, nil
}

// DeviceLogin is what a user needs to approve a device login (RFC 8628) in a browser.
type DeviceLogin struct {
	// VerificationURI is where to enter UserCode; VerificationURIComplete, when the
	// provider gives one, already carries the code.
	VerificationURI, VerificationURIComplete, UserCode string
	// Expires is when the code stops working.
	Expires time.Time
	// Reason is why a login is needed: "" when there was none, else why the cached one
	// could not be used.
	Reason string
}

// ErrLoginRequired is matched (errors.Is) by a *LoginRequiredError.
var ErrLoginRequired = errors.New("login required")

// LoginRequiredError is an OIDC login that needs the user (a device login) in a run that
// cannot ask: no terminal, or CI.
type LoginRequiredError struct {
	Site, Source string
	// Reason says why: no cached login, or why the cached one was refused.
	Reason string
}

// Is makes errors.Is(err, ErrLoginRequired) true.
func (e *LoginRequiredError) Is(target error) bool { return target == ErrLoginRequired }

func (e *LoginRequiredError) Error() string {
	return fmt.Sprintf("site %q: %s: %s, and this run is not interactive (no terminal, or CI is set), so no device login was started",
		e.Site, e.Source, e.Reason)
}

// OIDCError is a failed step of an OpenID Connect login: discovery, the token endpoint,
// the device login or Keystone's federation exchange.
type OIDCError struct {
	Site, Source string
	Step         string
	Err          error
}

func (e *OIDCError) Error() string {
	return fmt.Sprintf("site %q: %s: %s: %v", e.Site, e.Source, e.Step, e.Err)
}

// Unwrap returns the underlying error.
func (e *OIDCError) Unwrap() error { return e.Err }

// oidcLogin holds one OpenID Connect login: its provider's endpoints and the last tokens
// obtained. Every site whose entry names the same provider and client shares it (as the one
// cache file does), so a run logs in once however many sites it reaches.
type oidcLogin struct {
	kind   string
	set    oidcSettings
	hc     *http.Client
	cache  *refreshCache // nil: no login is kept on disk (the keystoneauth plugins)
	prompt func(DeviceLogin)
	now    func() time.Time

	mu        sync.Mutex
	endpoints *oauth2.Endpoint
	token     *oauth2.Token
}

// loginKey identifies one OpenID Connect login: the auth type, the provider's endpoints, the
// client and a given access token.
type loginKey struct{ kind, discovery, tokenEndpoint, clientID, accessToken string }

func (r *Resolver) oidcLoginFor(res *resolved, hc *http.Client) *oidcLogin {
	kind := strings.ToLower(res.authType)
	var cache *refreshCache
	if kind == authChameleonOIDC {
		cache = ccauthCache(r.getenv)
	}
	key := loginKey{kind, res.oidc.DiscoveryEndpoint, res.oidc.AccessTokenEndpoint, res.oidc.ClientID, res.oidc.AccessToken}
	r.mu.Lock()
	defer r.mu.Unlock()
	if l := r.logins[key]; l != nil {
		return l
	}
	if r.logins == nil {
		r.logins = map[loginKey]*oidcLogin{}
	}
	l := &oidcLogin{kind: kind, set: res.oidc, hc: hc, cache: cache, prompt: r.DeviceLogin, now: time.Now}
	r.logins[key] = l
	return l
}

// authenticateOIDC logs provider in through OpenID Connect: an access token (given, from
// the refresh token, or from a device login), Keystone's federation exchange for an unscoped
// token, then that token scoped to ao's project through gophercloud. Its ReauthFunc does all
// of it again, so an expired Keystone token mid-run is renewed with the refresh token.
func (r *Resolver) authenticateOIDC(ctx context.Context, provider *gophercloud.ProviderClient, ao gophercloud.AuthOptions, name string, res *resolved) error {
	login := r.oidcLoginFor(res, &provider.HTTPClient)
	auth := func(ctx context.Context, pc *gophercloud.ProviderClient) error {
		unscoped, err := login.keystoneToken(ctx, ao.IdentityEndpoint, provider.UserAgent.Join())
		if err != nil {
			return oidcFailure(name, res.source, err)
		}
		scoped := ao
		scoped.TokenID, scoped.AllowReauth = unscoped, false
		if err := keystoneAuth(ctx, pc, scoped); err != nil {
			var ae *AuthError
			if errors.As(authError(name, res.source, ao.IdentityEndpoint, err), &ae) && ae.StatusCode == http.StatusUnauthorized {
				// The login worked; the project did not.
				return &OIDCError{Site: name, Source: res.source, Step: "scope the token to " + describeScope(ao.Scope),
					Err: fmt.Errorf("refused by Keystone at %s (%v): check project_id, and that the user is a member of the project", ao.IdentityEndpoint, ae.Err)}
			}
			return authError(name, res.source, ao.IdentityEndpoint, err)
		}
		return nil
	}
	if err := auth(ctx, provider); err != nil {
		return err
	}
	provider.ReauthFunc = func(ctx context.Context) error {
		// As gophercloud's own re-authentication: a throw-away copy authenticates, so its
		// requests do not wait on the re-authentication they are part of.
		tac := *provider
		tac.SetThrowaway(true)
		tac.ReauthFunc = nil
		if err := tac.SetTokenAndAuthResult(nil); err != nil {
			return err
		}
		if err := auth(ctx, &tac); err != nil {
			return err
		}
		provider.CopyTokenFrom(&tac)
		return nil
	}
	return nil
}

func describeScope(sc *gophercloud.AuthScope) string {
	if sc.ProjectID != "" {
		return fmt.Sprintf("project %s", sc.ProjectID)
	}
	return fmt.Sprintf("project %q", sc.ProjectName)
}

// loginNeeded is a device login a non-interactive run could not start.
type loginNeeded struct{ reason string }

func (e *loginNeeded) Error() string { return e.reason }

// oidcStepError names the step that failed.
type oidcStepError struct {
	step string
	err  error
}

func (e *oidcStepError) Error() string { return e.step + ": " + e.err.Error() }
func (e *oidcStepError) Unwrap() error { return e.err }

func oidcFailure(site, source string, err error) error {
	var ln *loginNeeded
	if errors.As(err, &ln) {
		return &LoginRequiredError{Site: site, Source: source, Reason: ln.reason}
	}
	var se *oidcStepError
	if errors.As(err, &se) {
		return &OIDCError{Site: site, Source: source, Step: se.step, Err: se.err}
	}
	return &OIDCError{Site: site, Source: source, Step: "OpenID Connect login", Err: err}
}

// errAccessTokenRefused is Keystone refusing an access token at the federation endpoint.
var errAccessTokenRefused = errors.New("refused the OpenID Connect access token")

// keystoneToken returns an unscoped Keystone token for the login's user. An access token
// Keystone refuses (expired early, revoked) is replaced once.
func (l *oidcLogin) keystoneToken(ctx context.Context, authURL, userAgent string) (string, error) {
	at, err := l.accessToken(ctx, "")
	if err != nil {
		return "", err
	}
	tok, err := l.federate(ctx, authURL, at, userAgent)
	if errors.Is(err, errAccessTokenRefused) && l.kind != authOIDCAccessToken {
		if at, err = l.accessToken(ctx, at); err != nil {
			return "", err
		}
		tok, err = l.federate(ctx, authURL, at, userAgent)
	}
	var se *oidcStepError
	if l.kind == authOIDCAccessToken && errors.Is(err, errAccessTokenRefused) && errors.As(err, &se) {
		se.err = fmt.Errorf("%w (access_token): it may have expired; get a new one", errAccessTokenRefused)
	}
	return tok, err
}

// federationURL is Keystone's OS-FEDERATION auth endpoint for the identity provider and
// protocol, under the v3 root of authURL.
func federationURL(authURL, idp, protocol string) string {
	base := strings.TrimSuffix(authURL, "/")
	if !strings.HasSuffix(base, "/v3") {
		base += "/v3"
	}
	return base + "/OS-FEDERATION/identity_providers/" + url.PathEscape(idp) + "/protocols/" + url.PathEscape(protocol) + "/auth"
}

func (l *oidcLogin) federate(ctx context.Context, authURL, accessToken, userAgent string) (string, error) {
	u := federationURL(authURL, l.set.IdentityProvider, l.set.Protocol)
	step := func(err error) error { return &oidcStepError{step: "Keystone federation exchange at " + u, err: err} }
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return "", step(err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	if userAgent != "" {
		req.Header.Set("User-Agent", userAgent)
	}
	resp, err := l.hc.Do(req)
	if err != nil {
		return "", step(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return "", step(errAccessTokenRefused)
	case resp.StatusCode/100 != 2:
		return "", step(fmt.Errorf("answered %s%s", resp.Status, keystoneMessage(body)))
	}
	tok := resp.Header.Get("X-Subject-Token")
	if tok == "" {
		return "", step(fmt.Errorf("answered %s without an X-Subject-Token", resp.Status))
	}
	return tok, nil
}

// keystoneMessage is Keystone's error message in body, as ": message", or "".
func keystoneMessage(body []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		return ": " + e.Error.Message
	}
	return ""
}

// accessToken returns a valid access token other than stale: the one held, else one from
// the refresh token (held, else cached), else one from a device login. A refresh token
// the provider rotates is written back to the cache at once.
func (l *oidcLogin) accessToken(ctx context.Context, stale string) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.kind == authOIDCAccessToken {
		return l.set.AccessToken, nil
	}
	if l.token != nil && l.token.AccessToken != stale && l.token.Valid() {
		return l.token.AccessToken, nil
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, l.hc)
	cfg, err := l.config(ctx)
	if err != nil {
		return "", err
	}
	// The cache first: every rotation is written there, so it is never older than the token
	// held, and it is newer when another process (ccauth, another leasefile) has rotated it
	// since; presenting a spent token makes some providers revoke the whole chain.
	refresh := ""
	if l.cache != nil {
		if refresh, err = l.cache.load(); err != nil {
			return "", &oidcStepError{step: "the login cache " + l.cache.path, err: err}
		}
	}
	if refresh == "" && l.token != nil {
		refresh = l.token.RefreshToken
	}
	reason := "there is no cached login (" + l.cachePath() + ")"
	if refresh != "" {
		tok, err := l.refresh(ctx, cfg, refresh)
		if err == nil {
			return l.keep(tok)
		}
		if !refused(err) {
			return "", &oidcStepError{step: "the refresh-token grant at " + cfg.Endpoint.TokenURL, err: err}
		}
		reason = "the OpenID Connect provider refused the cached login (" + l.cachePath() + "): it has expired or was revoked (" + err.Error() + ")"
	}
	if l.prompt == nil {
		return "", &loginNeeded{reason: reason}
	}
	tok, err := l.deviceLogin(ctx, cfg, reason)
	if err != nil {
		return "", err
	}
	return l.keep(tok)
}

func (l *oidcLogin) cachePath() string {
	if l.cache == nil {
		return "auth_type " + l.kind + " keeps no login between runs"
	}
	return l.cache.path
}

// refresh trades refresh for new tokens. When the provider refuses a cached token that
// another process (ccauth, another leasefile) has meanwhile rotated in the cache, the
// newer one is tried.
func (l *oidcLogin) refresh(ctx context.Context, cfg *oauth2.Config, refresh string) (*oauth2.Token, error) {
	tok, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: refresh}).Token()
	if err != nil && refused(err) && l.cache != nil {
		if newer, lerr := l.cache.load(); lerr == nil && newer != "" && newer != refresh {
			return cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: newer}).Token()
		}
	}
	return tok, err
}

// refused reports whether the token endpoint refused the grant itself (RFC 6749 section
// 5.2), as opposed to failing: only then is a new login the remedy.
func refused(err error) bool {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return false
	}
	switch re.ErrorCode {
	case "invalid_grant", "invalid_token", "unauthorized_client":
		return true
	}
	return re.Response != nil && (re.Response.StatusCode == http.StatusBadRequest || re.Response.StatusCode == http.StatusUnauthorized)
}

// keep holds tok and writes its refresh token to the cache.
func (l *oidcLogin) keep(tok *oauth2.Token) (string, error) {
	l.token = tok
	if l.cache != nil && tok.RefreshToken != "" {
		if err := l.cache.save(tok.RefreshToken, l.now()); err != nil {
			return "", &oidcStepError{step: "the login cache", err: err}
		}
	}
	return tok.AccessToken, nil
}

// deviceLogin runs the device authorization grant: the user approves in a browser while
// this polls at the provider's interval, until the code expires (at most maxDeviceWait).
func (l *oidcLogin) deviceLogin(ctx context.Context, cfg *oauth2.Config, reason string) (*oauth2.Token, error) {
	if cfg.Endpoint.DeviceAuthURL == "" {
		return nil, &oidcStepError{step: "device login", err: errors.New("the provider's discovery document has no device_authorization_endpoint")}
	}
	da, err := cfg.DeviceAuth(ctx)
	if err != nil {
		return nil, &oidcStepError{step: "device authorization at " + cfg.Endpoint.DeviceAuthURL, err: err}
	}
	limit := time.Now().Add(maxDeviceWait)
	if da.Expiry.IsZero() || da.Expiry.After(limit) {
		da.Expiry = limit
	}
	l.prompt(DeviceLogin{VerificationURI: da.VerificationURI, VerificationURIComplete: da.VerificationURIComplete,
		UserCode: da.UserCode, Expires: da.Expiry, Reason: reason})
	tok, err := cfg.DeviceAccessToken(ctx, da)
	if err != nil {
		var re *oauth2.RetrieveError
		switch {
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
			err = errors.New("the code expired before the login was approved")
		case errors.As(err, &re) && re.ErrorCode == "expired_token":
			err = errors.New("the code expired before the login was approved")
		case errors.As(err, &re) && re.ErrorCode == "access_denied":
			err = errors.New("the login was denied")
		}
		return nil, &oidcStepError{step: "device login", err: err}
	}
	return tok, nil
}

// config returns the OAuth2 client for the provider, its endpoints found once through the
// discovery document unless the entry names them.
func (l *oidcLogin) config(ctx context.Context) (*oauth2.Config, error) {
	if l.endpoints == nil {
		ep := oauth2.Endpoint{TokenURL: l.set.AccessTokenEndpoint, DeviceAuthURL: l.set.DeviceAuthorizationEndpoint}
		if ep.TokenURL == "" || ep.DeviceAuthURL == "" {
			d, err := discover(ctx, l.hc, l.set.DiscoveryEndpoint)
			if err != nil {
				return nil, &oidcStepError{step: "OpenID Connect discovery at " + l.set.DiscoveryEndpoint, err: err}
			}
			ep.TokenURL = coalesce(ep.TokenURL, d.TokenEndpoint)
			ep.DeviceAuthURL = coalesce(ep.DeviceAuthURL, d.DeviceAuthorizationEndpoint)
		}
		if l.set.ClientSecret == "" {
			// A public client (ccauth's): the id goes in the form, without a wasted try of
			// basic auth first.
			ep.AuthStyle = oauth2.AuthStyleInParams
		}
		l.endpoints = &ep
	}
	return &oauth2.Config{ClientID: l.set.ClientID, ClientSecret: l.set.ClientSecret, Endpoint: *l.endpoints,
		Scopes: strings.Fields(l.set.Scope)}, nil
}

// discovery is the part of an OpenID Provider's metadata this uses.
type discovery struct {
	Issuer                      string `json:"issuer"`
	TokenEndpoint               string `json:"token_endpoint"`
	DeviceAuthorizationEndpoint string `json:"device_authorization_endpoint"`
}

func discover(ctx context.Context, hc *http.Client, endpoint string) (*discovery, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("answered %s", resp.Status)
	}
	var d discovery
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&d); err != nil {
		return nil, fmt.Errorf("not a discovery document: %w", err)
	}
	if d.TokenEndpoint == "" {
		return nil, errors.New("the discovery document has no token_endpoint")
	}
	return &d, nil
}
