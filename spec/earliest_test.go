package spec

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestEarliest(t *testing.T) {
	const node = "    reservations:\n      n:\n        type: node\n"
	f, err := Parse("Leasefile", []byte(lease("    start: earliest\n    duration: 1d\n    within: 5d\n    not_before: \"2026-12-03 09:00\"\n    together: exp\n"+node)), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	l := f.Leases[0]
	want := &Earliest{Within: 5 * 24 * time.Hour, NotBefore: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC), Together: "exp"}
	if diff := cmp.Diff(want, l.Earliest); diff != "" || !l.Start.Now || l.Wait != "created" || !f.HasEarliest() {
		t.Errorf("earliest (-want +got):\n%s start %v wait %s", diff, l.Start, l.Wait)
	}
	f, err = Parse("Leasefile", []byte(lease("    start: earliest\n"+node)), env(nil))
	if err != nil || f.Leases[0].Earliest.Within != DefaultWithin {
		t.Errorf("default within: %v %+v", err, f.Leases[0].Earliest)
	}
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"within without earliest", "    within: 3d\n" + node, []string{"6:13: leases.exp.within: within only applies with `start: earliest`"}},
		{"earliest with an end", "    start: earliest\n    end: \"2026-12-09 09:00\"\n" + node, []string{"7:10: leases.exp.end: `start: earliest` needs a duration, not an end"}},
		{"bad within", "    start: earliest\n    within: 3x\n" + node, []string{`7:13: leases.exp.within: invalid duration "3x": use days, hours and minutes, e.g. 1d, 6h, 90m, 1d12h`}},
		{"bad group", "    start: earliest\n    together: A B\n" + node, nil},
	} {
		got := parseErrs(t, lease(tc.body), env(nil))
		if tc.want == nil {
			if len(got) == 0 {
				t.Errorf("%s: accepted", tc.name)
			}
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestPolicySection(t *testing.T) {
	src := "version: 1\npolicy:\n  CHI@UC: {max_duration: 14d, extension_window: \"off\"}\n  CHI@TACC: {max_duration: 2x}\ndefaults:\n  site: CHI@UC\nleases:\n  exp:\n    reservations:\n      n:\n        type: node\n"
	got := parseErrs(t, src, env(nil))
	want := []string{`4:28: policy.CHI@TACC.max_duration: invalid duration "2x": use days, hours and minutes, e.g. 1d, 6h, 90m, 1d12h (or off)`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	f, err := Parse("Leasefile", []byte(strings.Replace(src, "  CHI@TACC: {max_duration: 2x}\n", "", 1)), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	o := f.Policy["CHI@UC"]
	if o.MaxDuration == nil || *o.MaxDuration != 14*24*time.Hour || o.ExtensionWindow == nil || *o.ExtensionWindow != 0 {
		t.Errorf("policy %+v", o)
	}
}
