package plan

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chameleoncloud/leasefile/spec"
	"github.com/google/go-cmp/cmp"
)

func samplePlan() *Plan {
	return &Plan{
		FormatVersion: FormatVersion,
		Drift:         []Drift{{Key: "training", Site: "CHI@UC", LeaseID: "L1", Kind: DriftEnd, Detail: "end changed from 2026-12-01 16:03 to 2026-12-02 16:03"}},
		Changes: []Change{
			{Key: "ip", Site: "CHI@UC", Action: Create, Name: "ip", Fields: []FieldChange{{Path: "id", Computed: true}, {Path: "name", New: "ip"}}},
			{Key: "training", Site: "CHI@UC", Action: Update, Name: "training", LeaseID: "L1", Status: "ACTIVE",
				Fields: []FieldChange{{Path: "end", Old: "2026-12-02 16:03", New: "2026-12-01 16:03"}}},
			{Key: "vlan", Site: "CHI@UC", Action: DeleteThenCreate, Name: "vlan", LeaseID: "L2", Status: "ACTIVE", DestroysActive: true,
				ForcedBy: []string{"reservations.gpus"},
				Fields:   []FieldChange{{Path: "reservations.gpus", New: "node"}}},
			{Key: "old", Site: "CHI@UC", Action: Delete, Name: "old", LeaseID: "L3", Status: "PENDING", Fields: []FieldChange{{Path: "id", Old: "L3"}}},
			{Key: "same", Site: "CHI@UC", Action: NoOp, Name: "same", LeaseID: "L4"},
		},
	}
}

func render(t *testing.T, p *Plan, o TextOptions) string {
	t.Helper()
	var b bytes.Buffer
	if err := RenderText(&b, p, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestRenderTextColor(t *testing.T) {
	p := samplePlan()
	plain := render(t, p, TextOptions{})
	colored := render(t, p, TextOptions{Color: true})
	if strings.Contains(plain, "\x1b[") {
		t.Errorf("Color off wrote ANSI escapes:\n%q", plain)
	}
	if diff := cmp.Diff(plain, ansiRE.ReplaceAllString(colored, "")); diff != "" {
		t.Errorf("colour changes more than escapes (-plain +stripped):\n%s", diff)
	}
	for _, want := range []string{
		ansiGreen + "+" + ansiReset + " lease \"ip\"",
		ansiYellow + "~" + ansiReset + " lease \"training\"",
		ansiRed + "-" + ansiReset + "/" + ansiGreen + "+" + ansiReset + " lease \"vlan\"",
		ansiBold + ansiRed + "# lease L2 is ACTIVE: deleting it destroys the instances running on it" + ansiReset,
		ansiBold + "Plan: 1 to create, 1 to update, 1 to replace, 1 to delete." + ansiReset,
	} {
		if !strings.Contains(colored, want) {
			t.Errorf("coloured output lacks %q:\n%s", want, colored)
		}
	}
}

func TestRenderTextStructure(t *testing.T) {
	out := render(t, samplePlan(), TextOptions{})
	order := []string{
		"Note: Objects have changed outside leasefile",
		"# lease.training (CHI@UC, end_changed): end changed",
		"leasefile will perform the following actions:",
		"# lease.ip will be created",
		"# lease.training will be updated in place",
		`~ end = "2026-12-02 16:03" -> "2026-12-01 16:03"`,
		"# lease.vlan must be replaced",
		"# (forced by reservations.gpus)",
		"destroys the instances running on it",
		`+ reservations.gpus = "node" # forces replacement`,
		"# lease.old will be deleted",
		"Plan: 1 to create, 1 to update, 1 to replace, 1 to delete.",
	}
	pos := 0
	for _, s := range order {
		i := strings.Index(out[pos:], s)
		if i < 0 {
			t.Fatalf("missing, or out of order: %q\n%s", s, out)
		}
		pos += i + len(s)
	}
	if strings.Contains(out, `lease "same"`) {
		t.Errorf("a no-op lease is rendered:\n%s", out)
	}
}

func TestSummary(t *testing.T) {
	tests := []struct {
		name string
		p    Plan
		want string
	}{
		{"empty", Plan{}, "No changes. Your leases match the Leasefile."},
		{"noop only", Plan{Changes: []Change{{Key: "a", Action: NoOp}}}, "No changes. Your leases match the Leasefile."},
		{"refresh only", Plan{RefreshOnly: true, Drift: []Drift{{Key: "a"}}}, "No changes. Applying this plan only records the objects above in the state."},
		{"adopt", Plan{Adopt: []Adoption{{Key: "a"}}}, "Plan: 0 to create, 0 to update, 0 to replace, 0 to delete, 1 to adopt."},
		{"mixed", Plan{Changes: []Change{{Action: Create}, {Action: CreateThenDelete}, {Action: DeleteThenCreate}, {Action: Delete}}},
			"Plan: 1 to create, 0 to update, 2 to replace, 1 to delete."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.p.Summary()); diff != "" {
				t.Error(diff)
			}
			out := render(t, &tt.p, TextOptions{})
			if !strings.HasSuffix(out, tt.want+"\n") {
				t.Errorf("text does not end with the summary:\n%s", out)
			}
		})
	}
}

