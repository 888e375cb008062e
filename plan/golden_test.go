package plan

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rogpeppe/go-internal/txtar"
	"github.com/santhosh-tekuri/jsonschema/v5"
)

var update = flag.Bool("update", false, "rewrite the expected sections of plan/testdata/*.txtar")

const testUser = "user-1"

// savedPart compares what a saved plan keeps of a plan: all but how Build found the live
// leases (Plan.lookup), which only the process that built it has.
var savedPart = cmpopts.IgnoreUnexported(Plan{})

// testNetworks is what the caller would have resolved through Neutron.
var testNetworks = map[string]map[string]string{
	"CHI@UC":   {"public": "net-public-uc", "other": "net-other-uc"},
	"CHI@TACC": {"public": "net-public-tacc"},
	"CHI@Edge": {"public": "net-public-edge"},
}

// testFlavors is what the caller would have resolved through Nova.
var testFlavors = map[string]map[string]string{
	"KVM@TACC": {"m1.small": "flavor-small", "m1.large": "flavor-large", "flavor-small": "flavor-small"},
}

func testIdentity() map[string]state.Identity {
	out := map[string]state.Identity{}
	for _, s := range []string{"CHI@UC", "CHI@TACC", "CHI@Edge", "KVM@TACC"} {
		out[s] = state.Identity{AuthURL: "https://" + strings.ToLower(strings.ReplaceAll(s, "@", "-")) + ".example/v3", ProjectID: "project-1", UserID: testUser}
	}
	return out
}

type goldenCase struct {
	arc   *txtar.Archive
	input Input
}

func section(a *txtar.Archive, name string) ([]byte, bool) {
	for _, f := range a.Files {
		if f.Name == name {
			return f.Data, true
		}
	}
	return nil, false
}

func setSection(a *txtar.Archive, name string, data []byte) {
	for i := range a.Files {
		if a.Files[i].Name == name {
			a.Files[i].Data = data
			return
		}
	}
	a.Files = append(a.Files, txtar.File{Name: name, Data: data})
}

// loadCase reads the inputs of a golden case the way the CLI would: the Leasefile through
// spec.Parse, the state through state.Load, live leases through the leases decoder.
func loadCase(t *testing.T, path string) goldenCase {
	t.Helper()
	a, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lf, ok := section(a, "Leasefile")
	if !ok {
		t.Fatal("no Leasefile section")
	}
	sp, err := spec.Parse("Leasefile", lf, spec.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatalf("Leasefile: %v", err)
	}
	in := Input{Spec: sp, Identity: testIdentity(), Networks: testNetworks, Flavors: testFlavors, LeasefileHash: "hash"}
	if data, ok := section(a, "state.json"); ok {
		p := filepath.Join(t.TempDir(), "state.json")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if in.State, err = state.Load(p); err != nil {
			t.Fatalf("state.json: %v", err)
		}
		in.StateExisted = true
	} else {
		in.State = &state.File{FormatVersion: state.FormatVersion, Lineage: "00000000-0000-4000-8000-000000000000"}
	}
	in.Live = map[string][]leases.Lease{}
	if data, ok := section(a, "live.json"); ok {
		if err := json.Unmarshal(data, &in.Live); err != nil {
			t.Fatalf("live.json: %v", err)
		}
	}
	now, ok := section(a, "now")
	if !ok {
		t.Fatal("no now section")
	}
	if in.Now, err = time.Parse(time.RFC3339, strings.TrimSpace(string(now))); err != nil {
		t.Fatalf("now: %v", err)
	}
	if data, ok := section(a, "args"); ok {
		f := strings.Fields(string(data))
		for i := 0; i < len(f); i++ {
			switch f[i] {
			case "-target":
				i++
				in.Targets = append(in.Targets, f[i])
			case "-replace":
				i++
				in.Replace = append(in.Replace, f[i])
			case "-destroy":
				in.Destroy = true
			case "-refresh-only":
				in.RefreshOnly = true
			case "-allow-duplicate-name":
				in.AllowDuplicateName = true
			default:
				t.Fatalf("args: unknown %q", f[i])
			}
		}
	}
	return goldenCase{arc: a, input: in}
}

// namedInput is a golden case's Build input, with the file it comes from.
type namedInput struct {
	file string
	in   Input
}

