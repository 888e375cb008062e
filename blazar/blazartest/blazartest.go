package blazartest

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/google/go-cmp/cmp"
	"github.com/gophercloud/gophercloud/v2"
)

// Env is the service under test.
type Env struct {
	// Reservation is a Blazar client of a project with capacity for
	// Reservations. Required.
	Reservation *gophercloud.ServiceClient
	// Reservations are the reservation bodies of a lease the site can
	// grant for a few hours, e.g. one physical:host. Required.
	Reservations []map[string]any
	// OverCapacity are reservation bodies the site can never grant (more
	// hosts than exist); nil leaves the capacity check out.
	OverCapacity []map[string]any
	// Other is a Blazar client of a second project; nil leaves the
	// isolation checks out.
	Other *gophercloud.ServiceClient
	// OpenByID says the service lets any user read, change and delete any lease by its id,
	// as Chameleon's fork does: the isolation check then only reads the lease, and wants it
	// to carry its owner's project_id (so that a client can tell it is not its own).
	OpenByID bool
	// Network is the first project's Neutron client; nil leaves the
	// network lookups out.
	Network *gophercloud.ServiceClient
	// PublicNetwork is the Neutron network of floating IPs ("public").
	PublicNetwork string
	// Now is the service's clock; nil means time.Now.
	Now func() time.Time
	// Advance moves the service's clock forward; nil leaves out the checks
	// on started leases (a real cloud would need minutes of waiting).
	Advance func(time.Duration)
	// NamePrefix starts every lease name ("blazartest-" if empty), so that
	// leftovers on a real cloud are recognisable.
	NamePrefix string
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

type suite struct {
	t   *testing.T
	env Env
	ctx context.Context
}

// Run runs the contract suite against env.
func Run(t *testing.T, env Env) {
	if env.Reservation == nil || len(env.Reservations) == 0 {
		t.Fatal("blazartest: Env.Reservation and Env.Reservations are required")
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.PublicNetwork == "" {
		env.PublicNetwork = "public"
	}
	if env.NamePrefix == "" {
		env.NamePrefix = "blazartest-"
	}
	s := &suite{t: t, env: env, ctx: context.Background()}
	t.Run("Lifecycle", s.lifecycle)
	t.Run("NotFound", s.notFound)
	t.Run("InvalidCreate", s.invalidCreate)
	if env.OverCapacity != nil {
		t.Run("OverCapacity", s.overCapacity)
	} else {
		t.Log("blazartest: no OverCapacity reservation: capacity refusal not checked")
	}
	if env.Advance != nil {
		t.Run("StartedLease", s.startedLease)
	} else {
		t.Log("blazartest: clock cannot be advanced: started-lease rules not checked")
	}
	if env.Other != nil {
		t.Run("Isolation", s.isolation)
	} else {
		t.Log("blazartest: no second project: isolation not checked")
	}
	if env.Network != nil {
		t.Run("NetworkLookup", s.networkLookup)
	}
}

// window is a start two hours ahead, to the minute, and an end three hours
// later: inside every Chameleon limit.
func (s *suite) window() (time.Time, time.Time) {
	start := s.env.Now().UTC().Truncate(time.Minute).Add(2 * time.Hour)
	return start, start.Add(3 * time.Hour)
}

func (s *suite) name(t *testing.T) string {
	return s.env.NamePrefix + strings.ToLower(strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()))
}

// create makes a lease and schedules its deletion.
func (s *suite) create(t *testing.T, opts leases.CreateOpts) *leases.Lease {
	t.Helper()
	l, err := leases.Create(s.ctx, s.env.Reservation, opts).Extract()
	if err != nil {
		t.Fatalf("create %q: %v", opts.Name, err)
	}
	t.Cleanup(func() {
		err := leases.Delete(context.Background(), s.env.Reservation, l.ID).ExtractErr()
		if err != nil && !blazar.IsKind(err, blazar.NotFound) {
			t.Errorf("cleanup: delete lease %s: %v", l.ID, err)
		}
	})
	return l
}

func (s *suite) get(t *testing.T, id string) *leases.Lease {
	t.Helper()
	l, err := leases.Get(s.ctx, s.env.Reservation, id).Extract()
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return l
}

// wantError checks err's kind, status and (if msg != "") Blazar's message.
func wantError(t *testing.T, what string, err error, kind blazar.Kind, status int, msg string) {
	t.Helper()
	e, ok := blazar.AsError(err)
	if !ok {
		t.Errorf("%s: got %T %v, want a *blazar.Error of kind %v", what, err, err, kind)
		return
	}
	if e.Kind != kind || e.StatusCode != status {
		t.Errorf("%s: got %v (HTTP %d) %q, want %v (HTTP %d)", what, e.Kind, e.StatusCode, e.Message, kind, status)
	}
	if msg != "" && e.Message != msg {
		t.Errorf("%s: message %q, want %q", what, e.Message, msg)
	}
	if e.Error() != e.Message || e.Message == "" {
		t.Errorf("%s: Error() %q is not Blazar's message %q", what, e.Error(), e.Message)
	}
}

// shape is what a lease must keep across calls.
type shape struct {
	ID, Name, ProjectID, UserID string
	Start, End                  time.Time
	ReservationIDs              []string
	ReservationTypes            []string
}

func shapeOf(l *leases.Lease) shape {
	sh := shape{ID: l.ID, Name: l.Name, ProjectID: l.ProjectID, UserID: l.UserID, Start: l.StartDate, End: l.EndDate}
	for _, r := range l.Reservations {
		sh.ReservationIDs = append(sh.ReservationIDs, r.ID)
		sh.ReservationTypes = append(sh.ReservationTypes, r.ResourceType)
	}
	return sh
}

func (s *suite) lifecycle(t *testing.T) {
	start, end := s.window()
	name := s.name(t)
	created := s.create(t, leases.CreateOpts{Name: name, Start: start, End: end, Reservations: s.env.Reservations})

	if !uuidRE.MatchString(created.ID) {
		t.Errorf("lease id %q is not a dashed UUID", created.ID)
	}
	if created.Status != "PENDING" {
		t.Errorf("new lease status %q, want PENDING", created.Status)
	}
	if created.ProjectID == "" || created.UserID == "" || created.CreatedAt.IsZero() {
		t.Errorf("new lease lacks project, user or created_at: %+v", created)
	}
	if !created.StartDate.Equal(start) || !created.EndDate.Equal(end) {
		t.Errorf("new lease window %v - %v, want %v - %v", created.StartDate, created.EndDate, start, end)
	}
	if len(created.Reservations) != len(s.env.Reservations) {
		t.Fatalf("new lease has %d reservations, want %d", len(created.Reservations), len(s.env.Reservations))
	}
	for i, r := range created.Reservations {
		if r.ID == "" || r.LeaseID != created.ID || r.Status != "pending" ||
			r.ResourceType != s.env.Reservations[i]["resource_type"] {
			t.Errorf("reservation %d = %+v, want a pending %v of lease %s", i, r, s.env.Reservations[i]["resource_type"], created.ID)
		}
	}
	types := map[string]bool{}
	for _, e := range created.Events {
		types[e.EventType] = true
	}
	if !types["start_lease"] || !types["end_lease"] {
		t.Errorf("events %+v lack start_lease or end_lease", created.Events)
	}

	all, err := leases.ListAll(s.ctx, s.env.Reservation)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range all {
		if l.ID == created.ID {
			n++
			if diff := cmp.Diff(shapeOf(created), shapeOf(&l)); diff != "" {
				t.Errorf("listed lease differs from the created one (-created +listed):\n%s", diff)
			}
		}
	}
	if n != 1 {
		t.Errorf("the list holds the new lease %d times, want once", n)
	}
	got := s.get(t, created.ID)
	if diff := cmp.Diff(shapeOf(created), shapeOf(got)); diff != "" {
		t.Errorf("fetched lease differs from the created one (-created +fetched):\n%s", diff)
	}

	// Rename: only the name changes.
	newName := name + "-renamed"
	renamed, err := leases.Update(s.ctx, s.env.Reservation, created.ID, leases.UpdateOpts{Name: &newName}).Extract()
	if err != nil {
		t.Fatalf("rename: %v", err)
	}
	want := shapeOf(created)
	want.Name = newName
	if diff := cmp.Diff(want, shapeOf(renamed)); diff != "" {
		t.Errorf("rename answer (-want +got):\n%s", diff)
	}

	// Extend by an hour: the end moves, the start and reservations stay.
	newEnd := end.Add(time.Hour)
	if _, err := leases.Update(s.ctx, s.env.Reservation, created.ID, leases.UpdateOpts{End: &newEnd}).Extract(); err != nil {
		t.Fatalf("extend: %v", err)
	}
	want.End = newEnd
	got = s.get(t, created.ID)
	if diff := cmp.Diff(want, shapeOf(got)); diff != "" {
		t.Errorf("lease after rename and extend (-want +got):\n%s", diff)
	}
	if got.Status != "PENDING" {
		t.Errorf("status after the update settled: %q, want PENDING", got.Status)
	}

	// An end before the start is refused and changes nothing.
	bad := start.Add(-time.Hour)
	_, err = leases.Update(s.ctx, s.env.Reservation, created.ID, leases.UpdateOpts{End: &bad}).Extract()
	wantError(t, "update with the end before the start", err, blazar.Invalid, 400, "")
	if diff := cmp.Diff(want, shapeOf(s.get(t, created.ID))); diff != "" {
		t.Errorf("a refused update changed the lease (-want +got):\n%s", diff)
	}

	if err := leases.Delete(s.ctx, s.env.Reservation, created.ID).ExtractErr(); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = leases.Get(s.ctx, s.env.Reservation, created.ID).Extract()
	wantError(t, "get after delete", err, blazar.NotFound, 404, fmt.Sprintf("Object with {'lease_id': '%s'} not found", created.ID))
	all, err = leases.ListAll(s.ctx, s.env.Reservation)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range all {
		if l.ID == created.ID {
			t.Errorf("deleted lease %s is still listed (%s)", l.ID, l.Status)
		}
	}
	err = leases.Delete(s.ctx, s.env.Reservation, created.ID).ExtractErr()
	wantError(t, "second delete", err, blazar.NotFound, 404, "")
}

func (s *suite) notFound(t *testing.T) {
	const id = "00000000-0000-4000-8000-000000000000"
	_, err := leases.Get(s.ctx, s.env.Reservation, id).Extract()
	wantError(t, "get of an unknown id", err, blazar.NotFound, 404, "Object with {'lease_id': '"+id+"'} not found")
	// Blazar never resolves names: python-chi relies on this 404.
	_, err = leases.Get(s.ctx, s.env.Reservation, "golden").Extract()
	wantError(t, "get by name", err, blazar.NotFound, 404, "Object with {'lease_id': 'golden'} not found")
	name := "x"
	_, err = leases.Update(s.ctx, s.env.Reservation, id, leases.UpdateOpts{Name: &name}).Extract()
	wantError(t, "update of an unknown id", err, blazar.NotFound, 404, "")
}

func (s *suite) invalidCreate(t *testing.T) {
	start, end := s.window()
	cases := []struct {
		what       string
		start, end time.Time
		msg        string
	}{
		{"end before start", start, start.Add(-time.Hour), "End date must be later than start date."},
		{"start in the past", s.env.Now().UTC().Truncate(time.Minute).Add(-2 * time.Hour), end, "Start date must be later than current date"},
	}
	for _, tc := range cases {
		l, err := leases.Create(s.ctx, s.env.Reservation, leases.CreateOpts{
			Name: s.name(t), Start: tc.start, End: tc.end, Reservations: s.env.Reservations}).Extract()
		if err == nil {
			leases.Delete(context.Background(), s.env.Reservation, l.ID)
		}
		wantError(t, tc.what, err, blazar.Invalid, 400, tc.msg)
	}
}

func (s *suite) overCapacity(t *testing.T) {
	start, end := s.window()
	name := s.name(t)
	l, err := leases.Create(s.ctx, s.env.Reservation, leases.CreateOpts{
		Name: name, Start: start, End: end, Reservations: s.env.OverCapacity}).Extract()
	if err == nil {
		leases.Delete(context.Background(), s.env.Reservation, l.ID)
		t.Fatal("an impossible reservation was granted")
	}
	e, ok := blazar.AsError(err)
	if !ok || e.Kind != blazar.Capacity || !strings.HasPrefix(e.Message, "Not enough") {
		t.Errorf("over-capacity create: %v (%T), want a Capacity error with Blazar's \"Not enough ...\" message", err, err)
	}
	// Blazar rolls back: no lease of that name exists.
	all, err := leases.ListAll(s.ctx, s.env.Reservation)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range all {
		if l.Name == name {
			t.Errorf("a refused create left lease %s (%s)", l.ID, l.Status)
		}
	}
}

func (s *suite) startedLease(t *testing.T) {
	end := s.env.Now().UTC().Truncate(time.Minute).Add(3 * time.Hour)
	l := s.create(t, leases.CreateOpts{Name: s.name(t), End: end, Reservations: s.env.Reservations})
	// "now" is the service's current minute.
	if now := s.env.Now().UTC(); l.StartDate.After(now) || now.Sub(l.StartDate) > 2*time.Minute {
		t.Errorf("a lease created with start \"now\" starts at %v (service time %v)", l.StartDate, now)
	}
	s.env.Advance(10 * time.Minute)
	got := s.get(t, l.ID)
	if got.Status != "ACTIVE" {
		t.Fatalf("status 10 minutes after the start: %q, want ACTIVE", got.Status)
	}
	for _, r := range got.Reservations {
		if r.Status != "active" {
			t.Errorf("reservation %s of an active lease is %q", r.ID, r.Status)
		}
	}
	newStart := l.StartDate.Add(time.Hour)
	_, err := leases.Update(s.ctx, s.env.Reservation, l.ID, leases.UpdateOpts{Start: &newStart}).Extract()
	wantError(t, "moving the start of a started lease", err, blazar.Invalid, 400, "Cannot modify the start date of already started leases")

	newEnd := end.Add(time.Hour)
	if _, err := leases.Update(s.ctx, s.env.Reservation, l.ID, leases.UpdateOpts{End: &newEnd}).Extract(); err != nil {
		t.Fatalf("extending an active lease: %v", err)
	}
	got = s.get(t, l.ID)
	if !got.EndDate.Equal(newEnd) || got.Status != "ACTIVE" {
		t.Errorf("after extending: %s until %v, want ACTIVE until %v", got.Status, got.EndDate, newEnd)
	}
}

func (s *suite) isolation(t *testing.T) {
	start, end := s.window()
	l := s.create(t, leases.CreateOpts{Name: s.name(t), Start: start, End: end, Reservations: s.env.Reservations})

	theirs, err := leases.ListAll(s.ctx, s.env.Other)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range theirs {
		if o.ID == l.ID {
			t.Errorf("another project lists our lease %s", l.ID)
		}
		if o.ProjectID == l.ProjectID {
			t.Errorf("another project lists lease %s of our project", o.ID)
		}
	}
	refused := func(what string, err error) {
		t.Helper()
		if !blazar.IsKind(err, blazar.NotFound) && !blazar.IsKind(err, blazar.Forbidden) {
			t.Errorf("%s from another project: %v, want NotFound or Forbidden", what, err)
		}
	}
	if s.env.OpenByID {
		got, err := leases.Get(s.ctx, s.env.Other, l.ID).Extract()
		if err != nil || got.ProjectID != l.ProjectID {
			t.Errorf("get from another project on an open-by-id service: %v, project %q, want the owner's %q", err, got.ProjectID, l.ProjectID)
		}
		return
	}
	_, err = leases.Get(s.ctx, s.env.Other, l.ID).Extract()
	refused("get", err)
	hijack := "hijacked"
	_, err = leases.Update(s.ctx, s.env.Other, l.ID, leases.UpdateOpts{Name: &hijack}).Extract()
	refused("rename", err)
	refused("delete", leases.Delete(s.ctx, s.env.Other, l.ID).ExtractErr())

	if got := s.get(t, l.ID); got.Name != l.Name {
		t.Errorf("after another project's attempts the lease is named %q, want %q", got.Name, l.Name)
	}
}

func (s *suite) networkLookup(t *testing.T) {
	id, err := blazar.NetworkIDByName(s.ctx, s.env.Network, s.env.PublicNetwork)
	if err != nil || id == "" {
		t.Errorf("NetworkIDByName(%q) = %q, %v", s.env.PublicNetwork, id, err)
	}
	_, err = blazar.NetworkIDByName(s.ctx, s.env.Network, "blazartest-no-such-network")
	if !blazar.IsKind(err, blazar.NotFound) {
		t.Errorf("NetworkIDByName of a missing network: %v, want NotFound", err)
	}
	ips, err := blazar.ReservedFloatingIPs(s.ctx, s.env.Network, "00000000-0000-4000-8000-000000000000")
	if err != nil || len(ips) != 0 {
		t.Errorf("ReservedFloatingIPs of an unknown reservation = %v, %v; want none", ips, err)
	}
}
