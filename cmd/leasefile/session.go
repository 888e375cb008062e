package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chameleoncloud/leasefile/apply"
	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/cloud"
	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
)

// localDir is where --local keeps the emulator's data and its own state, beside the Leasefile.
const localDir = ".leasefile/local"

// localStartDelay is how long a local lease stays STARTING: real Blazar takes 10-20 s, the
// demo should not make a newcomer wait that long.
const localStartDelay = 3 * time.Second

// localEventInterval is the local emulator's event poll: Chameleon's manager polls every
// 10 s, which would make the quick start wait for nothing.
const localEventInterval = time.Second

// session is what a command that talks to Blazar needs: the Leasefile, the state, and
// authenticated sites, each obtained lazily so that commands use only what they need.
type session struct {
	a *app

	specPath string
	spec     *spec.File
	specHash string

	statePath string        // the local state file; "" for a remote backend
	backend   state.Backend // where the state is kept: all reads, writes and locks go through it
	held      state.Held    // the state lock, once lockState took it
	state     *state.File
	existed   bool
	// checkLeasefile: the command uses the Leasefile, so the state must be its own.
	checkLeasefile bool

	resolver *cloud.Resolver
	localDir string // set with --local: the emulator starts on the first connect
	local    *emulator.Server
	unlock   func() // releases localDir

	mu    sync.Mutex
	sites map[string]*cloud.Site
	// lastLive is what live listed last, for the availability check of the same plan, and
	// lastDropped the IDs of the leases it left out (planLive), which are the project's too.
	lastLive    map[string][]leases.Lease
	lastDropped []string

	warnMu sync.Mutex // serialises warnings from concurrent calls
}

// canPrompt reports whether a login may wait for the user: stdin and stderr are terminals
// and this is not CI. A CI job or a pipe fails at once instead of waiting for a device login
// nobody will approve.
func (a *app) canPrompt() bool {
	if ci := strings.ToLower(a.getenv("CI")); ci != "" && ci != "false" && ci != "0" {
		return false
	}
	if a.interactive != nil {
		return *a.interactive
	}
	return isTTY(a.stdin) && isTTY(a.stderr)
}

// abs resolves a path given on the command line against the working directory.
func (a *app) abs(p string) string {
	if p == "" || filepath.IsAbs(p) || a.wd == "" {
		return p
	}
	return filepath.Join(a.wd, p)
}

// specNeed says what a command needs of the Leasefile.
type specNeed int

const (
	specNone     specNeed = iota // never read it (state, force-unlock): they must work while it is broken
	specOptional                 // use it when it parses, warn when it does not (destroy, output, wait)
	specRequired                 // fail without it (plan, apply, import)
)

// openSession loads the Leasefile (as need says) and the state. The Leasefile's directory
// anchors the default state path and the --local directory.
func (a *app) openSession(ctx context.Context, need specNeed) (*session, error) {
	s := &session{a: a, sites: map[string]*cloud.Site{}}
	path, err := a.leasefilePath()
	if err != nil {
		if need == specRequired {
			return nil, err
		}
		path = ""
	}
	s.specPath = path
	if path != "" && need != specNone {
		if err := s.loadSpec(path); err != nil {
			if need == specRequired {
				return nil, err
			}
			a.warnf("ignoring the Leasefile, which does not validate (leasefile validate shows why)")
		}
	}
	base := a.abs(".")
	if path != "" {
		base = filepath.Dir(path)
	}
	switch {
	case a.statePath != "":
		s.statePath = a.abs(a.statePath)
	case a.local:
		s.statePath = filepath.Join(base, localDir, state.FileNameFor(path))
	default:
		s.statePath = filepath.Join(base, state.FileNameFor(path))
	}
	if dir := filepath.Dir(s.statePath); a.statePath != "" {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("--state %s: directory %s does not exist", a.statePath, dir)
		}
	}
	s.resolver = &cloud.Resolver{Env: a.getenv, UserAgent: "leasefile/" + strings.TrimPrefix(versionString(), "leasefile ")}
	s.resolver.Retry = s.retrier("")
	if s.spec != nil {
		s.resolver.Sites = map[string]cloud.SiteConfig{}
		for name, c := range s.spec.Sites {
			s.resolver.Sites[name] = cloud.SiteConfig{Cloud: c.Cloud, Region: c.Region}
		}
	}
	if a.cloudsYAML != nil {
		s.resolver.CloudsYAML = a.cloudsYAML
	}
	if a.canPrompt() {
		s.resolver.DeviceLogin = a.deviceLogin
	}
	if a.debug {
		s.resolver.HTTPClient = &http.Client{Transport: cloud.DebugTransport(a.stderr, nil)}
	}
	if a.local {
		s.localDir = filepath.Join(base, localDir)
	}
	if s.backend, err = s.openBackend(ctx); err != nil {
		return nil, err
	}
	if _, local := s.backend.(*state.Local); !local {
		s.statePath = ""
	}
	st, existed, err := s.backend.Read(ctx)
	if err != nil {
		return nil, err
	}
	s.state, s.existed = st, existed
	s.checkLeasefile = path != "" && need != specNone
	if err := s.ownState(); err != nil {
		return nil, err
	}
	return s, nil
}

