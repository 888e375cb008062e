package plan

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/google/go-cmp/cmp"
)

// TestWarnIdle checks the idle-lease rule: an ACTIVE bare-metal lease at a site where the
// project has no server is warned of before and after its 9 hours, and nothing is said when
// the project has servers there, when they are unknown, or when the reaper cannot apply.
func TestWarnIdle(t *testing.T) {
	start := time.Date(2026, 12, 1, 22, 16, 0, 0, time.UTC)
	lease := func(status string, end time.Time, types ...string) leases.Lease {
		l := leases.Lease{ID: "lease-1", Name: "compute", Status: status, StartDate: start, EndDate: end}
		for _, ty := range types {
			l.Reservations = append(l.Reservations, leases.Reservation{ID: "r-" + ty, ResourceType: ty})
		}
		return l
	}
	day := start.Add(24 * time.Hour)
	const (
		before = `lease "compute" at CHI@UC has been ACTIVE since 22:16 UTC with no instance in the project at the site: Chameleon deletes a lease with no instance 9 h after its start (at 2026-12-02 07:16 UTC)`
		after  = `lease "compute" at CHI@UC has been ACTIVE since 2026-12-01 22:16 UTC with no instance in the project at the site: Chameleon deletes a lease with no instance 9 h after its start (07:16 UTC, already past: the reaper may delete it at its next run)`
	)
	for _, tc := range []struct {
		name    string
		lease   leases.Lease
		action  Action
		now     time.Time
		servers map[string]bool
		want    []string
	}{
		{"before 9 h", lease("ACTIVE", day, "physical:host"), NoOp, start.Add(time.Hour), map[string]bool{"CHI@UC": false}, []string{before}},
		{"after 9 h", lease("ACTIVE", day, "physical:host", "virtual:floatingip"), Update, start.Add(10 * time.Hour), map[string]bool{"CHI@UC": false}, []string{after}},
		{"servers present", lease("ACTIVE", day, "physical:host"), NoOp, start.Add(2 * time.Hour), map[string]bool{"CHI@UC": true}, nil},
		{"servers unknown", lease("ACTIVE", day, "physical:host"), NoOp, start.Add(2 * time.Hour), map[string]bool{"CHI@TACC": false}, nil},
		{"ends before the reaper", lease("ACTIVE", start.Add(8*time.Hour), "physical:host"), NoOp, start.Add(2 * time.Hour), map[string]bool{"CHI@UC": false}, nil},
		{"no hosts", lease("ACTIVE", day, "virtual:floatingip", "network"), NoOp, start.Add(2 * time.Hour), map[string]bool{"CHI@UC": false}, nil},
		{"not active", lease("PENDING", day, "physical:host"), NoOp, start.Add(-time.Hour), map[string]bool{"CHI@UC": false}, nil},
		{"deleted by the plan", lease("ACTIVE", day, "physical:host"), Delete, start.Add(2 * time.Hour), map[string]bool{"CHI@UC": false}, nil},
		{"replaced by the plan", lease("ACTIVE", day, "physical:host"), DeleteThenCreate, start.Add(2 * time.Hour), map[string]bool{"CHI@UC": false}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Plan{Changes: []Change{{Key: "compute", Site: "CHI@UC", Action: tc.action, LeaseID: "lease-1"}}}
			live := map[string][]leases.Lease{"CHI@UC": {tc.lease}}
			var wantSites []string
			if tc.want != nil || tc.name == "servers present" || tc.name == "servers unknown" {
				wantSites = []string{"CHI@UC"}
			}
			if diff := cmp.Diff(wantSites, IdleSites(p, live)); diff != "" {
				t.Errorf("IdleSites (-want +got):\n%s", diff)
			}
			WarnIdle(p, Idle{Live: live, Servers: tc.servers, Now: tc.now})
			if diff := cmp.Diff(tc.want, p.Warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestIdleGolden plans each testdata/idle case (a golden case plus servers.json: per site,
// whether the project has a server there; a site left out is unknown), warns of idle leases
// and compares the text plan.
func TestIdleGolden(t *testing.T) {
	eachPlannedCase(t, "idle", func(t *testing.T, path string, gc goldenCase, p *Plan) {
		var servers map[string]bool
		if data, ok := section(gc.arc, "servers.json"); ok {
			if err := json.Unmarshal(data, &servers); err != nil {
				t.Fatalf("servers.json: %v", err)
			}
		}
		WarnIdle(p, Idle{Live: gc.input.Live, Servers: servers, Now: gc.input.Now})
		var txt bytes.Buffer
		if err := RenderText(&txt, p, TextOptions{}); err != nil {
			t.Fatal(err)
		}
		compareSections(t, path, gc, map[string]string{"plan.txt": txt.String()})
	})
}

// changedLeases finds for every change what liveLease finds in the change's site's list,
// the first one listed when Blazar lists an ID twice (or a change has none), and nothing for
// an ID it does not list.
func TestChangedLeasesIsLiveLease(t *testing.T) {
	live := map[string][]leases.Lease{
		"CHI@UC":   {{ID: "a", Name: "a1"}, {ID: "b"}, {ID: "a", Name: "a2"}, {ID: "c"}},
		"CHI@TACC": {{ID: "c", Name: "other site"}, {ID: "d"}},
		"CHI@Edge": {{Name: "no ID"}, {ID: "d"}, {Name: "no ID either"}},
	}
	p := &Plan{Changes: []Change{{Site: "CHI@UC", LeaseID: "a"}, {Site: "CHI@UC", LeaseID: "c"}, {Site: "CHI@UC", LeaseID: "gone"},
		{Site: "CHI@TACC", LeaseID: "c"}, {Site: "CHI@TACC", LeaseID: "a"}, {Site: "CHI@Edge", LeaseID: "d"}, {Site: "CHI@UC"}, {Site: "CHI@Edge"}}}
	byID := changedLeases(p, live)
	for _, ch := range p.Changes {
		if got, want := byID[ch.Site][ch.LeaseID], liveLease(live[ch.Site], ch.LeaseID); got != want {
			t.Errorf("%s %s: changedLeases %+v, liveLease %+v", ch.Site, ch.LeaseID, got, want)
		}
	}
}