// goldenInputs loads every golden case's Build input, for tests that hold a shortcut of
// Build's to what it stands for on all of them.
func goldenInputs(t *testing.T) []namedInput {
	t.Helper()
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	out := make([]namedInput, len(files))
	for i, f := range files {
		out[i] = namedInput{f, loadCase(t, f).input}
	}
	return out
}

// eachPlannedCase runs fn in a subtest for each testdata/DIR case, with the case and the
// plan Build makes of it.
func eachPlannedCase(t *testing.T, dir string, fn func(t *testing.T, path string, gc goldenCase, p *Plan)) {
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s cases: %v", dir, err)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			gc := loadCase(t, path)
			p, err := Build(gc.input)
			if err != nil {
				t.Fatal(err)
			}
			fn(t, path, gc, p)
		})
	}
}

// compareSections compares each of got's sections with the case's, in name order; with
// -update it writes them into the case file first.
func compareSections(t *testing.T, path string, gc goldenCase, got map[string]string) {
	t.Helper()
	if *update {
		for name, v := range got {
			setSection(gc.arc, name, []byte(v))
		}
		if err := os.WriteFile(path, txtar.Format(gc.arc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(got)) {
		want, _ := section(gc.arc, name)
		if diff := cmp.Diff(string(want), got[name]); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
		}
	}
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden cases")
	}
	planSchema := compilePlanSchema(t)
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			gc := loadCase(t, path)
			p, err := Build(gc.input)
			got := map[string]string{}
			if err != nil {
				got["error"] = err.Error() + "\n"
			} else {
				var txt, js bytes.Buffer
				if err := RenderText(&txt, p, TextOptions{}); err != nil {
					t.Fatal(err)
				}
				if err := RenderJSON(&js, p); err != nil {
					t.Fatal(err)
				}
				got["plan.txt"], got["plan.json"] = txt.String(), js.String()
				// Every plan the golden cases produce is what schema/plan.schema.json documents.
				var doc any
				if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
					t.Fatal(err)
				}
				if err := planSchema.Validate(doc); err != nil {
					t.Errorf("plan JSON does not match schema/plan.schema.json: %#v", err)
				}
			}
			if *update {
				for _, name := range []string{"error", "plan.txt", "plan.json"} {
					if v, ok := got[name]; ok {
						setSection(gc.arc, name, []byte(v))
					} else {
						removeSection(gc.arc, name)
					}
				}
				if err := os.WriteFile(path, txtar.Format(gc.arc), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, name := range []string{"error", "plan.txt", "plan.json"} {
				want, _ := section(gc.arc, name)
				if diff := cmp.Diff(string(want), got[name]); diff != "" {
					t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
				}
			}
			if err != nil {
				return
			}
			// Saved plans read back unchanged.
			var js bytes.Buffer
			_ = Write(&js, p)
			back, rerr := Read(&js)
			if rerr != nil {
				t.Fatalf("Read: %v", rerr)
			}
			if diff := cmp.Diff(p, back, savedPart); diff != "" {
				t.Errorf("plan read back differs (-built +read):\n%s", diff)
			}
			// apply PLANFILE accepts every plan Build makes.
			if err := back.CheckOwned(gc.input.State); err != nil {
				t.Errorf("CheckOwned refuses the plan Build made: %v", err)
			}
			// Convergence: applying the plan and planning again changes nothing.
			live, st := simulate(t, gc.input, p)
			in2 := gc.input
			// -replace is a one-shot request: planning it again would replace again.
			in2.Live, in2.State, in2.StateExisted, in2.Replace = live, st, true, nil
			p2, err := Build(in2)
			if err != nil {
				t.Fatalf("re-plan after apply: %v", err)
			}
			if p2.HasChanges() {
				var txt bytes.Buffer
				_ = RenderText(&txt, p2, TextOptions{})
				t.Errorf("re-plan after apply has changes:\n%s", txt.String())
			}
			for _, d := range p2.Drift {
				switch d.Kind {
				case DriftDegraded, DriftError:
				default:
					t.Errorf("re-plan after apply reports drift %s for %s: the state was not updated as apply would", d.Kind, d.Key)
				}
			}
		})
	}
}

// compilePlanSchema compiles schema/plan.schema.json as the draft it declares (draft-07).
func compilePlanSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile("../schema/plan.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat = true
	const id = "https://raw.githubusercontent.com/chameleoncloud/leasefile/main/schema/plan.schema.json"
	if err := c.AddResource(id, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatalf("schema/plan.schema.json: %v", err)
	}
	return sch
}