func TestRenderTextDiff(t *testing.T) {
	p := &Plan{Changes: []Change{{Key: "training", Site: "CHI@UC", Action: Update, LeaseID: "L1", Fields: []FieldChange{
		{Path: "reservations.gpus.resource_properties",
			Old: `["and", ["==", "$node_type", "gpu_rtx_6000"], ["==", "$architecture.platform_type", "x86_64"]]`,
			New: `["and", ["==", "$node_type", "gpu_a100"], ["==", "$architecture.platform_type", "x86_64"]]`},
		{Path: "end", Old: "2026-12-01 16:03", New: "2026-12-02 16:03"},
	}}}}
	out := render(t, p, TextOptions{Diff: true})
	want := `      ~ reservations.gpus.resource_properties:
            ["and",
          -   ["==", "$node_type", "gpu_rtx_6000"],
          +   ["==", "$node_type", "gpu_a100"],
              ["==", "$architecture.platform_type", "x86_64"]
            ]
      ~ end:
          - "2026-12-01 16:03"
          + "2026-12-02 16:03"
`
	if !strings.Contains(out, want) {
		t.Errorf("diff rendering:\n%s\nwant it to contain:\n%s", out, want)
	}
}

func manyChanges(n int) *Plan {
	p := &Plan{FormatVersion: FormatVersion}
	for i := 0; i < n; i++ {
		site := []string{"CHI@Edge", "CHI@TACC", "CHI@UC"}[i%3]
		p.Changes = append(p.Changes, Change{
			Key: fmt.Sprintf("lease-%04d", i), Site: site, Action: Update, Name: fmt.Sprintf("experiment-%04d", i), LeaseID: fmt.Sprintf("id-%04d", i),
			Reasons: []string{"end follows duration 6h from the lease's start 2026-12-01 10:03"},
			Fields: []FieldChange{{Path: "end", Old: "2026-12-02 16:03", New: "2026-12-01 16:03"},
				{Path: "reservations.gpus.resource_properties", Old: `["==", "$node_type", "gpu_rtx_6000"]`, New: `["==", "$node_type", "gpu_a100"]`}},
		})
	}
	for i := 0; i < n/10; i++ {
		p.Drift = append(p.Drift, Drift{Key: fmt.Sprintf("lease-%04d", i), Site: "CHI@UC", Kind: DriftEnd, Detail: "end changed from 2026-12-01 16:03 to 2026-12-02 16:03"})
	}
	return p
}

func TestRenderMarkdownLimit(t *testing.T) {
	tests := []struct {
		name         string
		changes      int
		limit        int
		wantNote     string // a note that must appear ("" for none)
		wantAllRows  bool
		wantAllDetai bool
	}{
		{"small fits whole", 5, MarkdownLimit, "", true, true},
		{"300 changes cut details first", 300, MarkdownLimit, "_Details of ", true, false},
		{"2000 changes cut rows too", 2000, MarkdownLimit, "more changes omitted from the tables", false, false},
		{"tiny limit", 2000, 8000, "more changes omitted from the tables", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := manyChanges(tt.changes)
			out := markdown(p, tt.limit)
			if len(out) > tt.limit {
				t.Fatalf("markdown is %d characters, limit %d", len(out), tt.limit)
			}
			if !strings.HasPrefix(out, "### Plan: 0 to create, "+fmt.Sprint(tt.changes)+" to update") {
				t.Errorf("heading is not the summary: %.80q", out)
			}
			rows := strings.Count(out, "| `~` |")
			details := strings.Count(out, "<details>")
			if got := rows == tt.changes; got != tt.wantAllRows {
				t.Errorf("rows: %d of %d", rows, tt.changes)
			}
			if got := details == tt.changes; got != tt.wantAllDetai {
				t.Errorf("details: %d of %d", details, tt.changes)
			}
			if tt.wantNote == "" {
				if strings.Contains(out, "omitted") {
					t.Errorf("unexpected omission note:\n%s", out)
				}
				return
			}
			// Cutting stops as soon as it fits: the comment stays nearly full.
			if len(out) < tt.limit*9/10 {
				t.Errorf("cut too much: %d characters of %d", len(out), tt.limit)
			}
			if !strings.Contains(out, tt.wantNote) {
				t.Errorf("no note %q in the output's end:\n%s", tt.wantNote, out[len(out)-500:])
			}
			// The note counts exactly what is missing.
			if !tt.wantAllDetai {
				want := fmt.Sprintf("_Details of %d changes omitted", tt.changes-details)
				if !strings.Contains(out, want) {
					t.Errorf("note should say %q", want)
				}
			}
			if !tt.wantAllRows {
				want := fmt.Sprintf("_%d more changes omitted from the tables", tt.changes-rows)
				if !strings.Contains(out, want) {
					t.Errorf("note should say %q", want)
				}
			}
		})
	}
}

