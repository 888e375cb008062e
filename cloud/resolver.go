package cloud

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
)

// SiteConfig is a Leasefile's sites.<site> entry: which clouds.yaml entry
// reaches the site, and optionally which region of it.
type SiteConfig struct {
	Cloud, Region string
}

// Resolver resolves site names to authenticated clients. The zero value
// reads the process environment and the usual clouds.yaml locations. It is
// safe for concurrent use; set its fields before the first Connect.
type Resolver struct {
	// Env reads environment variables; nil means os.Getenv.
	Env func(string) string
	// CloudsYAML, when non-nil, is used instead of searching for
	// clouds.yaml (--local gives the emulator's).
	CloudsYAML []byte
	// CloudsYAMLName names CloudsYAML in messages ("the local emulator's
	// clouds.yaml"); "" means "the clouds.yaml given to leasefile".
	CloudsYAMLName string
	// Local says CloudsYAML is the local emulator's (--local): messages do
	// not suggest --local then.
	Local bool
	// Sites are the Leasefile's sites entries.
	Sites map[string]SiteConfig
	// HTTPClient is the client to copy for every site; nil means a default
	// client. A cloud's TLS settings are applied to its transport when it
	// is nil, an *http.Transport or a DebugTransport.
	HTTPClient *http.Client
	// UserAgent is prepended to gophercloud's User-Agent.
	UserAgent string
	// DeviceLogin shows the user where to approve an OpenID Connect device login; nil
	// means the run is not interactive, and a login that needs the user fails at once.
	DeviceLogin func(DeviceLogin)
	// Retry repeats an authentication that failed transiently (see authenticate); its
	// OnRetry gets errors that name the site and Keystone.
	Retry blazar.Retrier

	loadOnce sync.Once
	clouds   *cloudsFile
	paths    []string
	loadErr  error

	mu     sync.Mutex
	cache  map[string]*pending
	logins map[loginKey]*oidcLogin // by provider and client: one login for every site
}

type pending struct {
	done chan struct{}
	site *Site
	err  error
}

// Site is an authenticated connection to one site's project.
type Site struct {
	// Name is the site name as the Leasefile spells it.
	Name string
	// Reservation is the Blazar v1 client.
	Reservation *gophercloud.ServiceClient
	// Network is the Neutron client; nil when the catalog has no network
	// endpoint.
	Network *gophercloud.ServiceClient
	// ObjectStore is the Swift client (catalog type object-store), for a state kept there;
	// nil when the catalog has none.
	ObjectStore *gophercloud.ServiceClient
	// Compute is the Nova v2.1 client (catalog type compute), for whether the project runs
	// servers at the site and to resolve flavor reservations' flavors; nil when the catalog
	// has none.
	Compute *gophercloud.ServiceClient
	// AuthURL, ProjectID and UserID identify the cloud and project (from
	// the token), so a state file can tell one cloud from another.
	AuthURL, ProjectID, UserID string
	// Region is the catalog region used ("" when the cloud has one).
	Region string
	// Source says where the credentials came from, for messages, e.g.
	// `clouds.yaml entry "chi-uc" (/home/u/.config/openstack/clouds.yaml)`.
	Source string
	// RestrictedAppCred is true when the token comes from a restricted
	// application credential, with which Blazar cannot create leases.
	RestrictedAppCred bool
	// Provider is the authenticated provider client.
	Provider *gophercloud.ProviderClient
}

func (r *Resolver) getenv(k string) string {
	if r.Env != nil {
		return r.Env(k)
	}
	return os.Getenv(k)
}

func (r *Resolver) load() (*cloudsFile, error) {
	r.loadOnce.Do(func() {
		if r.CloudsYAML == nil {
			r.paths = searchPaths(r.getenv)
		}
		r.clouds, r.loadErr = loadClouds(r.CloudsYAML, r.paths)
		if r.clouds != nil && r.CloudsYAML != nil {
			r.clouds.name = r.CloudsYAMLName
		}
	})
	return r.clouds, r.loadErr
}

// HasCloud reports whether clouds.yaml has an entry called name. It reads the file (once)
// and contacts nothing.
func (r *Resolver) HasCloud(name string) bool {
	cf, err := r.load()
	return err == nil && cf.has(name)
}