// where is the state's location for messages: the file relative to the working directory,
// or the remote backend's location.
func (s *session) where() string {
	if s.statePath != "" {
		return displayPath(s.a, s.statePath)
	}
	return s.backend.Location()
}

// store is the state for apply and wait, written through the backend under the lock held.
func (s *session) store() *state.Store {
	return state.NewStore(s.backend, s.state).WithLock(s.held)
}

// ownState refuses a state written by another Leasefile and records this one as its writer.
func (s *session) ownState() error {
	if !s.checkLeasefile {
		return nil
	}
	anchor := s.statePath
	if anchor == "" {
		anchor = s.remoteAnchor()
	}
	err := s.state.CheckLeasefile(anchor, s.specPath)
	var me *state.LeasefileMismatchError
	if errors.As(err, &me) {
		return &codeError{code: exitError,
			msg: fmt.Sprintf("state %s was written by the Leasefile %s, not %s: each Leasefile has its own state",
				displayPath(s.a, me.State), displayPath(s.a, me.Recorded), displayPath(s.a, me.Used)),
			hint: otherLeasefileHint(displayPath(s.a, me.Recorded))}
	}
	return err
}

func (s *session) loadSpec(path string) error {
	text, err := s.a.readLeasefileText(path)
	if err != nil {
		return err
	}
	// The hash is of the bytes, parsed or not: a saved plan is stale once the file changed.
	s.specHash = hashText(text)
	f, err := s.a.parseSpec(path, text)
	if err != nil {
		return err
	}
	s.spec = f
	return nil
}

// hashText is the hex SHA-256 of text, hashed a block at a time, not from a copy of it.
func hashText(text string) string {
	h := sha256.New()
	var buf [4096]byte
	for len(text) > 0 {
		n := copy(buf[:], text)
		h.Write(buf[:n])
		text = text[n:]
	}
	return hex.EncodeToString(h.Sum(nil))
}

// displayPath shortens path for messages: relative to the working directory when inside it.
func displayPath(a *app, path string) string {
	wd := a.wd
	if wd == "" {
		wd, _ = os.Getwd()
	}
	if rel, err := filepath.Rel(wd, path); err == nil && !filepath.IsAbs(rel) && rel != "" && rel[0] != '.' {
		return rel
	}
	return path
}

// startLocal runs the embedded emulator on loopback, persisted in dir, and points the
// resolver at it. One leasefile process at a time uses a local directory: two emulators on
// one data file would each save their own view of it.
func (s *session) startLocal(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	unlock, err := lockDir(ctx, filepath.Join(dir, "emulator.lock"), 30*time.Second)
	if err != nil {
		return err
	}
	s.unlock = unlock
	cfg := emulator.Config{DataFile: filepath.Join(dir, "emulator.json"), StartDelay: localStartDelay, EventInterval: localEventInterval}
	if s.a.clock != nil {
		cfg.Clock = s.a.clock
	}
	srv, err := emulator.Start(cfg)
	if err != nil {
		unlock()
		return fmt.Errorf("start the local emulator: %w", err)
	}
	s.local = srv
	// Other projects' leases on the calendar, so availability and plan's capacity check show
	// a busy site; seeded once per local directory.
	if err := srv.SeedOtherProjects(); err != nil {
		return err
	}
	s.resolver.CloudsYAML = srv.CloudsYAML()
	s.resolver.CloudsYAMLName = "the local emulator's clouds.yaml"
	s.resolver.Local = true
	s.resolver.Sites = nil // local clouds are named like the sites
	return nil
}

// lockDir takes an exclusive lock on path, waiting up to timeout for another process to
// release it; the returned function releases it.
func lockDir(ctx context.Context, path string, timeout time.Duration) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing releases the lock
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, &codeError{code: exitError, msg: fmt.Sprintf("another leasefile --local command is using %s", filepath.Dir(path)),
					hint: hintLocalBusy}
			}
			return nil, err
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// close stops the local emulator and releases its directory.
func (s *session) close() {
	if s.local != nil {
		if err := s.local.Close(); err != nil {
			s.a.warnf("local emulator: %v", err)
		}
	}
	if s.unlock != nil {
		s.unlock()
	}
}

