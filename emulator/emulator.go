package emulator

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config configures an Emulator. The zero value serves DefaultInventory in
// memory on the real clock.
type Config struct {
	Clock      Clock         // nil: real time (UTC)
	Inventory  *Inventory    // nil: DefaultInventory() (CHI@UC, CHI@TACC, CHI@Edge)
	StartDelay time.Duration // time a lease spends STARTING once its start is picked up, and TERMINATING after its end; 0 = 10s; negative = immediate
	DataFile   string        // "": in memory; else JSON file loaded at New and saved atomically after every mutation
	Latency    time.Duration // added to every request
	FaultRate  float64       // probability of a 503 on any Blazar call
	TokenTTL   time.Duration // 0 = 1h
	// Blazar and Keystone pick the profiles (BlazarChameleon, BlazarUpstream; KeystoneLegacy,
	// KeystoneFixed, KeystoneInsecureEscalation); "" takes the inventory's, else chameleon
	// and legacy.
	Blazar, Keystone string
	// EventInterval is the manager's event poll: a lease's start and end are picked up at the
	// next multiple of it. 0 = DefaultEventInterval; negative = at once.
	EventInterval time.Duration
	// ObjectStore lists, by site name, the URL a site's catalog gives as its object-store
	// (Swift) endpoint; the emulator serves no object store itself (tests point it at a real
	// Swift). None by default.
	ObjectStore map[string]string
}

// Emulator is Keystone, Blazar v1 and the Neutron bits leases need, for
// every site of its inventory, as one http.Handler.
type Emulator struct {
	cfg        Config
	clock      Clock
	startDelay time.Duration
	ttl        time.Duration
	poll       time.Duration
	blazar     string
	keystone   string

	mu       sync.Mutex
	inv      *Inventory
	sites    []*site
	bySlug   map[string]*site
	byName   map[string]*site
	tokens   map[string]*token
	faults   []*Fault
	calls    map[callKey]int
	orphans  map[string][]*lease
	lastGood []byte // last bytes written to DataFile, to roll back a failed save
	addr     string // the address recorded in DataFile (SetAddr)
	rng      *rand.Rand
	oidc     oidcRealm // the OpenID Connect provider (oidc.go), with its own lock

	disk journalState // what DataFile and its journal hold (journal.go)
}

