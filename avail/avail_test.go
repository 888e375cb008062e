package avail

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC)

func at(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }

// testSite has three compute_skylake hosts (1-3), two gpu_rtx_6000 (4, 5; 5 is reserved to
// project p2), one disabled skylake (6) and one not reservable (7).
func testSite() *Site {
	host := func(id, nodeType, su string, mem int) *Resource {
		return &Resource{Kind: Host, ID: id, Name: "h" + id, Reservable: true,
			Columns: map[string]any{"id": id, "memory_mb": mem, "hypervisor_hostname": "hv" + id},
			Extra:   map[string]string{"node_type": nodeType, "su_factor": su, "authorized_projects": ""}}
	}
	s := &Site{Name: "CHI@UC", Gap: 5 * time.Minute}
	s.Resources = []*Resource{host("1", "compute_skylake", "1.0", 196608), host("2", "compute_skylake", "1.0", 196608),
		host("3", "compute_skylake", "1.0", 65536), host("4", "gpu_rtx_6000", "2.0", 196608), host("5", "gpu_rtx_6000", "2.0", 196608),
		host("6", "compute_skylake", "1.0", 196608), host("7", "compute_skylake", "1.0", 196608)}
	s.Resources[4].Extra["authorized_projects"] = "p2, p3"
	s.Resources[5].Disabled = true
	s.Resources[6].Reservable = false
	s.Resources[3].Extra["gpu.gpu_model"] = "Quadro RTX 6000"
	return s
}

func ids(rs []*Resource) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestParseRequirements(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Cond
		bad  bool
	}{
		{in: ``},
		{in: `[]`},
		{in: `["==", "$node_type", "compute_skylake"]`, want: []Cond{{"node_type", "==", "compute_skylake"}}},
		{in: `["=", "$node_type", "x"]`, want: []Cond{{"node_type", "==", "x"}}},
		{in: `["and", ["<", "$a", "1"], [">=", "$b", "2"]]`, want: []Cond{{"a", "<", "1"}, {"b", ">=", "2"}}},
		// A nested "and" contributes its first condition only, as convert_requirements does.
		{in: `["and", ["and", ["==", "$a", "1"], ["==", "$b", "2"]], ["==", "$c", "3"]]`, want: []Cond{{"a", "==", "1"}, {"c", "==", "3"}}},
		{in: `["in", "$node_type", ["a", "b"]]`, bad: true},
		{in: `["==", "$node_type", 1]`, bad: true},
		{in: `["==", "node_type", "x"]`, bad: true},
		{in: `["==", "$", "x"]`, bad: true},
		{in: `["==", "$a", ""]`, bad: true},
		{in: `["and"]`, bad: true},
		{in: `["and", []]`, bad: true},
		{in: `["or", ["==", "$a", "1"], ["==", "$b", "2"]]`, bad: true},
		{in: `{"node_type": "x"}`, bad: true},
		{in: `[`, bad: true},
	} {
		got, err := ParseRequirements(tc.in)
		var me *MalformedError
		if tc.bad != errors.As(err, &me) {
			t.Errorf("%s: error %v, want malformed %v", tc.in, err, tc.bad)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: (-want +got)\n%s", tc.in, diff)
		}
	}
}