func removeSection(a *txtar.Archive, name string) {
	out := a.Files[:0]
	for _, f := range a.Files {
		if f.Name != name {
			out = append(out, f)
		}
	}
	a.Files = out
}

// simulate applies p to copies of the live leases and the state, as apply would against a
// Blazar that accepts everything: creates get fresh IDs, updates patch, deletes remove.
func simulate(t *testing.T, in Input, p *Plan) (map[string][]leases.Lease, *state.File) {
	t.Helper()
	live := map[string][]leases.Lease{}
	for site, ls := range in.Live {
		live[site] = append([]leases.Lease(nil), ls...)
	}
	st := in.State.Clone()
	for _, m := range p.Moves {
		if err := st.Move(m.From, m.To); err != nil {
			t.Fatalf("move %s to %s: %v", m.From, m.To, err)
		}
	}
	for _, o := range p.Observed {
		l := o.Lease
		st.SetLease(o.Key, &l)
	}
	for _, k := range p.Forget {
		st.RemoveLease(k)
	}
	for _, a := range p.Adopt {
		st.DropIntent(a.Key)
	}
	for _, k := range p.DropIntents {
		st.DropIntent(k)
	}
	if p.RefreshOnly {
		// As apply records it: leases deleted outside leasefile leave the state.
		for _, d := range p.Drift {
			if l, ok := st.Lease(d.Key); ok && d.Kind == DriftDeleted && l.ID == d.LeaseID {
				st.RemoveLease(d.Key)
			}
		}
		return live, st
	}
	now := in.Now.UTC()
	n := 0
	remove := func(site, id string) {
		ls := live[site]
		for i := range ls {
			if ls[i].ID == id {
				live[site] = append(ls[:i:i], ls[i+1:]...)
				return
			}
		}
		t.Errorf("simulate: delete of %s on %s: no such lease", id, site)
	}
	create := func(ch Change) {
		n++
		cs := ch.Create
		start := cs.Start
		if start.IsZero() {
			start = now.Truncate(time.Minute)
		}
		end := cs.End
		if end.IsZero() {
			end = start.Add(cs.Duration)
		}
		status := "ACTIVE"
		if start.After(now) {
			status = "PENDING"
		}
		id := fmt.Sprintf("new-%s-%d", ch.Key, n)
		l := leases.Lease{ID: id, Name: cs.Name, Status: status, UserID: testUser, ProjectID: "project-1",
			StartDate: start, EndDate: end, CreatedAt: now.Truncate(time.Second)}
		sl := &state.Lease{ID: id, Name: cs.Name, Site: ch.Site, Status: status, Start: start, End: end,
			CreatedAt: l.CreatedAt, Reservations: map[string]state.Reservation{}}
		for _, rs := range cs.Reservations {
			r := leases.Reservation{ID: id + "-" + rs.Key, LeaseID: id, ResourceType: rs.Body.ResourceType}
			patchReservation(t, &r, rs.Body)
			if rs.FloatingNetwork != "" {
				r.NetworkID = testNetworks[ch.Site][rs.FloatingNetwork]
			}
			if rs.Flavor != "" {
				r.Extra = map[string]any{"flavor_id": testFlavors[ch.Site][rs.Flavor]}
			}
			l.Reservations = append(l.Reservations, r)
			sl.Reservations[rs.Key] = Record(state.Reservation{ID: r.ID, ResourceType: r.ResourceType}, rs.Body)
		}
		live[ch.Site] = append(live[ch.Site], l)
		st.SetLease(ch.Key, sl)
		st.DropIntent(ch.Key)
	}
	for _, ch := range p.Changes {
		oldSite := ch.Site
		if ch.FromSite != "" {
			oldSite = ch.FromSite
		}
		switch ch.Action {
		case Create:
			create(ch)
		case Delete:
			if !ch.Gone {
				remove(oldSite, ch.LeaseID)
			}
			st.RemoveLease(ch.Key)
		case DeleteThenCreate, CreateThenDelete:
			remove(oldSite, ch.LeaseID)
			st.RemoveLease(ch.Key)
			create(ch)
		case Update:
			ls := live[ch.Site]
			var l *leases.Lease
			for i := range ls {
				if ls[i].ID == ch.LeaseID {
					l = &ls[i]
				}
			}
			if l == nil {
				t.Fatalf("simulate: update of %s: no such lease", ch.LeaseID)
			}
			u := ch.Update
			if u.Name != nil {
				l.Name = *u.Name
			}
			if u.Start != nil {
				l.StartDate = *u.Start
			}
			if u.End != nil {
				l.EndDate = *u.End
			}
			l.Reservations = append([]leases.Reservation(nil), l.Reservations...)
			for _, ru := range u.Reservations {
				found := false
				for i := range l.Reservations {
					if l.Reservations[i].ID == ru.ID {
						patchReservation(t, &l.Reservations[i], ru.Body)
						found = true
					}
				}
				if !found {
					t.Errorf("simulate: update of reservation %s: not in lease %s", ru.ID, l.ID)
				}
				if sl, ok := st.Lease(ch.Key); ok {
					if sr, ok := sl.Reservations[ru.Key]; ok {
						sl.Reservations[ru.Key] = Record(sr, ru.Body)
					}
				}
			}
			ua := now.Truncate(time.Second)
			l.UpdatedAt = &ua
			sl, _ := st.Lease(ch.Key)
			sl.Name, sl.Start, sl.End, sl.UpdatedAt = l.Name, l.StartDate, l.EndDate, ua.Format("2006-01-02 15:04:05")
		}
	}
	for _, a := range p.Await {
		// apply waits until the lease is ACTIVE, and records it.
		for i := range live[a.Site] {
			if l := &live[a.Site][i]; l.ID == a.LeaseID {
				l.Status = "ACTIVE"
			}
		}
		if sl, ok := st.Lease(a.Key); ok && sl.ID == a.LeaseID {
			sl.Status = "ACTIVE"
		}
	}
	for site := range live {
		sort.SliceStable(live[site], func(i, j int) bool { return live[site][i].ID < live[site][j].ID })
	}
	return live, st
}

