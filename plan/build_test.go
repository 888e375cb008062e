package plan

import (
	"fmt"
	"maps"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/google/go-cmp/cmp"
)

var now = time.Date(2026, 12, 1, 12, 0, 30, 0, time.UTC)

func mustSpec(t *testing.T, src string) *spec.File {
	t.Helper()
	f, err := spec.Parse("Leasefile", []byte(src), spec.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func ip(n int) *int { return &n }

// oneLease is an ACTIVE lease "a" (one node, two hosts) tracked by the state.
func oneLease() (*state.File, map[string][]leases.Lease) {
	st := &state.File{FormatVersion: 1, Lineage: "l"}
	start, end := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC)
	st.SetLease("a", &state.Lease{ID: "L1", Name: "a", Site: "CHI@UC", Status: "ACTIVE", Start: start, End: end,
		Reservations: map[string]state.Reservation{"n": {ID: "R1", ResourceType: "physical:host"}}})
	live := map[string][]leases.Lease{"CHI@UC": {{ID: "L1", Name: "a", Status: "ACTIVE", UserID: testUser, StartDate: start, EndDate: end,
		Reservations: []leases.Reservation{{ID: "R1", ResourceType: "physical:host", Min: ip(2), Max: ip(2),
			HypervisorProperties: `["==", "$cpu_arch", "x86_64"]`, ResourceProperties: `["==", "$node_type", "compute_skylake"]`}}}}}
	return st, live
}

const leaseA = `
version: 1
defaults: {site: CHI@UC}
leases:
  a:
    duration: 6h
    reservations:
      n: {type: node, count: COUNT, node_type: compute_skylake}
`

func TestUpdateBodyResendsWhatBlazarNeeds(t *testing.T) {
	st, live := oneLease()
	p, err := Build(Input{Spec: mustSpec(t, strings.Replace(leaseA, "COUNT", "3", 1)), State: st, Live: live, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := &UpdateSpec{Reservations: []ReservationUpdate{{Key: "n", ID: "R1",
		Body: spec.ReservationBody{Min: ref(3), Max: ref(3), HypervisorProperties: ref(`["==", "$cpu_arch", "x86_64"]`),
			ResourceProperties: ref(`["==", "$node_type", "compute_skylake"]`)}}}}
	if diff := cmp.Diff(want, p.Changes[0].Update); diff != "" {
		t.Errorf("update (-want +got):\n%s", diff)
	}
}

// Errors belong to the changes a plan keeps: a lease left out by -target or -refresh-only
// cannot make the plan fail.
func TestErrorsOnlyForKeptChanges(t *testing.T) {
	src := `
version: 1
defaults: {site: CHI@UC}
leases:
  a:
    duration: 6h
    reservations:
      n: {type: node, count: 2, node_type: compute_skylake}
  past:
    start: "2026-11-30 09:00"
    duration: 1d
    reservations:
      ip: {type: floating_ip}
`
	tests := []struct {
		name    string
		in      func(*Input)
		wantErr string
	}{
		{"plain", func(*Input) {}, `Leasefile:10:12: leases.past.start: start 2026-11-30 09:00 is in the past`},
		{"targeted away", func(in *Input) { in.Targets = []string{"a.n"} }, ""},
		{"targeted", func(in *Input) { in.Targets = []string{"past"} }, `leases.past.start: start`},
		{"refresh only", func(in *Input) { in.RefreshOnly = true }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, live := oneLease()
			in := Input{Spec: mustSpec(t, src), State: st, Live: live, Now: now}
			tt.in(&in)
			p, err := Build(in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.HasChanges() {
				t.Errorf("changes planned: %+v", p.Counts())
			}
		})
	}
}

func TestBuildIsPureAndDeterministic(t *testing.T) {
	st, live := oneLease()
	before := st.Clone()
	in := Input{Spec: mustSpec(t, strings.Replace(leaseA, "COUNT", "1", 1)), State: st, Live: live, Now: now, Identity: testIdentity()}
	p1, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p1, p2, savedPart); diff != "" {
		t.Errorf("two builds differ:\n%s", diff)
	}
	if diff := cmp.Diff(before.Leases, st.Leases); diff != "" {
		t.Errorf("Build changed its input state:\n%s", diff)
	}
	if got := p1.Changes[0].Action; got != DeleteThenCreate {
		t.Errorf("fewer nodes on an ACTIVE lease: action %v, want replace", got.Symbol())
	}
	// Only the planned site's identity is carried, for apply's staleness check.
	if diff := cmp.Diff(map[string]state.Identity{"CHI@UC": testIdentity()["CHI@UC"]}, p1.Sites); diff != "" {
		t.Errorf("sites (-want +got):\n%s", diff)
	}
}

// A lease that is not ours (not in the state, no intent) is never touched, whatever its name.
func TestForeignLeasesUntouched(t *testing.T) {
	st, live := oneLease()
	live["CHI@UC"] = append(live["CHI@UC"], leases.Lease{ID: "X", Name: "a", Status: "ACTIVE", UserID: testUser})
	p, err := Build(Input{Spec: mustSpec(t, strings.Replace(leaseA, "COUNT", "2", 1)), State: st, Live: live, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range p.Changes {
		if ch.LeaseID == "X" {
			t.Errorf("plan touches a foreign lease: %+v", ch)
		}
	}
	for _, o := range p.Observed {
		if o.Lease.ID == "X" {
			t.Errorf("plan observes a foreign lease into the state: %+v", o)
		}
	}
	if p.HasChanges() {
		t.Errorf("changes: %+v", p.Counts())
	}
}

// A create whose name live leases already have names each of them that no state entry tracks,
// sorted, and offers to import the first one Blazar listed; leases of another site, name or
// project, DELETING, TERMINATED or tracked do not count.
func TestCreateRefusesEveryDuplicateName(t *testing.T) {
	st, live := oneLease()
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	dup := func(id, name, status, project string) leases.Lease {
		return leases.Lease{ID: id, Name: name, Status: status, ProjectID: project, StartDate: at, EndDate: at.Add(time.Hour)}
	}
	live["CHI@UC"] = append(live["CHI@UC"], dup("D2", "b", "PENDING", ""), dup("X1", "b", "DELETING", ""), dup("X2", "b", "TERMINATED", ""),
		dup("X3", "bb", "PENDING", ""), dup("X4", "b", "PENDING", "other"), dup("D1", "b", "ACTIVE", "mine"), dup("T1", "b", "ACTIVE", ""))
	st.SetLease("c", &state.Lease{ID: "T1", Name: "b", Site: "CHI@UC"})
	live["CHI@TACC"] = []leases.Lease{dup("X5", "b", "PENDING", "")}
	src := strings.Replace(leaseA, "COUNT", "2", 1) + `  b:
    duration: 1h
    reservations:
      ip: {type: floating_ip}
`
	_, err := Build(Input{Spec: mustSpec(t, src), State: st, Live: live, Now: now,
		Identity: map[string]state.Identity{"CHI@UC": {ProjectID: "mine"}}})
	want := `lease "b": leases D1 (ACTIVE, 2026-12-02 09:00 to 2026-12-02 10:00), D2 (PENDING, 2026-12-02 09:00 to 2026-12-02 10:00) on CHI@UC are already named "b"` +
		" and not tracked by this state (after a `state rm`, with a lost state file, or another state's lease): creating would make a second lease of that name;" +
		" run `leasefile import b D2` if it is this lease, or plan with -allow-duplicate-name to create another"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error:\n%v\nwant it to contain:\n%s", err, want)
	}
}

func TestTransitionalWarning(t *testing.T) {
	st, live := oneLease()
	live["CHI@UC"][0].Status = "UPDATING"
	p, err := Build(Input{Spec: mustSpec(t, strings.Replace(leaseA, "COUNT", "3", 1)), State: st, Live: live, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`lease "a" is UPDATING: Blazar refuses changes until it settles, so apply may fail for it; plan again in a minute`}
	if diff := cmp.Diff(want, p.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestTransitionalAndEdgeStatuses(t *testing.T) {
	tests := []struct {
		status     string
		wantAction Action
		wantDrift  []DriftKind
	}{
		{"ACTIVE", NoOp, nil},
		{"STARTING", NoOp, nil},
		{"DELETING", Create, []DriftKind{DriftDeleted}},
		{"TERMINATED", Create, []DriftKind{DriftExpired}},
		{"ERROR", DeleteThenCreate, []DriftKind{DriftError}},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			st, live := oneLease()
			live["CHI@UC"][0].Status = tt.status
			p, err := Build(Input{Spec: mustSpec(t, strings.Replace(leaseA, "COUNT", "2", 1)), State: st, Live: live, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Changes[0].Action; got != tt.wantAction {
				t.Errorf("action %s, want %s", got.Symbol(), tt.wantAction.Symbol())
			}
			var kinds []DriftKind
			for _, d := range p.Drift {
				kinds = append(kinds, d.Kind)
			}
			if diff := cmp.Diff(tt.wantDrift, kinds); diff != "" {
				t.Errorf("drift (-want +got):\n%s", diff)
			}
		})
	}
}

// A state entry without reservation IDs (an adoption, an old import) is paired by Match: two
// reservations of one type that fit neither key cannot be told apart, and the plan says so
// rather than guess which one to resize.
func TestBuildRefusesUnpairedReservations(t *testing.T) {
	st, live := oneLease()
	l, _ := st.Lease("a")
	l.Reservations = nil
	second := live["CHI@UC"][0].Reservations[0]
	second.ID = "R2"
	live["CHI@UC"][0].Reservations = append(live["CHI@UC"][0].Reservations, second)
	src := strings.Replace(leaseA, "COUNT", "3", 1) + "      m: {type: node, count: 4, node_type: compute_skylake}\n"
	_, err := Build(Input{Spec: mustSpec(t, src), State: st, Live: live, Now: now})
	if err == nil || !strings.Contains(err.Error(), "cannot tell which reservation of lease L1 is which") {
		t.Fatalf("Build = %v, want an error naming the unpaired reservations", err)
	}
	// Once the counts tell them apart, they pair.
	src = strings.Replace(leaseA, "COUNT", "2", 1) + "      m: {type: node, count: 4, node_type: compute_skylake}\n"
	live["CHI@UC"][0].Reservations[1].Min, live["CHI@UC"][0].Reservations[1].Max = ip(4), ip(4)
	if _, err := Build(Input{Spec: mustSpec(t, src), State: st, Live: live, Now: now}); err != nil {
		t.Fatal(err)
	}
}

// Every reservation type spec knows has its entry in plan's table, and no other: a type
// added to spec without one would panic at plan time.
func TestReservationTypesComplete(t *testing.T) {
	if d := cmp.Diff(slices.Sorted(slices.Values(spec.Types)), slices.Sorted(maps.Keys(reservationTypes))); d != "" {
		t.Errorf("reservationTypes (-spec.Types +table):\n%s", d)
	}
	for _, ty := range spec.Types {
		if e := reservationTypes[ty]; e.fields == nil || e.diff == nil {
			t.Errorf("reservation type %s: incomplete entry", ty)
		}
	}
}

// sortStable orders as slices.SortStableFunc does, ties in their first order included.
func TestSortStableIsSlicesSortStable(t *testing.T) {
	for n := range 40 {
		var s []Drift
		for i := range n {
			s = append(s, Drift{Site: []string{"CHI@UC", "CHI@TACC", "CHI@Edge"}[(i*7)%3], Key: string(rune('a' + (i*5)%4)), Detail: strconv.Itoa(i)})
		}
		want := slices.Clone(s)
		by := func(a, c Drift) int {
			if o := strings.Compare(a.Site, c.Site); o != 0 {
				return o
			}
			return strings.Compare(a.Key, c.Key)
		}
		slices.SortStableFunc(want, by)
		sortStable(s, func(a, c *Drift) int { return by(*a, *c) })
		if !slices.Equal(s, want) {
			t.Errorf("n=%d: sortStable %v, slices.SortStableFunc %v", n, s, want)
		}
	}
}

// trackedBuilder is in's builder as Build has it once the leases are tracked and adopted,
// nil when Build would stop before that.
func trackedBuilder(in Input) *builder {
	b, err := newBuilder(in)
	if err != nil {
		return nil
	}
	b.move()
	b.track()
	if b.adopt() != nil {
		return nil
	}
	return b
}

// allKeys takes the Leasefile's keys as they are when the state tracks no other: it answers
// what allKeysSet answers for every golden case, at the point Build asks; declared finds
// what Spec.Lease finds for each.
func TestAllKeysIsAllKeysSet(t *testing.T) {
	short := 0
	inputs := goldenInputs(t)
	two := mustSpec(t, "version: 1\ndefaults: {site: CHI@UC}\nleases:\n  a: {reservations: {n: {type: node}}}\n  b: {reservations: {n: {type: node}}}\n")
	two.Leases[0], two.Leases[1] = two.Leases[1], two.Leases[0] // a File not made by Parse
	inputs = append(inputs, namedInput{"leases out of order", Input{Spec: two, Now: now}})
	for _, g := range inputs {
		b := trackedBuilder(g.in)
		if b == nil {
			continue
		}
		if got, want := b.allKeys(), b.allKeysSet(); !slices.Equal(got, want) {
			t.Errorf("%s: allKeys %v, allKeysSet %v", g.file, got, want)
		}
		b.order = b.allKeys()
		for i, d := range b.declared() {
			if want := b.in.Spec.Lease(b.order[i]); d != want {
				t.Errorf("%s: declared lease of %s: %p, the Leasefile has %p", g.file, b.order[i], d, want)
			}
		}
		if len(b.tracked) > 0 && len(b.allKeysSet()) == len(b.in.Spec.Leases) {
			short++
		}
	}
	if short == 0 {
		t.Error("no golden case takes the Leasefile's keys as they are")
	}
}

// sameName finds what a scan of the site's list finds, in its order, whether the name is
// one the Leasefile or an intent has (indexed) or not, for every golden case.
func TestSameNameIsListScan(t *testing.T) {
	for _, g := range goldenInputs(t) {
		in := g.in
		b, err := newBuilder(in)
		if err != nil {
			continue
		}
		names := []string{"", "nope"}
		for _, d := range in.Spec.Leases {
			names = append(names, d.Name)
		}
		for _, it := range in.State.Intents {
			names = append(names, it.Name)
		}
		for site, ls := range in.Live {
			for _, l := range ls {
				names = append(names, l.Name)
			}
			for _, name := range names {
				var want []*leases.Lease
				for i := range ls {
					if ls[i].Name == name {
						want = append(want, &ls[i])
					}
				}
				if got := b.sameName(site, name); !slices.Equal(got, want) {
					t.Errorf("%s: sameName(%s, %q) = %v, the list has %v", g.file, site, name, got, want)
				}
			}
		}
	}
}

// listed finds the first lease of an ID in the site's list (the copy every lookup of a
// listed lease takes), whether the state records the ID (indexed) or not, for every golden case and a list that
// has an ID twice.
func TestListedIsListScan(t *testing.T) {
	var inputs []Input
	for _, g := range goldenInputs(t) {
		inputs = append(inputs, g.in)
	}
	st, live := oneLease()
	live["CHI@UC"] = append(live["CHI@UC"], leases.Lease{ID: "L1", Name: "again"}, leases.Lease{ID: "X", Name: "x1"}, leases.Lease{ID: "X", Name: "x2"})
	inputs = append(inputs, Input{State: st, Live: live})
	for n, in := range inputs {
		b, err := newBuilder(in)
		if err != nil {
			continue
		}
		ids := []string{"", "nope"}
		for _, l := range in.State.Leases {
			ids = append(ids, l.ID)
		}
		for site, ls := range in.Live {
			for _, l := range ls {
				ids = append(ids, l.ID)
			}
			whole := map[string]*leases.Lease{} // a lease listed twice: the first copy
			for i := range ls {
				if whole[ls[i].ID] == nil {
					whole[ls[i].ID] = &ls[i]
				}
			}
			for _, id := range ids {
				if got, want := b.listed(site, id), whole[id]; got != want {
					t.Errorf("input %d: listed(%s, %q) = %p, want %p", n, site, id, got, want)
				}
			}
		}
	}
}

// observed shares the state's reservations map only where it holds what
// observedReservations would make: every golden case's observed leases, shared or built,
// and a state that records a reservation without its ID or with another type.
func TestObservedIsObservedReservations(t *testing.T) {
	inputs := goldenInputs(t)
	for _, rec := range []state.Reservation{{ResourceType: "physical:host"}, {ID: "R1", ResourceType: "network"}} {
		st, live := oneLease()
		st.Leases["a"].Reservations["n"] = rec
		inputs = append(inputs, namedInput{fmt.Sprintf("recorded %+v", rec), Input{Spec: mustSpec(t, strings.ReplaceAll(leaseA, "COUNT", "2")), State: st, Live: live, Now: now}})
	}
	shared, built := 0, 0
	for _, g := range inputs {
		b := trackedBuilder(g.in)
		if b == nil {
			continue
		}
		for key, tr := range b.tracked {
			if tr.live == nil {
				continue
			}
			d := b.in.Spec.Lease(key)
			m, _ := b.matched(d, tr)
			got := b.observed(tr, d).Reservations
			var want map[string]state.Reservation
			if len(m) > 0 {
				want = observedReservations(tr.st, m)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: lease %s: observed reservations (-want +got):\n%s", g.file, key, diff)
			}
			if tr.st != nil && len(m) > 0 && recordsPairs(tr.st.Reservations, m) {
				shared++
			} else if len(m) > 0 {
				built++
			}
		}
	}
	if shared == 0 || built == 0 {
		t.Errorf("%d observed leases share the state's map and %d are built: the test holds too little", shared, built)
	}
}

// liveFinder finds, for every change, the lease changedLeases indexes, whether live is the
// lists the plan was built from (Build's lookup) or a copy of them (indexed again), for every
// golden case and a list that has an ID twice.
func TestLiveFinderIsChangedLeases(t *testing.T) {
	var inputs []namedInput
	inputs = append(inputs, goldenInputs(t)...)
	st, live := oneLease()
	live["CHI@UC"] = append(live["CHI@UC"], leases.Lease{ID: "L1", Name: "again", Status: "ACTIVE"}, leases.Lease{ID: "X", Name: "x1"})
	inputs = append(inputs, namedInput{"listed twice", Input{Spec: mustSpec(t, strings.ReplaceAll(leaseA, "COUNT", "2")), State: st, Live: live, Now: now}})
	looked := 0
	for _, g := range inputs {
		p, err := Build(g.in)
		if err != nil {
			continue
		}
		copied := map[string][]leases.Lease{}
		for site, ls := range g.in.Live {
			copied[site] = slices.Clone(ls)
		}
		if p.lookup != nil && p.lookup.of(g.in.Live) {
			looked++
		}
		if p.lookup != nil && len(copied) > 0 && p.lookup.of(copied) {
			t.Errorf("%s: Build's lookup takes a copy of the lists for them", g.file)
		}
		for _, live := range []map[string][]leases.Lease{g.in.Live, copied} {
			want := changedLeases(p, live)
			find := p.liveFinder(live)
			for _, ch := range p.Changes {
				if got, want := find(ch.Site, ch.LeaseID), want[ch.Site][ch.LeaseID]; got != want {
					t.Errorf("%s: the live lease of %s (%s): %p, changedLeases has %p", g.file, ch.Key, ch.LeaseID, got, want)
				}
			}
		}
	}
	if looked == 0 {
		t.Error("no golden case's plan looks its live leases up through Build's lookup")
	}
}

// sortBySite sorts as slices.SortStableFunc by site then key does: lists in key order (the
// partition) or not, with repeated keys, one site, and more sites than it partitions.
func TestSortBySiteIsSortStable(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	by := func(a, c Drift) int {
		if o := strings.Compare(a.Site, c.Site); o != 0 {
			return o
		}
		return strings.Compare(a.Key, c.Key)
	}
	partitioned := 0
	for range 2000 {
		n, nsites := r.Intn(40), 1+r.Intn(20)
		var s []Drift
		for i := range n {
			s = append(s, Drift{Site: fmt.Sprintf("S%02d", r.Intn(nsites)), Key: string(rune('a' + r.Intn(6))), Detail: strconv.Itoa(i)})
		}
		if r.Intn(4) > 0 {
			slices.SortStableFunc(s, func(a, c Drift) int { return strings.Compare(a.Key, c.Key) })
			partitioned++
		}
		want := slices.Clone(s)
		slices.SortStableFunc(want, by)
		sortBySite(s, func(d *Drift) string { return d.Site }, func(d *Drift) string { return d.Key })
		if !slices.Equal(s, want) {
			t.Fatalf("sortBySite %v, slices.SortStableFunc %v", s, want)
		}
	}
	if partitioned == 0 {
		t.Error("no list in key order")
	}
}

// Build reads the state's entries in place (track keeps no copies of them) and changes none,
// for every golden case.
func TestBuildLeavesTheStateAlone(t *testing.T) {
	checked := 0
	for _, g := range goldenInputs(t) {
		if g.in.State == nil || len(g.in.State.Leases) == 0 {
			continue
		}
		before := g.in.State.Clone()
		if _, err := Build(g.in); err != nil {
			continue
		}
		checked++
		if diff := cmp.Diff(before.Leases, g.in.State.Leases); diff != "" {
			t.Errorf("%s: Build changed the state's leases:\n%s", g.file, diff)
		}
		if diff := cmp.Diff(before.Intents, g.in.State.Intents); diff != "" {
			t.Errorf("%s: Build changed the state's intents:\n%s", g.file, diff)
		}
	}
	if checked == 0 {
		t.Error("no golden case has a state")
	}
}
