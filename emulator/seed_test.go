package emulator

import (
	"testing"
	"time"
)

// TestSeedOtherProjects books the other project's calendar once, every lease accepted by the
// same checks as a user's, leaving the demo's resources free now.
func TestSeedOtherProjects(t *testing.T) {
	clock := NewFakeClock(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC))
	e, err := New(Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SeedOtherProjects(); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		n := 0
		for _, s := range e.sites {
			n += len(s.leases)
		}
		return n
	}
	n := count()
	if n < 20 {
		t.Fatalf("%d seeded leases, want a busy calendar", n)
	}
	if err := e.SeedOtherProjects(); err != nil || count() != n {
		t.Fatalf("second seed: %v, %d leases (want %d)", err, count(), n)
	}
	demo := e.projectByName(DemoProject)
	for _, s := range e.sites {
		for _, l := range s.leases {
			if l.ProjectID == demo.ID {
				t.Errorf("lease %s seeded for the demo project", l.Name)
			}
			if d := l.End.Sub(l.Start); d > 7*24*time.Hour {
				t.Errorf("lease %s lasts %s", l.Name, d)
			}
		}
	}
	// Free right now for a day: at least two hosts of every node type.
	for _, s := range e.sites {
		b := s.busy("")
		free := map[string]int{}
		for _, h := range s.inv.Hosts {
			if b.free("host:"+h.ID, clock.Now(), clock.Now().Add(72*time.Hour), s.gap()) {
				free[h.Extra["node_type"]]++
			}
		}
		for _, h := range s.inv.Hosts {
			if free[h.Extra["node_type"]] < 2 {
				t.Errorf("%s: %d %s free for the next three days", s.name, free[h.Extra["node_type"]], h.Extra["node_type"])
				break
			}
		}
	}
}
