package spec

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func env(vars map[string]string) Options {
	return Options{LookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
}

// lease wraps the body of one lease (indented by four spaces) in a minimal Leasefile.
func lease(body string) string {
	return "version: 1\ndefaults:\n  site: CHI@UC\nleases:\n  exp:\n" + body
}

// parseErrs parses src and returns its errors as "LINE:COL: path: message" without the
// file name, or nil when it is valid.
func parseErrs(t *testing.T, src string, opts Options) []string {
	t.Helper()
	_, err := Parse("Leasefile", []byte(src), opts)
	if err == nil {
		return nil
	}
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error is %T, not ErrorList: %v", err, err)
	}
	var out []string
	for _, e := range list {
		if e.Pos.Line < 1 || e.Pos.Col < 1 {
			t.Errorf("error without a position: %v", e)
		}
		out = append(out, strings.TrimPrefix(e.Error(), "Leasefile:"))
	}
	return out
}

// TestRules has a valid and an invalid case for every semantic rule.
func TestRules(t *testing.T) {
	node := "    reservations:\n      n:\n        type: node\n"
	cases := []struct {
		name string
		src  string
		env  map[string]string
		want []string // substrings, one per expected error, in order; nil = valid
	}{
		{"key syntax ok", lease(node), nil, nil},
		{"lease key syntax", strings.Replace(lease(node), "  exp:", "  Exp:", 1), nil,
			[]string{`5:3: leases.Exp: invalid lease key "Exp"`}},
		{"reservation key syntax", strings.Replace(lease(node), "      n:", "      -n:", 1), nil,
			[]string{`7:7: leases.exp.reservations.-n: invalid reservation key "-n"`}},
		{"end ok", lease("    end: 2030-01-01T00:00:00Z\n" + node), nil, nil},
		{"end and duration", lease("    end: 2030-01-01T00:00:00Z\n    duration: 1d\n" + node), nil,
			[]string{"7:5: leases.exp: set either end or duration, not both"}},
		{"end after start ok", lease("    start: \"2030-01-01 00:00\"\n    end: \"2030-01-02 00:00\"\n" + node), nil, nil},
		{"end before start", lease("    start: \"2030-01-02 00:00\"\n    end: \"2030-01-01 00:00\"\n" + node), nil,
			[]string{"7:10: leases.exp.end: must be after start (2030-01-02 00:00)"}},
		{"count ok", lease(node + "        count: 3\n"), nil, nil},
		{"count zero", lease(node + "        count: 0\n"), nil, []string{"9:16: leases.exp.reservations.n.count: must be at least 1"}},
		{"count 1e19", lease(node + "        count: 1e19\n"), nil, []string{"9:16: leases.exp.reservations.n.count: 1e+19 is out of range: at most 10000"}},
		{"count 1e30", lease(node + "        count: 1e30\n"), nil, []string{"9:16: leases.exp.reservations.n.count: 1e+30 is out of range: at most 10000"}},
		{"count 2^64", lease(node + "        count: 18446744073709551616\n"), nil, []string{"9:16: leases.exp.reservations.n.count: 18446744073709551616 is out of range: at most 10000"}},
		{"count 2^63", lease(node + "        count: 9223372036854775808\n"), nil, []string{"9:16: leases.exp.reservations.n.count: 9223372036854775808 is out of range: at most 10000"}},
		{"count -1e30", lease(node + "        count: -1e30\n"), nil, []string{"9:16: leases.exp.reservations.n.count: must be at least 1"}},
		{"count hex huge", lease(node + "        count: 0x10000000000000000\n"), nil, []string{`9:16: leases.exp.reservations.n.count: must be a whole number, not the text "0x10000000000000000"`}},
		{"count 10001", lease(node + "        count: 10001\n"), nil, []string{"9:16: leases.exp.reservations.n.count: 10001 is out of range: at most 10000"}},
		{"count 1e3 ok", lease(node + "        count: 1e3\n"), nil, nil},
		{"max 1e30", lease(node + "        min: 1\n        max: 1e30\n"), nil, []string{"10:14: leases.exp.reservations.n.max: 1e+30 is out of range: at most 10000"}},
		{"min 2^64", lease(node + "        min: 18446744073709551616\n        max: 2\n"), nil, []string{"9:14: leases.exp.reservations.n.min: 18446744073709551616 is out of range: at most 10000"}},
		{"floating ip count 1e19", lease("    reservations:\n      ip:\n        type: floating_ip\n        count: 1e19\n"), nil,
			[]string{"9:16: leases.exp.reservations.ip.count: 1e+19 is out of range: at most 10000"}},
		{"port 2^64", lease("    reservations:\n      v:\n        type: network\n        network_name: x\n        of_controller: {ip: 10.0.0.1, port: 18446744073709551616}\n"), nil,
			[]string{"10:45: leases.exp.reservations.v.of_controller.port: 18446744073709551616 is out of range: at most 65535"}},
		{"count via env 1e19", lease(node + "        count: ${N}\n"), map[string]string{"N": "1e19"}, []string{"9:16: leases.exp.reservations.n.count: 1e+19 is out of range: at most 10000"}},
		{"min max ok", lease(node + "        min: 1\n        max: 4\n"), nil, nil},
		{"max below min", lease(node + "        min: 3\n        max: 2\n"), nil, []string{"10:14: leases.exp.reservations.n.max: must be at least min (3)"}},
		{"min zero", lease(node + "        min: 0\n        max: 2\n"), nil, []string{"9:14: leases.exp.reservations.n.min: must be at least 1"}},
		{"min without max", lease(node + "        min: 1\n"), nil, []string{"9:14: leases.exp.reservations.n.min: min and max go together: add max"}},
		{"count and min", lease(node + "        count: 1\n        min: 1\n        max: 1\n"), nil,
			[]string{"9:16: leases.exp.reservations.n.count: set either count, or min and max, not both"}},
		{"device_name ok", lease("    reservations:\n      d:\n        type: device\n        device_name: pi-1\n"), nil, nil},
		{"device_name with count", lease("    reservations:\n      d:\n        type: device\n        count: 2\n        device_name: pi-1\n"), nil,
			[]string{"10:22: leases.exp.reservations.d.device_name: device_name names one device: count must be 1"}},
		{"node_name with count", lease(node + "        count: 2\n        node_name: c01\n"), nil,
			[]string{"10:20: leases.exp.reservations.n.node_name: node_name names one node: count must be 1"}},
		{"network ok", lease("    reservations:\n      v:\n        type: network\n        network_name: net\n"), nil, nil},
		{"network without name", lease("    reservations:\n      v:\n        type: network\n"), nil,
			[]string{`8:9: leases.exp.reservations.v: missing required field "network_name"`}},
		{"addresses ok", lease("    reservations:\n      ip:\n        type: floating_ip\n        count: 2\n        addresses: [192.0.2.1, \"2001:db8::1\"]\n"), nil, nil},
		{"address invalid", lease("    reservations:\n      ip:\n        type: floating_ip\n        addresses: [192.0.2.300]\n"), nil,
			[]string{`9:21: leases.exp.reservations.ip.addresses[0]: "192.0.2.300" is not an IP address`}},
		{"more addresses than count", lease("    reservations:\n      ip:\n        type: floating_ip\n        addresses: [192.0.2.1, 192.0.2.2]\n"), nil,
			[]string{"9:20: leases.exp.reservations.ip.addresses: 2 addresses listed but count is 1"}},
		{"query ok", lease(node + "        resource_properties: [\"and\", [\"==\", \"$a\", \"1\"], [\">=\", \"$b\", \"2\"]]\n"), nil, nil},
		{"query integer", lease(node + "        resource_properties: [\">\", \"$architecture.smt_size\", 40]\n"), nil,
			[]string{`9:62: leases.exp.reservations.n.resource_properties[2]: Blazar requires strings in resource queries: write [">", "$architecture.smt_size", "40"]`}},
		{"query operator", lease(node + "        resource_properties: [\"~\", \"$a\", \"1\"]\n"), nil,
			[]string{`9:31: leases.exp.reservations.n.resource_properties[0]: unknown operator "~"`}},
		{"query key without $", lease(node + "        resource_properties: [\"==\", \"node_type\", \"x\"]\n"), nil,
			[]string{`9:37: leases.exp.reservations.n.resource_properties[1]: property "node_type" must start with $`}},
		{"query and of non-list", lease(node + "        resource_properties: [\"and\", \"x\"]\n"), nil,
			[]string{`9:38: leases.exp.reservations.n.resource_properties[1]: each sub-query of "and" must be a list`}},
		{"query length", lease(node + "        resource_properties: [\"==\", \"$a\"]\n"), nil,
			[]string{`9:30: leases.exp.reservations.n.resource_properties: a query is [op, "$key", "value"]`}},
		{"name ok", lease("    name: " + strings.Repeat("n", 80) + "\n" + node), nil, nil},
		{"name too long", lease("    name: " + strings.Repeat("n", 81) + "\n" + node), nil,
			[]string{"6:11: leases.exp.name: lease name \"" + strings.Repeat("n", 81) + "\" is 81 characters long: Blazar stores at most 80"}},
		{"prefix makes name too long", "version: 1\nname_prefix: " + strings.Repeat("p", 78) + "\ndefaults: {site: CHI@UC}\nleases:\n  exp:\n" + node, nil,
			[]string{"5:3: leases.exp.name: lease name"}},
		{"env set", "version: 1\nname_prefix: ${U}-\n" + strings.TrimPrefix(lease(node), "version: 1\n"), map[string]string{"U": "ann"}, nil},
		{"env default", "version: 1\nname_prefix: ${U:-x}-\n" + strings.TrimPrefix(lease(node), "version: 1\n"), nil, nil},
		{"env unset", "version: 1\nname_prefix: ${U}-\n" + strings.TrimPrefix(lease(node), "version: 1\n"), nil,
			[]string{"2:14: name_prefix: environment variable U is not set"}},
		{"env secret by name", "version: 1\nname_prefix: \"${OS_APPLICATION_CREDENTIAL_SECRET}-\"\n" + strings.TrimPrefix(lease(node), "version: 1\n"),
			map[string]string{"OS_APPLICATION_CREDENTIAL_SECRET": "s3cr3t-value"},
			[]string{"2:14: name_prefix: ${OS_APPLICATION_CREDENTIAL_SECRET} names a credential: leasefile never expands secrets"}},
		{"env password", lease("    name: x${OS_PASSWORD}\n" + node), map[string]string{"OS_PASSWORD": "hunter22"},
			[]string{"6:11: leases.exp.name: ${OS_PASSWORD} names a credential"}},
		{"env token with default", lease("    name: ${OS_TOKEN:-x}\n" + node), nil,
			[]string{"6:11: leases.exp.name: ${OS_TOKEN} names a credential"}},
		{"env lower-case secret", lease("    name: ${github_token}\n" + node), map[string]string{"github_token": "ghp_abc"},
			[]string{"6:11: leases.exp.name: ${github_token} names a credential"}},
		{"env key", lease("    name: ${AWS_SECRET_ACCESS_KEY}\n" + node), map[string]string{"AWS_SECRET_ACCESS_KEY": "k"},
			[]string{"6:11: leases.exp.name: ${AWS_SECRET_ACCESS_KEY} names a credential"}},
		{"env credential id", lease("    name: ${OS_APPLICATION_CREDENTIAL_ID}\n" + node), map[string]string{"OS_APPLICATION_CREDENTIAL_ID": "abc"},
			[]string{"6:11: leases.exp.name: ${OS_APPLICATION_CREDENTIAL_ID} names a credential"}},
		{"env copy of a secret", lease("    name: ${ALIAS}\n" + node), map[string]string{"ALIAS": "hunter22-x", "OS_PASSWORD": "hunter22"},
			[]string{"6:11: leases.exp.name: ${ALIAS} holds the value of OS_PASSWORD"}},
		{"env not a secret", lease("    name: ${OS_AUTH_URL_HOST}-${KEYBOARD}\n" + node), map[string]string{"OS_AUTH_URL_HOST": "h", "KEYBOARD": "k"}, nil},
		{"unknown key with suggestion", lease(node + "        node_typo: x\n"), nil,
			[]string{`9:9: leases.exp.reservations.n.node_typo: unknown field "node_typo" (did you mean "node_type"?)`}},
		{"unknown key without suggestion", lease("    colour: red\n" + node), nil,
			[]string{`6:5: leases.exp.colour: unknown field "colour" (expected one of:`}},
		{"duplicate key", lease(node + "        count: 1\n        count: 2\n"), nil,
			[]string{`10:9: leases.exp.reservations.n.count: duplicate key "count" (first defined at line 9, column 9)`}},
		{"no site", "version: 1\nleases:\n  exp:\n" + node, nil, []string{"3:3: leases.exp: no site"}},
		{"time seconds", lease("    start: 2030-01-01T09:00:30Z\n" + node), nil,
			[]string{"6:12: leases.exp.start: time \"2030-01-01T09:00:30Z\" has seconds: Blazar works to the minute"}},
		{"time garbage", lease("    start: tomorrow\n" + node), nil, []string{"6:12: leases.exp.start: invalid time \"tomorrow\""}},
		{"duration seconds", lease("    duration: 30s\n" + node), nil, []string{"6:15: leases.exp.duration: invalid duration \"30s\": Blazar works to the minute"}},
		{"duration ok", lease("    duration: 1d12h\n" + node), nil, nil},
		{"duplicate names", "version: 1\ndefaults: {site: CHI@UC}\nleases:\n  a:\n    name: same\n" + node + "  b:\n    name: same\n" + node, nil,
			[]string{`9:3: leases.b: lease name "same" is also the name of leases.a on CHI@UC`}},
		{"duplicate name after names in increasing order", "version: 1\ndefaults: {site: CHI@UC}\nleases:\n  a:\n    name: n1\n" + node + "  b:\n    name: n2\n" + node +
			"  c:\n    name: n1\n" + node + "  d:\n    name: n1\n    site: CHI@TACC\n" + node + "  e:\n    name: n2\n" + node, nil,
			[]string{`14:3: leases.c: lease name "n1" is also the name of leases.a on CHI@UC`, `25:3: leases.e: lease name "n2" is also the name of leases.b on CHI@UC`}},
		{"number where a string is wanted", lease("    name: 2026\n" + node), nil, nil},
		{"wrong version", strings.Replace(lease(node), "version: 1", "version: 2", 1), nil,
			[]string{"1:10: version: unsupported Leasefile version"}},
		{"type mismatch", lease(node + "        count: many\n"), nil,
			[]string{`9:16: leases.exp.reservations.n.count: must be a whole number, not the text "many"`}},
		{"bad reservation type", lease("    reservations:\n      x:\n        type: vm\n"), nil,
			[]string{`8:15: leases.exp.reservations.x.type: value must be one of`}},
		{"lease key with a space", strings.Replace(lease(node), "  exp:", "  my exp:", 1), nil,
			[]string{`5:3: leases.my exp: invalid lease key "my exp"`}},
		{"reservation key with percent", strings.Replace(lease(node), "      n:", "      \"x%y\":", 1), nil,
			[]string{`7:7: leases.exp.reservations.x%y: invalid reservation key "x%y"`}},
		{"lease key with a control character", strings.Replace(lease(node), "  exp:", "  \"e\\x1b[2Jx\":", 1), nil,
			[]string{`5:3: leases.e\x1b[2Jx: invalid lease key "e\x1b[2Jx"`}},
		{"second document", lease(node) + "---\nversion: 2\n", nil, []string{"10:1: a second YAML document (after ---)"}},
		{"empty second document", lease(node) + "---\n", nil, nil},
		{"yaml syntax", "version: 1\nleases: [\n", nil, []string{"2:1: invalid YAML"}},
		{"not utf-8", "version: 1\nleases:\n  x:\n    name: \"caf\xc3\x28\"\n", nil, []string{"4:15: invalid UTF-8"}},
		{"empty file", "", nil, []string{"1:1: the file is empty"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := parseErrs(t, tc.src, env(tc.env))
			if len(got) != len(tc.want) {
				t.Fatalf("got %d errors, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("error %d:\n got: %s\nwant: %s...", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestParseModel(t *testing.T) {
	src := `version: 1
name_prefix: ${U}-
defaults:
  site: CHI@UC
  duration: 2d
sites:
  CHI@UC: {cloud: uc, region: CHI@UC}
leases:
  b:
    site: CHI@Edge
    start: 2030-01-01T10:00:00+02:00
    end: "2030-01-01 12:00"
    reservations:
      d: {type: device, min: 1, max: 3, machine_name: raspberrypi4-64}
  a:
    before_end: snapshot
    reservations:
      n:
        type: node
        count: ${N}
        node_type: compute_skylake
`
	f, err := Parse("Leasefile", []byte(src), env(map[string]string{"U": "ann", "N": "2"}))
	if err != nil {
		t.Fatal(err)
	}
	a, b := f.Lease("a"), f.Lease("b")
	if a == nil || b == nil || f.Lease("c") != nil {
		t.Fatalf("lookup by key broken: %v %v", a, b)
	}
	got := []any{f.Sites, f.SiteNames(), a.Name, a.Site, a.Start, a.Duration, a.Wait, a.BeforeEnd,
		a.Reservations[0].Min, b.Start.At, b.End, b.Duration, b.Wait, b.Reservations[0].Max}
	want := []any{map[string]SiteConfig{"CHI@UC": {Cloud: "uc", Region: "CHI@UC"}}, []string{"CHI@Edge", "CHI@UC"},
		"ann-a", "CHI@UC", Time{Now: true}, 48 * time.Hour, "active", "snapshot",
		2, time.Date(2030, 1, 1, 8, 0, 0, 0, time.UTC), time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC),
		time.Duration(0), "created", 3}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("model (-want +got):\n%s", diff)
	}
}

func TestTimes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // "" for now, "error" for an error
	}{
		{"now", ""},
		{"2026-12-01T09:00:00Z", "2026-12-01 09:00"},
		{"2026-12-01T09:00:00-05:00", "2026-12-01 14:00"},
		{"2026-12-01 09:00", "2026-12-01 09:00"},
		{"2026-12-01 09:00:00", "2026-12-01 09:00"},
		{"2026-12-01 09:00:01", "error"},
		{"2026-12-01T09:00:00.5Z", "error"},
		{"2026-12-01", "error"},
		{"", "error"},
	} {
		got, err := ParseTime(tc.in)
		switch {
		case tc.want == "error":
			if err == nil {
				t.Errorf("ParseTime(%q) = %v, want an error", tc.in, got)
			}
		case err != nil:
			t.Errorf("ParseTime(%q): %v", tc.in, err)
		case tc.want == "" && !got.Now, tc.want != "" && got.String() != tc.want:
			t.Errorf("ParseTime(%q) = %v, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"1d", 24 * time.Hour}, {"6h", 6 * time.Hour}, {"90m", 90 * time.Minute}, {"1d12h", 36 * time.Hour},
		{"2d3h4m", 51*time.Hour + 4*time.Minute}, {"0m", -1}, {"1h1d", -1}, {"5", -1}, {"10s", -1}, {"", -1},
	} {
		got, err := ParseDuration(tc.in)
		if tc.want < 0 {
			if err == nil {
				t.Errorf("ParseDuration(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if back, _ := ParseDuration(FormatDuration(got)); back != got {
			t.Errorf("FormatDuration(%v) = %q does not parse back", got, FormatDuration(got))
		}
	}
}

func TestExamplesValidate(t *testing.T) {
	paths, err := filepath.Glob("../examples/*.yaml")
	if err != nil || len(paths) < 5 {
		t.Fatalf("examples: %v %v", paths, err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(data), "# yaml-language-server: $schema=") {
			t.Errorf("%s does not reference the schema for editors", p)
		}
		if _, err := Parse(p, data, env(map[string]string{"USER": "ci"})); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

func TestManyMistakesOneRun(t *testing.T) {
	src := `version: 1
defaults:
  site: CHI@UC
  duraton: 1d
leases:
  Training:
    reservations:
      n: {type: node}
  exp:
    start: "2026-12-01 09:00:30"
    reservations:
      gpus:
        type: node
        count: 0
        resource_properties: ["==", "$smt", 48]
      net:
        type: network
`
	got := parseErrs(t, src, env(nil))
	want := []string{
		`4:3: defaults.duraton: unknown field "duraton" (did you mean "duration"?)`,
		`6:3: leases.Training: invalid lease key "Training": use lower-case letters, digits, '-' and '_', starting with a letter or digit`,
		`10:12: leases.exp.start: time "2026-12-01 09:00:30" has seconds: Blazar works to the minute, use 2026-12-01 09:00`,
		`14:16: leases.exp.reservations.gpus.count: must be at least 1`,
		`15:45: leases.exp.reservations.gpus.resource_properties[2]: Blazar requires strings in resource queries: write ["==", "$smt", "48"]`,
		`17:9: leases.exp.reservations.net: missing required field "network_name"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

// TestManyLeasesValidatedInHalves: a large Leasefile is schema-checked as two halves at once;
// every lease's mistakes are still found, and a top-level one is reported once, not twice.
func TestManyLeasesValidatedInHalves(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\ncolour: red\ndefaults: {site: CHI@UC}\nleases:\n")
	for i := range 2 * parallelLeases {
		switch i {
		case 7:
			fmt.Fprintf(&b, "  l%03d: {reservations: {n: {type: node, node_typo: x}}}\n", i)
		case 200:
			fmt.Fprintf(&b, "  l%03d: {reservations: {n: {type: node, count: many}}}\n", i)
		default:
			fmt.Fprintf(&b, "  l%03d: {reservations: {n: {type: node}}}\n", i)
		}
	}
	got := parseErrs(t, b.String(), env(nil))
	want := []string{
		`2:1: colour: unknown field "colour"`,
		`12:41: leases.l007.reservations.n.node_typo: unknown field "node_typo" (did you mean "node_type"?)`,
		`205:48: leases.l200.reservations.n.count: must be a whole number, not the text "many"`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("error %d:\n got: %s\nwant: %s...", i, got[i], want[i])
		}
	}
}

// TestCollect: problems found after parsing are one sorted ErrorList, with other errors
// joined after it.
func TestCollect(t *testing.T) {
	a := &Error{File: "L", Pos: Pos{Line: 9, Col: 3}, Path: "leases.a.start", Msg: "past"}
	b := &Error{File: "L", Pos: Pos{Line: 2, Col: 1}, Path: "defaults.site", Msg: "no credentials"}
	other := errors.New("list leases: 503")
	if err := Collect(nil, nil); err != nil {
		t.Errorf("nothing: %v", err)
	}
	got := Collect(errors.Join(a, other), b)
	var list ErrorList
	if !errors.As(got, &list) || len(list) != 2 || list[0] != b || list[1] != a || !errors.Is(got, other) {
		t.Errorf("Collect = %v, want [b a] joined with the other error", got)
	}
}

// TestSecretNeverInErrors: refusing a credential variable names it, never its value, wherever
// the value would have gone.
func TestSecretNeverInErrors(t *testing.T) {
	const secret = "s3cr3t-application-credential"
	vars := map[string]string{"OS_APPLICATION_CREDENTIAL_SECRET": secret, "COPY": secret, "OS_PASSWORD": secret}
	for _, src := range []string{
		"version: 1\nname_prefix: ${OS_APPLICATION_CREDENTIAL_SECRET}-\nleases: {a: {site: CHI@UC, reservations: {n: {type: node}}}}\n",
		"version: 1\nleases: {a: {site: CHI@UC, name: \"${COPY}\", reservations: {n: {type: node}}}}\n",
		"version: 1\nleases: {a: {site: CHI@UC, reservations: {n: {type: node, node_type: \"${OS_PASSWORD}\", count: ${COPY}}}}}\n",
	} {
		_, err := Parse("Leasefile", []byte(src), env(vars))
		if err == nil {
			t.Fatalf("a Leasefile expanding a secret parsed:\n%s", src)
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
}

// TestHugeValuesQuotedShort: a message quotes at most a short prefix of a huge value.
func TestHugeValuesQuotedShort(t *testing.T) {
	huge := strings.Repeat("x", 100000)
	node := "    reservations:\n      n:\n        type: node\n"
	for _, src := range []string{
		lease("    start: " + huge + "\n" + node),
		lease("    duration: " + huge + "\n" + node),
		lease("    name: " + huge + "\n" + node),
		lease(node + "        count: " + huge + "\n"),
		lease(node + "        resource_properties: [\"" + huge + "\", \"$a\", \"b\"]\n"),
		lease(node + "        resource_properties: [\"==\", \"" + huge + "\", \"b\"]\n"),
		lease(node + "        count: " + strings.Repeat("1", 5000) + "\n"),
		lease("    reservations:\n      ip: {type: floating_ip, addresses: [\"" + huge + "\"]}\n"),
		lease(node + "        node_type: \"${" + huge + "}\"\n"),
		strings.Replace(lease(node), "  exp:", "  E"+strings.Repeat("x", 200)+":", 1),
	} {
		got := parseErrs(t, src, env(nil))
		if len(got) == 0 {
			t.Errorf("no error for a huge value in:\n%.300s", src)
		}
		for _, e := range got {
			if len(e) > 400 {
				t.Errorf("error of %d bytes: %.300s...", len(e), e)
			}
		}
	}
}

// randomText joins fewer than n pieces drawn from pieces, for tests that hold a shortcut to
// what it stands for on many small inputs.
func randomText(r *rand.Rand, pieces []string, n int) string {
	var b strings.Builder
	for k := r.Intn(n); k > 0; k-- {
		b.WriteString(pieces[r.Intn(len(pieces))])
	}
	return b.String()
}

// TestDurationParts holds durationParts to the regexp it stands for.
func TestDurationParts(t *testing.T) {
	re := regexp.MustCompile(`^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$`)
	alphabet := []string{"0", "1", "9", "12", "d", "h", "m", "s", " ", "x", "-", "٣", "D"}
	r := rand.New(rand.NewSource(1))
	for range 50000 {
		s := randomText(r, alphabet, 7)
		var got []string
		if m, ok := durationParts(s); ok {
			got = m[:]
		}
		if d := cmp.Diff(re.FindStringSubmatch(s), got); d != "" {
			t.Fatalf("%q: (-regexp +durationParts)\n%s", s, d)
		}
	}
}

// Loc places each field where the lease or defaults writes it, with the dotted path errors
// show, and says when neither does.
func TestLeaseLoc(t *testing.T) {
	src := `version: 1
defaults:
  site: CHI@UC
  duration: 2h
leases:
  a:
    start: "2030-01-01 08:00"
    name: x
    reservations:
      n: {type: node}
  "7":
    site: CHI@TACC
    prevent_destroy: true
    end: "2030-01-01 10:00"
    reservations:
      n: {type: node}
`
	f, err := Parse("Leasefile", []byte(src), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, key := range []string{"a", "7"} {
		l := f.Lease(key)
		for _, field := range append(locFields[:], "wait", "") {
			if loc, ok := l.Loc(field); ok {
				got = append(got, fmt.Sprintf("%s %s %d:%d %s", key, field, loc.Pos.Line, loc.Pos.Col, loc.Path))
			} else {
				got = append(got, fmt.Sprintf("%s %s none", key, field))
			}
		}
	}
	want := []string{
		"a site 3:9 defaults.site", "a start 7:12 leases.a.start", "a end none", "a duration 4:13 defaults.duration",
		"a prevent_destroy none", "a name 8:11 leases.a.name", "a wait none", "a  none",
		"7 site 12:11 leases[7].site", "7 start none", "7 end 14:10 leases[7].end", "7 duration 4:13 defaults.duration",
		"7 prevent_destroy 13:22 leases[7].prevent_destroy", "7 name none", "7 wait none", "7  none",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Loc (-want +got):\n%s", diff)
	}
}

// TestPlainNumberAsString holds a plain scalar the schema wants as a string to its text as
// written, not its digits: a number written otherwise than its digits keeps its text aside.
func TestPlainNumberAsString(t *testing.T) {
	node := "    reservations:\n      n:\n        type: node\n"
	for _, text := range []string{"2026", "0x1F", "1e3", "0o17", "99999999999999999999999", "true", "No"} {
		f, err := Parse("Leasefile", []byte(lease("    name: "+text+"\n"+node+"        node_type: "+text+"\n")), Options{})
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		l := f.Lease("exp")
		if l.Name != text || l.Reservations[0].NodeType != text {
			t.Errorf("%s: name %q, node_type %q, want the text as written", text, l.Name, l.Reservations[0].NodeType)
		}
	}
}