func TestMatch(t *testing.T) {
	s := testSite()
	for _, tc := range []struct {
		q       string
		project string
		want    []string
		unknown string
	}{
		{q: ``, project: "p1", want: []string{"1", "2", "3", "4"}},
		{q: ``, project: "p2", want: []string{"1", "2", "3", "4", "5"}},
		{q: `["==", "$node_type", "gpu_rtx_6000"]`, project: "p3", want: []string{"4", "5"}},
		{q: `["!=", "$node_type", "gpu_rtx_6000"]`, project: "p1", want: []string{"1", "2", "3"}},
		// Extra capabilities compare as strings: "10.0" < "2.0".
		{q: `["<", "$su_factor", "10.0"]`, project: "p1", want: []string{"1", "2", "3"}},
		{q: `[">=", "$su_factor", "2.0"]`, project: "p1", want: []string{"4"}},
		// Columns compare with their type: memory_mb numerically.
		{q: `[">=", "$memory_mb", "100000"]`, project: "p1", want: []string{"1", "2", "4"}},
		{q: `["<", "$memory_mb", "9"]`, project: "p1", want: nil},
		// A host without the capability never matches, even with !=.
		{q: `["!=", "$gpu.gpu_model", "A100"]`, project: "p1", want: []string{"4"}},
		{q: `["and", ["==", "$node_type", "compute_skylake"], ["==", "$hypervisor_hostname", "hv2"]]`, project: "p1", want: []string{"2"}},
		{q: `["==", "$node_typ", "compute_skylake"]`, project: "p1", unknown: "node_type"},
		{q: `["==", "$no_such_prop", "x"]`, project: "p1", unknown: "-"},
	} {
		conds, err := ParseRequirements(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Match(Host, conds, tc.project)
		var ue *UnknownKeyError
		if tc.unknown != "" {
			if !errors.As(err, &ue) {
				t.Errorf("%s: got %v, %v; want unknown key", tc.q, ids(got), err)
			} else if want := strings.TrimPrefix(tc.unknown, "-"); ue.Suggest != want {
				t.Errorf("%s: suggest %q, want %q", tc.q, ue.Suggest, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.q, err)
			continue
		}
		if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
			t.Errorf("%s %s: (-want +got)\n%s", tc.q, tc.project, diff)
		}
	}
}

func TestExplain(t *testing.T) {
	s := testSite()
	conds, _ := ParseRequirements(`["==", "$node_type", "compute_skylak"]`)
	got := s.Explain(Host, conds, "p1")
	if want := "no host at CHI@UC has node_type compute_skylak (did you mean compute_skylake?)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	conds, _ = ParseRequirements(`["==", "$node_type", "compute_skylake"]`)
	if got := s.Explain(Host, conds, "p1"); got != "" {
		t.Errorf("a matching query explained as %q", got)
	}
}

func book(id, lease string, from, to float64) Booking {
	return Booking{Kind: Host, ResourceID: id, LeaseID: lease, Start: at(from), End: at(to)}
}

func skylake(label string, n int, from, to float64) Request {
	return Request{Label: label, Site: "CHI@UC", Kind: Host, Conds: []Cond{{"node_type", "==", "compute_skylake"}},
		Min: n, Max: n, Start: at(from), End: at(to), Project: "p1"}
}

func TestCheck(t *testing.T) {
	s := testSite()
	// Host 1 busy 0-24 h; host 2 busy until 2 h; host 3 free.
	s.Bookings = []Booking{book("1", "other", 0, 24), book("2", "other2", -5, 2)}
	sites := map[string]*Site{"CHI@UC": s}
	for _, tc := range []struct {
		name string
		reqs []Request
		want []string
	}{
		{"one free", []Request{skylake("a", 1, 0, 1)}, []string{"fits: 1 of 3 matching free for the whole window"}},
		{"two needed, one free", []Request{skylake("a", 2, 0, 1)},
			[]string{"will fail: needs 2 compute_skylake, at most 1 free between 2027-01-04 10:00 and 2027-01-04 11:00"}},
		// The cleaning gap: host 2 ends at 12:00, so a window from 12:05 touches the gap.
		{"gap end included", []Request{skylake("a", 2, 2+5.0/60, 3)}, []string{"will fail: needs 2 compute_skylake, at most 1 free between 2027-01-04 12:05 and 2027-01-04 13:00"}},
		{"after the gap", []Request{skylake("a", 2, 2+6.0/60, 3)}, []string{"fits: 2 of 3 matching free for the whole window"}},
		// Leases of one plan compete: the second finds host 3 taken by the first.
		{"compete", []Request{skylake("a", 1, 0, 1), skylake("b", 1, 0.5, 2)},
			[]string{"fits: 1 of 3 matching free for the whole window", "will fail: needs 1 compute_skylake, at most 0 free between 2027-01-04 10:30 and 2027-01-04 12:00"}},
		{"no compete apart", []Request{skylake("a", 1, 0, 1), skylake("b", 1, 3, 4)},
			[]string{"fits: 1 of 3 matching free for the whole window", "fits: 2 of 3 matching free for the whole window"}},
		{"typo", []Request{{Site: "CHI@UC", Kind: Host, Conds: []Cond{{"node_type", "==", "compute_skylak"}}, Min: 1, Max: 1, Start: at(0), End: at(1)}},
			[]string{"will fail: no host at CHI@UC has node_type compute_skylak (did you mean compute_skylake?)"}},
		{"unknown site", []Request{{Site: "CHI@XX", Kind: Host, Min: 1, Max: 1}}, []string{"availability unknown: CHI@XX was not read"}},
	} {
		var got []string
		for _, r := range Check(sites, tc.reqs) {
			got = append(got, r.String())
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: (-want +got)\n%s", tc.name, diff)
		}
	}
}

func TestGrowthRule(t *testing.T) {
	s := testSite()
	// The lease holds host 3; hosts 1 and 2 are free. Growing 1 -> 2 fits (two free besides
	// host 3); growing 1 -> 3 does not, though three matching hosts would be free if the
	// lease's own host counted.
	s.Bookings = []Booking{book("3", "mine", 0, 10)}
	sites := map[string]*Site{"CHI@UC": s}
	grow := func(n int) Request {
		q := skylake("a", n, 0, 10)
		q.Mode, q.Lease, q.Holds = Grow, "mine", []string{"3"}
		return q
	}
	got := append(Check(sites, []Request{grow(2)}), Check(sites, []Request{grow(3)})...)
	if !got[0].Fits || got[1].Fits {
		t.Fatalf("grow to 2: %s; grow to 3: %s", got[0], got[1])
	}
	if want := "will fail: needs 3 compute_skylake, at most 2 free between 2027-01-04 10:00 and 2027-01-04 20:00 besides the 1 it holds"; got[1].String() != want {
		t.Errorf("got %q\nwant %q", got[1], want)
	}
	// A move of a pending lease ignores its own bookings.
	mv := skylake("a", 3, 1, 11)
	mv.Mode, mv.Lease = Move, "mine"
	if r := Check(sites, []Request{mv})[0]; !r.Fits {
		t.Errorf("move: %s", r)
	}
}

func TestExtend(t *testing.T) {
	s := testSite()
	// Our lease holds host 4 until 10 h; another project's lease takes it from 30 h.
	s.Bookings = []Booking{book("4", "mine", 0, 10), book("4", "theirs", 30, 40)}
	s.Bookings[0].Kind, s.Bookings[1].Kind = Host, Host
	sites := map[string]*Site{"CHI@UC": s}
	ext := func(end float64) Request {
		return Request{Site: "CHI@UC", Kind: Host, Conds: []Cond{{"node_type", "==", "gpu_rtx_6000"}}, Min: 1, Max: 1,
			Start: at(0), End: at(end), Project: "p1", Mode: Extend, Lease: "mine", Holds: []string{"4"}}
	}
	r := Check(sites, []Request{ext(20)})[0]
	if want := "fits: the 1 host it holds is free until 2027-01-05 06:00"; r.String() != want {
		t.Errorf("got %q, want %q", r, want)
	}
	r = Check(sites, []Request{ext(35)})[0]
	if want := "will fail: another lease books a host it holds before the new end 2027-01-05 21:00 (Blazar keeps the same hosts in an extension); the latest end reachable is 2027-01-05 15:54"; r.String() != want {
		t.Errorf("got %q\nwant %q", r, want)
	}
}

func TestEarliest(t *testing.T) {
	uc := testSite()
	uc.Bookings = []Booking{book("4", "x", -1, 5), book("1", "y", 0, 30), book("2", "y", 0, 30), book("3", "z", 0, 8)}
	tacc := &Site{Name: "CHI@TACC", Gap: 5 * time.Minute, Resources: []*Resource{{Kind: Host, ID: "t1", Reservable: true,
		Extra: map[string]string{"node_type": "gpu_a100_pcie"}}}, Bookings: []Booking{{Kind: Host, ResourceID: "t1", LeaseID: "w", Start: at(0), End: at(12)}}}
	sites := map[string]*Site{"CHI@UC": uc, "CHI@TACC": tacc}
	gpu := Request{Site: "CHI@UC", Kind: Host, Conds: []Cond{{"node_type", "==", "gpu_rtx_6000"}}, Min: 1, Max: 1, Start: at(0), End: at(24), Project: "p1"}
	a100 := Request{Site: "CHI@TACC", Kind: Host, Conds: []Cond{{"node_type", "==", "gpu_a100_pcie"}}, Min: 1, Max: 1, Start: at(0), End: at(4), Project: "p1"}
	for _, tc := range []struct {
		name   string
		reqs   []Request
		within time.Duration
		want   string
	}{
		{"free only after another lease ends", []Request{gpu}, 72 * time.Hour, "2027-01-04 15:06"},
		{"free now", []Request{skylake("a", 0, 0, 1)}, 72 * time.Hour, "2027-01-04 10:00"},
		{"after the first of two ends", []Request{skylake("a", 1, 0, 1)}, 72 * time.Hour, "2027-01-04 18:06"},
		{"never within the horizon", []Request{skylake("a", 3, 0, 1)}, 24 * time.Hour, "none"},
		{"beyond a longer horizon", []Request{skylake("a", 3, 0, 1)}, 72 * time.Hour, "2027-01-05 16:06"},
		{"together across sites", []Request{gpu, a100}, 72 * time.Hour, "2027-01-04 22:06"},
		{"together, competing", []Request{skylake("a", 1, 0, 2), skylake("b", 1, 0, 2)}, 72 * time.Hour, "2027-01-05 16:06"},
	} {
		start, rs, ok := Earliest(sites, tc.reqs, at(0), tc.within)
		got := "none"
		if ok {
			got = start.Format(stamp)
		}
		if got != tc.want {
			var verdicts []string
			for _, r := range rs {
				verdicts = append(verdicts, r.String())
			}
			t.Errorf("%s: got %s, want %s (%s)", tc.name, got, tc.want, strings.Join(verdicts, "; "))
		}
	}
}

func TestPolicy(t *testing.T) {
	p := PolicyFor("CHI@UC", nil)
	if got := p.CheckCreate(at(0), at(8*24)); got != "Lease duration of 691200 seconds must be less than or equal to the maximum lease duration of 604800 seconds." {
		t.Errorf("8 days: %q", got)
	}
	if got := p.CheckCreate(at(0), at(7*24)); got != "" {
		t.Errorf("7 days: %q", got)
	}
	window := "Lease can only be extended within 172800 seconds of the leases current end time."
	for _, tc := range []struct {
		name                string
		now, cs, ce, ns, ne float64
		want                string
	}{
		{"extend far from the end", 0, 0, 100, 0, 110, window},
		{"extend near the end", 60, 0, 100, 0, 110, ""},
		{"move the start later far from the end (fork)", 0, 10, 100, 20, 100, window},
		{"move the start earlier", 0, 10, 100, 5, 100, ""},
		{"shorten", 0, 0, 100, 0, 90, ""},
		{"extend by more than 7 days", 60, 0, 100, 0, 100 + 7*24 + 1, "Lease duration of 608400 seconds must be less than or equal to the maximum lease duration of 604800 seconds."},
	} {
		if got := p.CheckUpdate(at(tc.now), at(tc.cs), at(tc.ce), at(tc.ns), at(tc.ne)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := PolicyFor("CHI@UC", map[string]Policy{"CHI@UC": {}}).CheckCreate(at(0), at(30*24)); got != "" {
		t.Errorf("an override turning the rule off: %q", got)
	}
	if got := PolicyFor("KVM@TACC", nil).CheckCreate(at(0), at(30*24)); got != "" {
		t.Errorf("KVM@TACC: %q", got)
	}
}

func TestSU(t *testing.T) {
	s := testSite()
	got := SU(at(0), at(10), []*Resource{s.Resource(Host, "1"), s.Resource(Host, "4"), {Kind: Network}})
	if got != 30 {
		t.Errorf("SU = %v, want 30 (10 h x (1.0 + 2.0 + 0))", got)
	}
}

func TestSummary(t *testing.T) {
	s := testSite()
	s.Resources = append(s.Resources, &Resource{Kind: Network, ID: "n1", Columns: map[string]any{"physical_network": "physnet1"}})
	got := fmt.Sprint(s.Summary())
	if want := "map[host:[{compute_skylake 5} {gpu_rtx_6000 2}] network:[{physnet1 1}]]"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestGroupRollback: Blazar creates a lease whole or not at all, so a lease whose second
// reservation fails (or that the policy refuses) takes nothing from the leases after it.
func TestGroupRollback(t *testing.T) {
	s := testSite()
	sites := map[string]*Site{"CHI@UC": s}
	a1, a2, b := skylake("a.one", 3, 0, 1), skylake("a.two", 1, 0, 1), skylake("b", 3, 0, 1)
	a1.Group, a2.Group, b.Group = "a", "a", "b"
	got := Check(sites, []Request{a1, a2, b})
	if !got[0].Fits || got[1].Fits || !got[2].Fits {
		t.Errorf("a.one %s; a.two %s; b %s", got[0], got[1], got[2])
	}
	a1.Doomed = true
	got = Check(sites, []Request{a1, b})
	if !got[1].Fits {
		t.Errorf("after a doomed lease: b %s", got[1])
	}
	a1.Doomed, a1.Group = false, ""
	got = Check(sites, []Request{a1, b})
	if got[1].Fits {
		t.Errorf("after a lease that took every host: b %s", got[1])
	}
}