// connect authenticates to the named sites concurrently and checks each against the
// identity the state recorded.
func (s *session) connect(ctx context.Context, names []string) error {
	if s.localDir != "" && s.local == nil {
		if err := s.startLocal(ctx, s.localDir); err != nil {
			return err
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, len(names))
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			site, err := s.resolver.Connect(ctx, name)
			if err != nil {
				errs[i] = s.atSite(name, err)
				return
			}
			if err := s.state.CheckSite(name, s.identity(site)); err != nil {
				errs[i] = &codeError{code: exitError, msg: err.Error(), hint: siteMismatchHint(s.local != nil)}
				return
			}
			s.mu.Lock()
			s.sites[name] = site
			s.mu.Unlock()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// atSite positions an error that says the site cannot be reached with the credentials found
// (no credentials, or another site's) at the Leasefile's first lease there: it is a problem
// of the Leasefile, reported with the others.
func (s *session) atSite(name string, err error) error {
	var nc *cloud.NoCredentialsError
	var rm *cloud.RegionMismatchError
	if s.spec == nil || !(errors.As(err, &nc) || errors.As(err, &rm)) {
		return err
	}
	for _, l := range s.spec.Leases {
		if l.Site == name {
			return s.spec.ErrorAt(l, "site", err.Error())
		}
	}
	return err
}

func (s *session) identity(site *cloud.Site) state.Identity {
	return state.Identity{AuthURL: state.PublicURL(site.AuthURL), ProjectID: site.ProjectID, UserID: site.UserID, Local: s.local != nil}
}

// identities returns this run's identity of every connected site.
func (s *session) identities() map[string]state.Identity {
	out := map[string]state.Identity{}
	for name, site := range s.sites {
		out[name] = s.identity(site)
	}
	return out
}

// applySites adapts the connected sites for package apply.
func (s *session) applySites() map[string]apply.Site {
	out := map[string]apply.Site{}
	for name, site := range s.sites {
		out[name] = apply.Site{Reservation: site.Reservation, Network: site.Network, Compute: site.Compute, Identity: s.identity(site)}
	}
	return out
}

// siteNames is every site the Leasefile or the state mentions, sorted.
func (s *session) siteNames() []string {
	seen := map[string]bool{}
	if s.spec != nil {
		for _, n := range s.spec.SiteNames() {
			seen[n] = true
		}
	}
	for _, l := range s.state.Leases {
		seen[l.Site] = true
	}
	for _, in := range s.state.Intents {
		seen[in.Site] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

// live lists the leases of every connected site: one call per site, all sites at once. Only
// the leases the state tracks or may adopt (an intent's id or name) come with their
// reservations (and none with its events): apply's freshness check and output look no
// further into the others than their names, statuses and dates.
func (s *session) live(ctx context.Context) (map[string][]leases.Lease, error) {
	return s.list(ctx, nil)
}

// planLive is live for a plan of f, which asks about no other lease than those: the leases
// neither the state nor its intents record, whose names are neither f's nor an intent's, are
// left out of the lists (their bytes skipped unread), and only their IDs kept (lastDropped),
// for the availability check's set of the project's own leases. At 10,000 listed leases and
// 1,000 declared, that is most of the list.
func (s *session) planLive(ctx context.Context, f *spec.File) (map[string][]leases.Lease, error) {
	declared := map[string]bool{}
	if f != nil {
		for _, d := range f.Leases {
			declared[d.Name] = true
		}
	}
	return s.list(ctx, declared)
}

// list is live, and planLive when declared is not nil.
func (s *session) list(ctx context.Context, declared map[string]bool) (map[string][]leases.Lease, error) {
	// What keep answers, by id and then by name (nothing here reads events): one lookup of
	// each per listed lease.
	ids, names := map[string]bool{}, map[string]leases.Need{}
	for name := range declared {
		names[name] = leases.Scalars
	}
	for _, l := range s.state.Leases {
		ids[l.ID] = true
	}
	for _, in := range s.state.Intents {
		ids[in.ID], names[in.Name] = true, leases.Reservations
	}
	other := leases.Scalars
	if declared != nil {
		other = leases.Drop
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := map[string][]leases.Lease{}
	var dropped []string
	var errs []error
	for name, site := range s.sites {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var list []leases.Lease
			var drops []string // may repeat an ID: keep can be asked twice about a lease
			keep := func(id, name string) leases.Need {
				if ids[id] {
					return leases.Reservations
				}
				if n, ok := names[name]; ok {
					return n
				}
				if other == leases.Drop {
					drops = append(drops, id)
				}
				return other
			}
			err := s.retrier(name+": list leases").Do(ctx, func(c context.Context) error {
				var err error
				drops = drops[:0]
				list, err = leases.ListKeep(c, site.Reservation, keep)
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: list leases: %w", name, err))
				return
			}
			out[name] = list
			dropped = append(dropped, drops...)
		}()
	}
	wg.Wait()
	s.lastLive, s.lastDropped = out, dropped
	return out, errors.Join(errs...)
}

// retrier repeats a read of the plan phase (a lease list, a network lookup) that failed
// transiently, with backoff and Retry-After as apply repeats its calls, and bounds each try so
// that an endpoint that never answers cannot hang the command. Each retry is a warning.
func (s *session) retrier(what string) blazar.Retrier {
	return blazar.Retrier{After: s.a.after, CallTimeout: s.a.callTimeout, OnRetry: func(err error, d time.Duration) {
		s.warnMu.Lock()
		defer s.warnMu.Unlock()
		if what != "" {
			err = fmt.Errorf("%s: %w", what, err)
		}
		s.a.warnf("%v; retrying in %s", err, d.Round(time.Second))
	}}
}

// floatingNetworks resolves, per site, the floating IP network names of leases the state
// already tracks, so that a plan can see a reservation's network change. Leases still to be
// created need no lookup here: apply resolves their networks.
func (s *session) floatingNetworks(ctx context.Context) (map[string]map[string]string, error) {
	if s.spec == nil {
		return nil, nil
	}
	want := map[string]map[string]bool{}
	for _, l := range s.spec.Leases {
		if _, tracked := s.state.Lease(l.Key); !tracked {
			continue
		}
		for _, r := range l.Reservations {
			if r.Type == spec.FloatingIP {
				if want[l.Site] == nil {
					want[l.Site] = map[string]bool{}
				}
				want[l.Site][r.FloatingNetwork] = true
			}
		}
	}
	out := map[string]map[string]string{}
	for site, names := range want {
		client := s.sites[site]
		if client == nil || client.Network == nil {
			continue
		}
		out[site] = map[string]string{}
		for name := range names {
			var id string
			err := s.retrier(site+": floating IP network lookup").Do(ctx, func(c context.Context) error {
				var err error
				id, err = blazar.NetworkIDByName(c, client.Network, name)
				return err
			})
			if err != nil {
				return nil, fmt.Errorf("%s: floating IP network %q: %w", site, name, err)
			}
			out[site][name] = id
		}
	}
	return out, nil
}

// flavors resolves, per site, the flavors of the flavor reservations of leases the state
// already tracks, so that a plan can see a flavor change; apply resolves those of new leases.
func (s *session) flavors(ctx context.Context) (map[string]map[string]string, error) {
	if s.spec == nil {
		return nil, nil
	}
	out := map[string]map[string]string{}
	for _, l := range s.spec.Leases {
		client := s.sites[l.Site]
		if _, tracked := s.state.Lease(l.Key); !tracked || client == nil || client.Compute == nil {
			continue
		}
		for _, r := range l.Reservations {
			if r.Type != spec.Flavor || out[l.Site][r.FlavorName] != "" {
				continue
			}
			var id string
			err := s.retrier(l.Site+": flavor lookup").Do(ctx, func(c context.Context) error {
				var err error
				id, err = blazar.FlavorID(c, client.Compute, r.FlavorName)
				return err
			})
			if err != nil {
				return nil, fmt.Errorf("%s: flavor %q: %w", l.Site, r.FlavorName, err)
			}
			if out[l.Site] == nil {
				out[l.Site] = map[string]string{}
			}
			out[l.Site][r.FlavorName] = id
		}
	}
	return out, nil
}

// lockState takes the state lock for op and reloads the state, which another run may have
// changed while we waited. The returned function releases the lock.
func (s *session) lockState(ctx context.Context, op string, timeout time.Duration) (func(), error) {
	if s.localDir != "" && s.statePath != "" {
		if err := os.MkdirAll(filepath.Dir(s.statePath), 0o700); err != nil {
			return nil, err
		}
	}
	lock, err := s.backend.Lock(ctx, state.LockInfo{Operation: op}, timeout)
	if err != nil {
		return nil, err
	}
	s.held = lock
	unlock := func() {
		if err := lock.Unlock(); err != nil {
			s.a.warnf("%v", err)
		}
	}
	if s.state, s.existed, err = s.backend.Read(ctx); err != nil {
		unlock()
		return nil, err
	}
	if err := s.ownState(); err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}