// patchReservation applies a request body the way Blazar stores it; network reservations
// keep only the common fields, as Chameleon's Blazar returns them.
func patchReservation(t *testing.T, r *leases.Reservation, body spec.ReservationBody) {
	t.Helper()
	if r.ResourceType == "network" {
		return
	}
	if body.Min != nil {
		r.Min = ref(*body.Min)
	}
	if body.Max != nil {
		r.Max = ref(*body.Max)
	}
	if body.Amount != nil {
		r.Amount = ref(*body.Amount)
	}
	for _, f := range []struct {
		dst *string
		v   *string
	}{{&r.ResourceProperties, body.ResourceProperties}, {&r.HypervisorProperties, body.HypervisorProperties}, {&r.BeforeEnd, body.BeforeEnd}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if body.NetworkID != nil && *body.NetworkID != r.NetworkID {
		t.Errorf("body changes network_id of %s: Blazar refuses that", r.ID)
	}
	if body.RequiredFloatingIPs != nil {
		r.RequiredFloatingIPs = body.RequiredFloatingIPs
	}
	if body.NetworkName != nil || body.NetworkDescription != nil || body.NetworkProperties != nil {
		t.Errorf("a network body for %s reservation %s", r.ResourceType, r.ID)
	}
}

// TestPlanSchemaRejects checks that the schema holds the types the golden test relies on: a
// format_version 1 plan, with its values as display strings, does not validate.
func TestPlanSchemaRejects(t *testing.T) {
	sch := compilePlanSchema(t)
	base := `{"format_version": 2, "created_at": "2026-12-01T12:00:00Z", "lineage": "l", "serial": 0, "state_existed": false,
		"leasefile_hash": "h", "sites": {}, "observed": [], "changes": [{"key": "a", "site": "CHI@UC", "action": "create", "name": "a", "fields": [%s]}]}`
	for _, tt := range []struct {
		field string
		ok    bool
	}{
		{`{"path": "reservations.n.count", "new": 2}`, true},
		{`{"path": "reservations.n.count", "new": "2"}`, false},
		{`{"path": "reservations.ip.addresses", "new": "192.0.2.10"}`, false},
		{`{"path": "reservations.n.resource_properties", "new": "[\"==\", \"$node_type\", \"x\"]"}`, false},
		{`{"path": "start", "new": "2026-12-01 09:00"}`, false},
		{`{"path": "start", "new": "2026-12-01T09:00:00Z"}`, true},
	} {
		var doc any
		if err := json.Unmarshal([]byte(fmt.Sprintf(base, tt.field)), &doc); err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(doc); (err == nil) != tt.ok {
			t.Errorf("%s: valid = %v, want %v (%v)", tt.field, err == nil, tt.ok, err)
		}
	}
}