// Connect returns the authenticated Site for name, authenticating on first
// use. Concurrent calls for the same name share one authentication; a
// failure is not cached, so a later call tries again.
func (r *Resolver) Connect(ctx context.Context, name string) (*Site, error) {
	r.mu.Lock()
	if r.cache == nil {
		r.cache = make(map[string]*pending)
	}
	if p, ok := r.cache[name]; ok {
		r.mu.Unlock()
		select {
		case <-p.done:
			return p.site, p.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	p := &pending{done: make(chan struct{})}
	r.cache[name] = p
	r.mu.Unlock()

	p.site, p.err = r.connect(ctx, name)
	if p.err != nil {
		r.mu.Lock()
		delete(r.cache, name)
		r.mu.Unlock()
	}
	close(p.done)
	return p.site, p.err
}

// resolved is where a site's credentials come from, as clouds.Parse
// returns them.
type resolved struct {
	source   string
	auth     gophercloud.AuthOptions
	authType string
	eo       gophercloud.EndpointOpts
	tls      *tls.Config
	oidc     oidcSettings
	// byCatalog: the credentials name one cloud for every site and no region, so they serve
	// only the site named like their catalog's region (checked once authenticated).
	byCatalog bool
}

func (r *Resolver) resolve(name string) (*resolved, error) {
	cf, err := r.load()
	if err != nil {
		return nil, fmt.Errorf("site %q: %w", name, err)
	}
	cfg := r.Sites[name]
	// region is passed even when empty: clouds.Parse would otherwise let
	// the process's OS_REGION_NAME override a named entry's region_name.
	fromCloud := func(cloudName, source, region string) (*resolved, error) {
		src := fmt.Sprintf("clouds.yaml entry %q (%s)", cloudName, cf.describe())
		// The entry says which interface to use, not OS_INTERFACE.
		ao, eo, tc, err := parseCloud(cf, cloudName, r.getenv, clouds.WithRegion(region), clouds.WithEndpointType(""))
		if err != nil {
			return nil, fmt.Errorf("site %q: %s: %w", name, src, err)
		}
		return &resolved{source: source + src, auth: ao, authType: string(cf.entries[cloudName].AuthType), eo: eo, tls: tc,
			oidc: cf.oidc[cloudName]}, nil
	}
	if cfg.Cloud != "" {
		if !cf.has(cfg.Cloud) {
			return nil, &NoCredentialsError{Site: name, Cloud: cfg.Cloud, Paths: r.paths, Local: r.Local, clouds: cf}
		}
		return fromCloud(cfg.Cloud, "", cfg.Region)
	}
	if cf.has(name) {
		return fromCloud(name, "", cfg.Region)
	}
	// OS_CLOUD and the OS_* variables name one cloud for every site. On Chameleon each site is
	// its own cloud, named like its region: using credentials of region CHI@UC for a lease at
	// CHI@TACC would put the lease at the wrong site, so a region that is not the site's is
	// refused unless the Leasefile says which region the site is.
	sameRegion := func(res *resolved, err error) (*resolved, error) {
		if err != nil || cfg.Region != "" || res.eo.Region == name {
			return res, err
		}
		if res.eo.Region == "" {
			res.byCatalog = true
			return res, nil
		}
		return nil, &RegionMismatchError{Site: name, Region: res.eo.Region, Source: res.source}
	}
	if c := r.getenv("OS_CLOUD"); c != "" {
		if !cf.has(c) {
			return nil, &NoCredentialsError{Site: name, Cloud: c, FromOSCloud: true, Paths: r.paths, Local: r.Local, clouds: cf}
		}
		return sameRegion(fromCloud(c, "OS_CLOUD="+c+": ", coalesce(cfg.Region, r.getenv("OS_REGION_NAME"))))
	}
	if u := r.getenv("OS_AUTH_URL"); u != "" {
		ao, eo, tc, err := parseEnv(r.getenv, coalesce(cfg.Region, r.getenv("OS_REGION_NAME")))
		if err != nil {
			return nil, fmt.Errorf("site %q: OS_* environment: %w", name, err)
		}
		return sameRegion(&resolved{source: "the OS_* environment (OS_AUTH_URL=" + u + ")", auth: ao,
			authType: r.getenv("OS_AUTH_TYPE"), eo: eo, tls: tc, oidc: oidcFromEnv(r.getenv)}, nil)
	}
	return nil, &NoCredentialsError{Site: name, Paths: r.paths, Local: r.Local, clouds: cf}
}

func (r *Resolver) connect(ctx context.Context, name string) (*Site, error) {
	res, err := r.resolve(name)
	if err != nil {
		return nil, err
	}
	ao, err := authOptions(res.auth, res.authType)
	if err != nil {
		return nil, fmt.Errorf("site %q: %s: %w", name, res.source, err)
	}
	provider, err := r.newProvider(name, res, ao)
	if err != nil {
		return nil, err
	}
	if isOIDC(res.authType) {
		if res.oidc, err = res.oidc.check(res.authType); err != nil {
			return nil, fmt.Errorf("site %q: %s: %w", name, res.source, err)
		}
		if err := r.authenticateOIDC(ctx, provider, ao, name, res); err != nil {
			return nil, err
		}
	} else if err := r.authenticate(ctx, name, provider, ao); err != nil {
		return nil, authError(name, res.source, ao.IdentityEndpoint, err)
	}
	if res.byCatalog {
		// Without a region, gophercloud would take the catalog's first Blazar endpoint for
		// every site: the lease would land at the credentials' own site whatever it says.
		regions := catalogRegions(provider, "reservation")
		if !slices.Contains(regions, name) {
			return nil, &NoCredentialsError{Site: name, Source: res.source, CatalogRegions: regions, Paths: r.paths, clouds: r.clouds}
		}
		res.eo.Region = name
	}
	site := &Site{Name: name, AuthURL: ao.IdentityEndpoint, Region: res.eo.Region, Source: res.source, Provider: provider}
	if err := site.serviceClients(res); err != nil {
		return nil, err
	}
	site.fromToken()
	return site, nil
}

// newProvider is the provider client for a site, before authentication.
func (r *Resolver) newProvider(name string, res *resolved, ao gophercloud.AuthOptions) (*gophercloud.ProviderClient, error) {
	// Not config.NewProviderClient: its TLS option replaces the transport
	// (losing a DebugTransport), and the User-Agent must be set before the
	// token request it makes.
	provider, err := openstack.NewClient(ao.IdentityEndpoint)
	if err != nil {
		return nil, fmt.Errorf("site %q: %s: auth_url %q: %w", name, res.source, ao.IdentityEndpoint, err)
	}
	var hc http.Client
	if r.HTTPClient != nil {
		hc = *r.HTTPClient
	}
	if customTLS(res.tls) {
		hc.Transport = withTLS(hc.Transport, res.tls)
	}
	provider.HTTPClient = hc
	if r.UserAgent != "" {
		provider.UserAgent.Prepend(r.UserAgent)
	}
	return provider, nil
}

// serviceClients makes the site's service clients from the authenticated provider: Blazar
// must be in the catalog, Neutron, Swift and Nova may be missing (their client stays nil).
func (site *Site) serviceClients(res *resolved) error {
	name, provider, eo, region := site.Name, site.Provider, res.eo, res.eo.Region
	var err error
	site.Reservation, err = blazar.NewReservationV1(provider, eo)
	if err != nil {
		return fmt.Errorf("site %q: %s: %w", name, res.source, endpointError("Blazar (reservation)", region, err))
	}
	site.Network, err = newNetworkV2(provider, eo)
	if err != nil {
		var nf *gophercloud.ErrEndpointNotFound
		if !errors.As(err, &nf) {
			return fmt.Errorf("site %q: %s: %w", name, res.source, endpointError("Neutron (network)", region, err))
		}
		site.Network = nil
	}
	if site.ObjectStore, err = openstack.NewObjectStorageV1(provider, eo); err != nil {
		var nf *gophercloud.ErrEndpointNotFound
		if !errors.As(err, &nf) {
			return fmt.Errorf("site %q: %s: %w", name, res.source, endpointError("Swift (object-store)", region, err))
		}
		site.ObjectStore = nil
	}
	if site.Compute, err = openstack.NewComputeV2(provider, eo); err != nil {
		var nf *gophercloud.ErrEndpointNotFound
		if !errors.As(err, &nf) {
			return fmt.Errorf("site %q: %s: %w", name, res.source, endpointError("Nova (compute)", region, err))
		}
		site.Compute = nil
	}
	return nil
}

// fromToken reads the project, the user and whether an application credential is restricted
// from the token the site authenticated with.
func (site *Site) fromToken() {
	switch t := site.Provider.GetAuthResult().(type) {
	case *keystoneToken:
		site.ProjectID, site.UserID, site.RestrictedAppCred = t.project, t.user, t.restricted
	case tokens.CreateResult:
		site.ProjectID, site.UserID, site.RestrictedAppCred = tokenFacts(t)
	}
}

// tokenFacts reads the project ID, the user ID and whether an application credential is
// restricted from a token, as tokenFactsEach does but in one extraction (each re-encodes the
// whole token, catalog included): when every field decodes, each alone would decode alike.
func tokenFacts(cr tokens.CreateResult) (project, user string, restricted bool) {
	// tokens' ExtractInto already descends into "token".
	var tok struct {
		Project *tokens.Project `json:"project"`
		User    *tokens.User    `json:"user"`
		AppCred *struct {
			Restricted bool `json:"restricted"`
		} `json:"application_credential"`
	}
	if cr.ExtractInto(&tok) != nil {
		return tokenFactsEach(cr)
	}
	if tok.Project != nil {
		project = tok.Project.ID
	}
	if tok.User != nil {
		user = tok.User.ID
	}
	if tok.AppCred != nil {
		restricted = tok.AppCred.Restricted
	}
	return project, user, restricted
}

// tokenFactsEach is tokenFacts field by field, so that one that does not decode loses
// only itself.
func tokenFactsEach(cr tokens.CreateResult) (project, user string, restricted bool) {
	if p, err := cr.ExtractProject(); err == nil && p != nil {
		project = p.ID
	}
	if u, err := cr.ExtractUser(); err == nil && u != nil {
		user = u.ID
	}
	var tok struct {
		AppCred *struct {
			Restricted bool `json:"restricted"`
		} `json:"application_credential"`
	}
	if cr.ExtractInto(&tok) == nil && tok.AppCred != nil {
		restricted = tok.AppCred.Restricted
	}
	return project, user, restricted
}

// catalogRegions lists the regions of the token's catalog that have an endpoint of
// serviceType, sorted.
func catalogRegions(provider *gophercloud.ProviderClient, serviceType string) []string {
	var catalog *tokens.ServiceCatalog
	switch t := provider.GetAuthResult().(type) {
	case *keystoneToken:
		catalog = &t.catalog
	case tokens.CreateResult:
		var err error
		if catalog, err = t.ExtractServiceCatalog(); err != nil {
			return nil
		}
	default:
		return nil
	}
	var out []string
	for _, entry := range catalog.Entries {
		if entry.Type != serviceType {
			continue
		}
		for _, ep := range entry.Endpoints {
			region := coalesce(ep.RegionID, ep.Region)
			if region != "" && !slices.Contains(out, region) {
				out = append(out, region)
			}
		}
	}
	slices.Sort(out)
	return out
}

// newNetworkV2 is openstack.NewNetworkV2 without its version discovery:
// Neutron's catalog URL is unversioned, so gophercloud would GET it on every
// connection to learn what "v2.0/" already says.
func newNetworkV2(provider *gophercloud.ProviderClient, eo gophercloud.EndpointOpts) (*gophercloud.ServiceClient, error) {
	eo.ApplyDefaults("network")
	url, err := provider.EndpointLocator(eo)
	if err != nil {
		return nil, err
	}
	return &gophercloud.ServiceClient{ProviderClient: provider, Endpoint: url, Type: "network",
		ResourceBase: gophercloud.NormalizeURL(url) + "v2.0/"}, nil
}

func endpointError(service, region string, err error) error {
	var nf *gophercloud.ErrEndpointNotFound
	if errors.As(err, &nf) {
		where := "any region"
		if region != "" {
			where = fmt.Sprintf("region %q", region)
		}
		return fmt.Errorf("the service catalog has no %s endpoint in %s: check region_name / OS_REGION_NAME", service, where)
	}
	return err
}

// withTLS applies a cloud's TLS settings to the innermost transport it can
// reach, keeping a debug trace in front of it.
func withTLS(rt http.RoundTripper, cfg *tls.Config) http.RoundTripper {
	switch t := rt.(type) {
	case nil:
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = cfg
		return tr
	case *http.Transport:
		tr := t.Clone()
		tr.TLSClientConfig = cfg
		return tr
	case *debugTransport:
		c := *t
		c.next = withTLS(t.next, cfg)
		return &c
	}
	return rt
}
