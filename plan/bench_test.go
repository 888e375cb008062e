package plan_test

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/plan"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
)

var benchNow = time.Date(2027, 1, 1, 8, 0, 0, 0, time.UTC)

var benchSites = []string{"CHI@UC", "CHI@TACC", "CHI@Edge"}

// benchSpec declares n one-node (or one-device) leases over the three sites, each in its
// own future window.
func benchSpec(b *testing.B, n int) *spec.File {
	var s strings.Builder
	s.WriteString("version: 1\nname_prefix: bench-\nleases:\n")
	for i := range n {
		site := benchSites[i%3]
		start := benchNow.Add(72*time.Hour + time.Duration(i/3)*2*time.Hour)
		fmt.Fprintf(&s, "  l%04d:\n    site: %s\n    start: %q\n    duration: 1h\n    reservations:\n",
			i, site, start.Format("2006-01-02 15:04"))
		if site == "CHI@Edge" {
			s.WriteString("      boards:\n        type: device\n        count: 1\n        machine_name: raspberrypi4-64\n")
			continue
		}
		s.WriteString("      nodes:\n        type: node\n        count: 1\n        node_type: compute_skylake\n")
	}
	f, err := spec.Parse("Leasefile", []byte(s.String()), spec.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// benchLive is n terminated leases of the project, none of them the Leasefile's, spread
// over the three sites: what plan has to look through and leave alone.
func benchLive(n int) map[string][]leases.Lease {
	out := map[string][]leases.Lease{}
	one := 1
	for i := range n {
		site := benchSites[i%3]
		start := benchNow.Add(-time.Duration(i+48) * time.Hour)
		out[site] = append(out[site], leases.Lease{
			ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Name: fmt.Sprintf("old-%05d", i), Status: "TERMINATED",
			ProjectID: "p", UserID: "u", StartDate: start, EndDate: start.Add(time.Hour), CreatedAt: start.Add(-time.Hour),
			Reservations: []leases.Reservation{{ID: fmt.Sprintf("r-%d", i), ResourceType: "physical:host", Status: "deleted",
				Min: &one, Max: &one, ResourceProperties: `["==", "$node_type", "compute_skylake"]`, HypervisorProperties: ""}},
		})
	}
	return out
}

// BenchmarkBuild1000 is the in-memory part of DESIGN.md §7's plan target: plan.Build and
// the text rendering of 1,000 creates among 10,000 live leases, no HTTP. It shows how
// much of cmd/leasefile's BenchmarkPlan1000 is planning rather than fetching.
func BenchmarkBuild1000(b *testing.B) {
	f := benchSpec(b, 1000)
	benchBuild(b, plan.Input{Spec: f, Live: benchLive(10000), Now: benchNow}, func(p *plan.Plan) bool { return len(p.Changes) == 1000 })
}

// benchBuild times plan.Build of in and the text rendering of its plan, apart (s/build,
// s/render); want checks each plan.
func benchBuild(b *testing.B, in plan.Input, want func(*plan.Plan) bool) {
	b.ReportAllocs()
	b.ResetTimer()
	var build, render time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		p, err := plan.Build(in)
		build += time.Since(start)
		if err != nil || !want(p) {
			b.Fatalf("build: %v", err)
		}
		start = time.Now()
		if err := plan.RenderText(io.Discard, p, plan.TextOptions{}); err != nil {
			b.Fatal(err)
		}
		render += time.Since(start)
	}
	b.ReportMetric(build.Seconds()/float64(b.N), "s/build")
	b.ReportMetric(render.Seconds()/float64(b.N), "s/render")
}

// benchTracked is what an apply of f left: a PENDING live lease for each of its leases,
// with the reservations the Leasefile declares, and a state that tracks each by ID.
func benchTracked(f *spec.File, live map[string][]leases.Lease) *state.File {
	st := state.New()
	for i, d := range f.Leases {
		id := fmt.Sprintf("10000000-0000-4000-8000-%012d", i)
		l := leases.Lease{ID: id, Name: d.Name, Status: "PENDING", ProjectID: "p", UserID: "u",
			StartDate: d.Start.At, EndDate: d.EndFrom(d.Start.At), CreatedAt: benchNow, UpdatedAt: &benchNow}
		sl := &state.Lease{ID: id, Name: d.Name, Site: d.Site, Status: "PENDING", Start: d.Start.At, End: d.EndFrom(d.Start.At),
			CreatedAt: benchNow, Reservations: map[string]state.Reservation{}}
		for j, r := range d.Reservations {
			body := r.Body(d.BeforeEnd, d.BeforeEndSet)
			lr := leases.Reservation{ID: fmt.Sprintf("%s-r%d", id, j), ResourceType: body.ResourceType, Status: "pending",
				Min: body.Min, Max: body.Max}
			if body.ResourceProperties != nil {
				lr.ResourceProperties = *body.ResourceProperties
			}
			l.Reservations = append(l.Reservations, lr)
			sl.Reservations[r.Key] = state.Reservation{ID: lr.ID, ResourceType: lr.ResourceType}
		}
		live[d.Site] = append(live[d.Site], l)
		st.SetLease(d.Key, sl)
	}
	return st
}

// BenchmarkBuild1000NoChanges is the plan of BenchmarkBuild1000's Leasefile once applied:
// 1,000 tracked leases that match it among 10,000 others, and "No changes".
func BenchmarkBuild1000NoChanges(b *testing.B) {
	f := benchSpec(b, 1000)
	live := benchLive(10000)
	st := benchTracked(f, live)
	benchBuild(b, plan.Input{Spec: f, State: st, StateExisted: true, Live: live, Now: benchNow},
		func(p *plan.Plan) bool { return len(p.Changes) == 1000 && !p.HasChanges() })
}

// BenchmarkIdleSites1000 is the idle-lease check's look at the plan of
// BenchmarkBuild1000NoChanges: which sites keep ACTIVE bare-metal leases, found among the
// 11,000 live leases that plan was built from.
func BenchmarkIdleSites1000(b *testing.B) {
	f := benchSpec(b, 1000)
	live := benchLive(10000)
	p, err := plan.Build(plan.Input{Spec: f, State: benchTracked(f, live), StateExisted: true, Live: live, Now: benchNow})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		plan.IdleSites(p, live)
	}
}