func TestRenderMarkdownTables(t *testing.T) {
	var b bytes.Buffer
	if err := RenderMarkdown(&b, samplePlan()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"### Plan: 1 to create, 1 to update, 1 to replace, 1 to delete.",
		"#### CHI@UC\n\n| | lease | action | reason |\n|---|---|---|---|\n",
		"| `-/+` | `vlan` | **replace (destroys running instances)** | forced by reservations.gpus |",
		"#### Changed outside leasefile\n\n- `training` (CHI@UC): end changed",
		"<details><summary><code>vlan</code>: lease.vlan must be replaced</summary>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "`same`") {
		t.Errorf("no-op lease in the markdown:\n%s", out)
	}
}

func TestReadWrite(t *testing.T) {
	p := samplePlan()
	p.Observed = []Observed{} // RenderJSON writes an empty list, never null
	p.Changes[0].Create = &CreateSpec{Name: "ip", Reservations: []ReservationSpec{{Key: "ip", Type: "floating_ip",
		Body: spec.ReservationBody{ResourceType: "virtual:floatingip", Amount: ref(2), RequiredFloatingIPs: []string{}}, FloatingNetwork: "public"}}}
	var b bytes.Buffer
	if err := Write(&b, p); err != nil {
		t.Fatal(err)
	}
	got, err := Read(&b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got, savedPart); diff != "" {
		t.Errorf("round trip (-wrote +read):\n%s", diff)
	}

	tests := []struct {
		name, in     string
		newer, older bool
	}{
		{"newer", `{"format_version": 3, "changes": []}`, true, false},
		// Version 1 wrote counts and times as display strings: refused, never misread.
		{"older", `{"format_version": 1, "changes": [{"key": "a", "fields": [{"path": "reservations.n.count", "new": "2"}]}]}`, false, true},
		{"not a plan", `{"changes": []}`, false, false},
		{"garbage", `{`, false, false},
		{"deep body", `{"format_version": 2, "changes": [{"key": "a", "action": "create", "create": {"reservations": [{"key": "n", "body": {"x": ` +
			strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}}]}}]}`, false, false},
		{"two documents", `{"format_version": 2, "changes": []}` + "\n" + `{"format_version": 2, "changes": [{"key": "a", "action": "delete", "lease_id": "x"}]}`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.in))
			if err == nil {
				t.Fatal("Read accepted it")
			}
			if got := errors.Is(err, ErrNewerFormat); got != tt.newer {
				t.Errorf("errors.Is(ErrNewerFormat) = %v for %v", got, err)
			}
			if got := errors.Is(err, ErrOlderFormat); got != tt.older {
				t.Errorf("errors.Is(ErrOlderFormat) = %v for %v", got, err)
			}
		})
	}
}

// writeField pads as fmt's %-*s does: by runes, never cutting a longer path.
func TestWriteFieldIsFprintf(t *testing.T) {
	for _, path := range []string{"", "id", "reservations.gpus.resource_properties", "reservations.gpüs.count", strings.Repeat("p", 80)} {
		for _, width := range []int{0, 2, 10, 37, 40, 100} {
			var got, want strings.Builder
			writeField(&got, "+", width, path, `"x" # forces replacement`)
			fmt.Fprintf(&want, "      %s %-*s = %s%s\n", "+", width, path, `"x"`, " # forces replacement")
			if got.String() != want.String() {
				t.Errorf("path %q width %d: %q, fmt writes %q", path, width, got.String(), want.String())
			}
		}
	}
}

// quote leaves unquoted exactly what strconv.Atoi reads.
func TestQuoteAsksAtoiOnlyAboutDecimals(t *testing.T) {
	slow := func(s string) string {
		if _, err := strconv.Atoi(s); err == nil {
			return s
		}
		if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
			return s
		}
		return strconv.Quote(s)
	}
	for _, s := range []string{"", "0", "7", "-3", "+5", "+", "-", "--1", "1_000", "0x10", "1e3", " 1", "1 ", "2027-01-04 08:00", "12a",
		"99999999999999999999", "-9223372036854775808", "9223372036854775807", "9223372036854775808", "١٢", "[1]", "CHI@UC", `a"b`} {
		if got, want := quote(s), slow(s); got != want {
			t.Errorf("quote(%q) = %s, want %s", s, got, want)
		}
	}
}