// New builds an Emulator, loading cfg.DataFile when it exists.
func New(cfg Config) (*Emulator, error) {
	e := &Emulator{cfg: cfg, clock: cfg.Clock, startDelay: cfg.StartDelay, ttl: cfg.TokenTTL,
		tokens: map[string]*token{}, calls: map[callKey]int{},
		rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
	if e.clock == nil {
		e.clock = realClock{}
	}
	switch {
	case e.startDelay == 0:
		e.startDelay = 10 * time.Second
	case e.startDelay < 0:
		e.startDelay = 0
	}
	if e.ttl <= 0 {
		e.ttl = time.Hour
	}
	switch e.poll = cfg.EventInterval; {
	case e.poll == 0:
		e.poll = DefaultEventInterval
	case e.poll < 0:
		e.poll = 0
	}
	inv := cfg.Inventory
	if inv == nil {
		inv = DefaultInventory()
	}
	if err := inv.check(); err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	e.blazar, e.keystone = cmp.Or(cfg.Blazar, inv.Blazar, BlazarChameleon), cmp.Or(cfg.Keystone, inv.Keystone, KeystoneLegacy)
	if err := checkProfiles(e.blazar, e.keystone); err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	e.inv = inv
	e.bySlug, e.byName = map[string]*site{}, map[string]*site{}
	for i := range inv.Sites {
		s := newSite(&inv.Sites[i])
		s.fork = e.fork()
		e.sites = append(e.sites, s)
		e.bySlug[s.slug] = s
		e.byName[s.name] = s
	}
	if cfg.DataFile != "" {
		if err := e.load(); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Sites returns the site names, in inventory order.
func (e *Emulator) Sites() []string {
	out := make([]string, len(e.sites))
	for i, s := range e.sites {
		out[i] = s.name
	}
	return out
}

func (e *Emulator) now() time.Time { return e.clock.Now().UTC() }

// ServeHTTP routes {slug}/identity, {slug}/reservation, {slug}/network and {slug}/compute.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if e.cfg.Latency > 0 {
		sleepCtx(r.Context(), e.cfg.Latency)
	}
	if strings.HasPrefix(r.URL.Path, OIDCRealmPath+"/") {
		e.serveOIDC(w, r)
		return
	}
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 3)
	e.mu.Lock()
	s := e.bySlug[parts[0]]
	e.mu.Unlock()
	if s == nil || len(parts) < 2 {
		writeWerkzeug(w, http.StatusNotFound)
		return
	}
	rest := "/"
	if len(parts) == 3 {
		rest += parts[2]
	}
	base := baseURL(r) + "/" + s.slug
	switch parts[1] {
	case "identity":
		e.serveKeystone(w, r, s, base, rest)
	case "reservation":
		e.serveBlazar(w, r, s, base, rest)
	case "network":
		e.serveNeutron(w, r, s, base, rest)
	case "compute":
		e.serveNova(w, r, s, base, rest)
	default:
		writeWerkzeug(w, http.StatusNotFound)
	}
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// Server is an Emulator listening on a loopback port.
type Server struct {
	*Emulator
	URL string // http://127.0.0.1:PORT

	srv *http.Server
	ln  net.Listener
}

// Start serves a new Emulator on 127.0.0.1 with a free port.
func Start(cfg Config) (*Server, error) { return StartAddr(cfg, "127.0.0.1:0") }

// StartAddr serves a new Emulator on addr (host:port).
func StartAddr(cfg Config, addr string) (*Server, error) {
	e, err := New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("emulator: listen: %w", err)
	}
	s := &Server{Emulator: e, URL: "http://" + ln.Addr().String(), ln: ln,
		// Every request's time is bounded: a client that trickles its body in gives up
		// its connection, and the body is read before any lock is taken anyway.
		srv: &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server. Every mutation is already saved (DataFile and its journal), so
// Close writes only a data file that does not exist yet, or compacts the journal this
// emulator appended to: rewriting the copy loaded at start unchanged would undo what another
// process saved in the meantime.
func (s *Server) Close() error {
	err := s.srv.Close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if serr := s.Emulator.saveIfUnsaved(); serr != nil && err == nil {
		err = serr
	}
	return err
}

// AuthURL is the Keystone v3 URL of a site.
func (s *Server) AuthURL(site string) string {
	return s.URL + "/" + Slug(site) + "/identity/v3"
}

// CloudsYAML is a clouds.yaml with one password-auth entry per site, named
// exactly like the site, for the demo user and project.
func (s *Server) CloudsYAML() []byte {
	return s.CloudsYAMLNamed(func(site string) string { return site })
}

// CloudsYAMLNamed is CloudsYAML with each site's entry named entry(site).
func (s *Server) CloudsYAMLNamed(entry func(site string) string) []byte {
	var b strings.Builder
	b.WriteString("clouds:\n")
	for _, name := range s.Sites() {
		fmt.Fprintf(&b, "  %q:\n    auth_type: password\n    auth:\n      auth_url: %q\n      username: %q\n      password: %q\n      project_name: %q\n      user_domain_name: %q\n      project_domain_name: %q\n    region_name: %q\n    interface: public\n    identity_api_version: 3\n",
			entry(name), s.AuthURL(name), DemoUser, DemoPassword, DemoProject, DemoDomain, DemoDomain, name)
	}
	return []byte(b.String())
}

// Env is the OS_* environment for password auth as the demo user at a site.
func (s *Server) Env(site string) []string {
	return []string{
		"OS_AUTH_URL=" + s.AuthURL(site),
		"OS_USERNAME=" + DemoUser,
		"OS_PASSWORD=" + DemoPassword,
		"OS_PROJECT_NAME=" + DemoProject,
		"OS_USER_DOMAIN_NAME=" + DemoDomain,
		"OS_PROJECT_DOMAIN_NAME=" + DemoDomain,
		"OS_REGION_NAME=" + site,
		"OS_INTERFACE=public",
		"OS_IDENTITY_API_VERSION=3",
		"OS_AUTH_TYPE=password",
	}
}
