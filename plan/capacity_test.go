package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/avail"
	"github.com/google/go-cmp/cmp"
)

// inventoryCase is the inventory.json section of a capacity case: per site, resources
// (id and extra capabilities, kind host unless said) and bookings; a site left out is
// unknown, and "unknown" marks a kind whose endpoints were refused.
type inventoryCase map[string]struct {
	Resources []struct {
		Kind  avail.Kind        `json:"kind"`
		ID    string            `json:"id"`
		Extra map[string]string `json:"extra"`
	} `json:"resources"`
	Bookings []struct {
		Kind        avail.Kind `json:"kind"`
		ID          string     `json:"id"`
		Lease       string     `json:"lease"`
		Reservation string     `json:"reservation"`
		Start       time.Time  `json:"start"`
		End         time.Time  `json:"end"`
	} `json:"bookings"`
	Unknown map[avail.Kind]string `json:"unknown"`
}

func (ic inventoryCase) sites() map[string]*avail.Site {
	out := map[string]*avail.Site{}
	for name, s := range ic {
		site := &avail.Site{Name: name, Gap: 5 * time.Minute, Unknown: s.Unknown}
		for _, r := range s.Resources {
			if r.Kind == "" {
				r.Kind = avail.Host
			}
			site.Resources = append(site.Resources, &avail.Resource{Kind: r.Kind, ID: r.ID, Name: r.ID, Extra: r.Extra, Reservable: true,
				Columns: map[string]any{"id": r.ID}})
		}
		for _, b := range s.Bookings {
			if b.Kind == "" {
				b.Kind = avail.Host
			}
			site.Bookings = append(site.Bookings, avail.Booking{Kind: b.Kind, ResourceID: b.ID, LeaseID: b.Lease, ReservationID: b.Reservation,
				Start: b.Start, End: b.End})
		}
		out[name] = site
	}
	return out
}

// TestCapacityGolden plans each testdata/capacity case (a golden case plus inventory.json),
// checks it against the inventory and compares the text plan and the failing verdicts.
func TestCapacityGolden(t *testing.T) {
	eachPlannedCase(t, "capacity", func(t *testing.T, path string, gc goldenCase, p *Plan) {
		data, ok := section(gc.arc, "inventory.json")
		if !ok {
			t.Fatal("no inventory.json section")
		}
		var ic inventoryCase
		if err := json.Unmarshal(data, &ic); err != nil {
			t.Fatalf("inventory.json: %v", err)
		}
		av := Availability{Sites: ic.sites(), Live: gc.input.Live, Now: gc.input.Now, State: gc.input.State, Policy: PolicyOverrides(gc.input.Spec),
			Project: map[string]string{"CHI@UC": "project-1", "CHI@TACC": "project-1", "CHI@Edge": "project-1"}}
		failing := append(ResolveEarliest(p, gc.input.Spec, av), CheckAvailability(p, av)...)
		var txt bytes.Buffer
		if err := RenderText(&txt, p, TextOptions{}); err != nil {
			t.Fatal(err)
		}
		compareSections(t, path, gc, map[string]string{"plan.txt": txt.String(), "failing": strings.Join(failing, "\n") + "\n"})
		// The verdicts survive a saved plan.
		var js bytes.Buffer
		_ = Write(&js, p)
		back, err := Read(&js)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(p, back, savedPart); diff != "" {
			t.Errorf("plan read back differs:\n%s", diff)
		}
	})
}

// TestStaleEarliest re-checks a window ResolveEarliest chose: it holds at first, and is stale
// once its start has passed or another lease takes the host.
func TestStaleEarliest(t *testing.T) {
	gc := loadCase(t, "testdata/capacity/earliest_together.txtar")
	p, err := Build(gc.input)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := section(gc.arc, "inventory.json")
	var ic inventoryCase
	if err := json.Unmarshal(data, &ic); err != nil {
		t.Fatal(err)
	}
	av := Availability{Sites: ic.sites(), Now: gc.input.Now, Project: map[string]string{"CHI@UC": "project-1", "CHI@TACC": "project-1"}}
	if f := ResolveEarliest(p, gc.input.Spec, av); len(f) > 0 {
		t.Fatal(f)
	}
	if got := StaleEarliest(p, av); len(got) > 0 {
		t.Errorf("fresh plan stale: %q", got)
	}
	later := av
	later.Now = gc.input.Now.Add(48 * time.Hour)
	if got := strings.Join(StaleEarliest(p, later), "\n"); !strings.Contains(got, "lease tacc: the start plan chose, 2026-12-03 06:06, has passed") {
		t.Errorf("after the start: %q", got)
	}
	taken := Availability{Sites: ic.sites(), Now: gc.input.Now, Project: av.Project}
	taken.Sites["CHI@TACC"].Bookings = append(taken.Sites["CHI@TACC"].Bookings, avail.Booking{Kind: avail.Host, ResourceID: "t1", LeaseID: "new",
		Start: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC)})
	if got := strings.Join(StaleEarliest(p, taken), "\n"); !strings.Contains(got, "lease tacc, reservations.a100: will fail") || !strings.Contains(got, "no longer free") {
		t.Errorf("after another lease took the host: %q", got)
	}
}
