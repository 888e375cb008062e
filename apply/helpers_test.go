package apply_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/apply"
	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/chameleoncloud/leasefile/plan"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
)

var t0 = time.Date(2026, 6, 1, 10, 0, 30, 0, time.UTC)

// env is an emulator on a fake clock, clients for its sites, a state file
// and the events an apply reported.
type env struct {
	t     testing.TB
	srv   *emulator.Server
	clock *emulator.FakeClock
	sites map[string]apply.Site
	store *state.Store
	path  string

	// onEvent, when set, runs for each event as it is reported.
	onEvent func(apply.Event)

	mu     sync.Mutex
	events []apply.Event
	sleeps []time.Duration
}

type envOpts struct {
	cfg  emulator.Config
	wrap func(http.RoundTripper) http.RoundTripper // wraps each site's transport after auth
}

func newEnv(t testing.TB, eo envOpts) *env {
	t.Helper()
	clock := emulator.NewFakeClock(t0)
	cfg := eo.cfg
	cfg.Clock = clock
	srv, err := emulator.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	e := &env{t: t, srv: srv, clock: clock, sites: map[string]apply.Site{}}
	for _, name := range []string{"CHI@UC", "CHI@TACC"} {
		e.sites[name] = e.connect(name, eo.wrap)
	}
	e.path = filepath.Join(t.TempDir(), "leasefile.state.json")
	e.store = state.NewStore(state.NewLocal(e.path), state.New())
	return e
}

// connect authenticates with gophercloud as the demo user, as the CLI does.
func (e *env) connect(site string, wrap func(http.RoundTripper) http.RoundTripper) apply.Site {
	e.t.Helper()
	ctx := context.Background()
	pc, err := openstack.NewClient(e.srv.AuthURL(site))
	if err != nil {
		e.t.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	pc.HTTPClient = http.Client{Transport: tr}
	ao := gophercloud.AuthOptions{IdentityEndpoint: e.srv.AuthURL(site), Username: emulator.DemoUser,
		Password: emulator.DemoPassword, DomainName: "Default", TenantName: emulator.DemoProject, AllowReauth: true}
	if err := openstack.Authenticate(ctx, pc, ao); err != nil {
		e.t.Fatalf("auth %s: %v", site, err)
	}
	if wrap != nil {
		pc.HTTPClient = http.Client{Transport: wrap(tr)}
	}
	id := state.Identity{AuthURL: e.srv.AuthURL(site), Local: true}
	if cr, ok := pc.GetAuthResult().(tokens.CreateResult); ok {
		if u, err := cr.ExtractUser(); err == nil && u != nil {
			id.UserID = u.ID
		}
		if p, err := cr.ExtractProject(); err == nil && p != nil {
			id.ProjectID = p.ID
		}
	}
	eo := gophercloud.EndpointOpts{Region: site}
	rc, err := blazar.NewReservationV1(pc, eo)
	if err != nil {
		e.t.Fatal(err)
	}
	nc, err := openstack.NewNetworkV2(pc, eo)
	if err != nil {
		e.t.Fatal(err)
	}
	return apply.Site{Reservation: rc, Network: nc, Identity: id}
}

// opts returns Options on the fake clock: every wait advances the clock
// at once, so waits finish instantly.
func (e *env) opts() apply.Options {
	return apply.Options{
		Now: e.clock.Now,
		After: func(d time.Duration) <-chan time.Time {
			e.mu.Lock()
			e.sleeps = append(e.sleeps, d)
			e.mu.Unlock()
			e.clock.Advance(d)
			ch := make(chan time.Time, 1)
			ch <- e.clock.Now()
			return ch
		},
		Reporter: apply.ReporterFunc(func(ev apply.Event) {
			e.mu.Lock()
			e.events = append(e.events, ev)
			hook := e.onEvent
			e.mu.Unlock()
			if hook != nil {
				hook(ev)
			}
		}),
	}
}

// lines returns the rendered events about key (all events for key "").
func (e *env) lines(key string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.events {
		if key == "" || ev.Key == key {
			out = append(out, ev.String())
		}
	}
	return out
}

func (e *env) apply(p *plan.Plan, o apply.Options) (*apply.Result, error) {
	return apply.Apply(context.Background(), p, e.store, e.sites, o)
}

// saved loads the state file as written on disk.
func (e *env) saved() *state.File {
	e.t.Helper()
	f, err := state.Load(e.path)
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// leasesNamed returns the emulator's leases at site with that name.
func (e *env) leasesNamed(site, name string) []emulator.LeaseInfo {
	var out []emulator.LeaseInfo
	for _, l := range e.srv.Leases(site) {
		if l.Name == name {
			out = append(out, l)
		}
	}
	return out
}

func hosts(key string, n int, nodeType string) plan.ReservationSpec {
	return plan.ReservationSpec{Key: key, Type: "node", Body: spec.ReservationBody{
		ResourceType: "physical:host", Min: &n, Max: &n, HypervisorProperties: ref(""),
		ResourceProperties: ref(`["==","$node_type","` + nodeType + `"]`),
	}}
}

func fips(key string, n int) plan.ReservationSpec {
	return plan.ReservationSpec{Key: key, Type: "floating_ip", FloatingNetwork: "public",
		Body: spec.ReservationBody{ResourceType: "virtual:floatingip", Amount: &n}}
}

func create(key, site string, res ...plan.ReservationSpec) plan.Change {
	return plan.Change{Key: key, Site: site, Action: plan.Create, Name: "exp-" + key, Wait: "active",
		Create: &plan.CreateSpec{Name: "exp-" + key, Duration: 6 * time.Hour, Reservations: res}}
}

func planOf(chs ...plan.Change) *plan.Plan {
	return &plan.Plan{FormatVersion: plan.FormatVersion, Changes: chs}
}

// mustApply applies p and fails the test on any error.
func (e *env) mustApply(p *plan.Plan) *apply.Result {
	e.t.Helper()
	res, err := e.apply(p, e.opts())
	if err != nil {
		e.t.Fatalf("apply: %v", err)
	}
	return res
}

func filter(lines []string, substr string) []string {
	var out []string
	for _, l := range lines {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return out
}

func ref[T any](v T) *T { return &v }
