package spec

import (
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBodies compares compiled reservations with the request bodies python-chi and the
// openstack CLI send, as blazar-api.md records them.
func TestBodies(t *testing.T) {
	cases := []struct {
		name string
		res  string // one reservation, indented for "      r:\n"
		be   string // lease-level before_end line, or ""
		want string // JSON
	}{
		{"node by type", "type: node\ncount: 2\nnode_type: compute_skylake",
			"", `{"resource_type": "physical:host", "resource_properties": "[\"==\", \"$node_type\", \"compute_skylake\"]", "hypervisor_properties": "", "min": 2, "max": 2}`},
		{"node unconstrained", "type: node", "",
			`{"resource_type": "physical:host", "resource_properties": "[]", "hypervisor_properties": "", "min": 1, "max": 1}`},
		{"node range, architecture and raw query", "type: node\nmin: 1\nmax: 4\narchitecture: x86_64\nresource_properties: [\">=\", \"$architecture.smt_size\", \"40\"]", "before_end: email",
			`{"resource_type": "physical:host", "resource_properties": "[\"and\", [\">=\", \"$architecture.smt_size\", \"40\"], [\"==\", \"$architecture.platform_type\", \"x86_64\"]]", "hypervisor_properties": "", "min": 1, "max": 4, "before_end": "email"}`},
		{"node with raw and", "type: node\nnode_type: gpu_rtx_6000\nresource_properties: [and, [\"==\", \"$a\", \"1\"], [\"==\", \"$b\", \"2\"]]", "",
			`{"resource_type": "physical:host", "resource_properties": "[\"and\", [\"==\", \"$a\", \"1\"], [\"==\", \"$b\", \"2\"], [\"==\", \"$node_type\", \"gpu_rtx_6000\"]]", "hypervisor_properties": "", "min": 1, "max": 1}`},
		{"node by name", "type: node\nnode_name: c01", "",
			`{"resource_type": "physical:host", "resource_properties": "[\"==\", \"$node_name\", \"c01\"]", "hypervisor_properties": "", "min": 1, "max": 1}`},
		{"device by machine", "type: device\nmachine_name: raspberrypi4-64", "",
			`{"resource_type": "device", "min": 1, "max": 1, "resource_properties": "[\"==\", \"$machine_name\", \"raspberrypi4-64\"]"}`},
		{"device by name and model", "type: device\ndevice_name: pi-7\ndevice_model: rpi4", "",
			`{"resource_type": "device", "min": 1, "max": 1, "resource_properties": "[\"and\", [\"==\", \"$name\", \"pi-7\"], [\"==\", \"$model\", \"rpi4\"]]"}`},
		{"network defaults", "type: network\nnetwork_name: exp-net", "",
			`{"resource_type": "network", "network_name": "exp-net", "network_description": "", "resource_properties": "[\"==\", \"$physical_network\", \"physnet1\"]", "network_properties": ""}`},
		{"network with controller", "type: network\nnetwork_name: sdn\nphysical_network: exogeni\nstitch_provider: fabric\nof_controller: {ip: 192.0.2.9, port: 6653}\nvswitch_name: br0", "",
			`{"resource_type": "network", "network_name": "sdn", "network_description": "OFController=192.0.2.9:6653,VSwitchName=br0", "resource_properties": "[\"and\", [\"==\", \"$physical_network\", \"exogeni\"], [\"==\", \"$stitch_provider\", \"fabric\"]]", "network_properties": ""}`},
		{"floating ip", "type: floating_ip\ncount: 2", "",
			`{"resource_type": "virtual:floatingip", "amount": 2, "required_floatingips": []}`},
		{"flavor", "type: flavor\nflavor: m1.small\ncount: 2", "before_end: snapshot",
			`{"resource_type": "flavor:instance", "amount": 2}`},
		{"floating ip addresses", "type: floating_ip\naddresses: [192.0.2.10]", "before_end: snapshot",
			`{"resource_type": "virtual:floatingip", "amount": 1, "required_floatingips": ["192.0.2.10"]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := "version: 1\ndefaults: {site: CHI@UC}\nleases:\n  exp:\n"
			if tc.be != "" {
				src += "    " + tc.be + "\n"
			}
			src += "    reservations:\n      r:\n        " + strings.ReplaceAll(tc.res, "\n", "\n        ") + "\n"
			f, err := Parse("Leasefile", []byte(src), env(nil))
			if err != nil {
				t.Fatalf("%v\n%s", err, src)
			}
			var want map[string]any
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			// Round-trip through JSON so ints compare with the decoded float64s.
			l := f.Leases[0]
			raw, _ := json.Marshal(l.Reservations[0].Body(l.BeforeEnd, l.BeforeEndSet))
			var got map[string]any
			_ = json.Unmarshal(raw, &got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestQueryEqual(t *testing.T) {
	a, _ := ParseQuery(`["and", ["==", "$a", "1"], ["=", "$b", "2"]]`)
	b, _ := ParseQuery(`["and", ["==", "$b", "2"], ["==", "$a", "1"]]`)
	c, _ := ParseQuery(`["==", "$a", "1"]`)
	empty1, _ := ParseQuery("")
	empty2, _ := ParseQuery("[]")
	if !a.Equal(b) || a.Equal(c) || !empty1.Equal(empty2) || c.Equal(empty1) {
		t.Errorf("Equal: a~b %v, a~c %v, ''~[] %v, c~'' %v", a.Equal(b), a.Equal(c), empty1.Equal(empty2), c.Equal(empty1))
	}
	if _, err := ParseQuery("[oops"); err == nil {
		t.Error("ParseQuery accepted malformed JSON")
	}
}

func FuzzParse(f *testing.F) {
	paths, _ := filepath.Glob("../examples/*.yaml")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("version: 1\nleases: {a: {reservations: {r: {type: node, count: ${X}}}}}\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if d := sameAsYAML(data); d != "" {
			t.Fatalf("fastYAML and yaml.v3 with convert differ: %s", d)
		}
		_, err := Parse("Leasefile", data, env(map[string]string{"USER": "fuzz"}))
		if err == nil {
			return
		}
		list, ok := err.(ErrorList)
		if !ok || len(list) == 0 {
			t.Fatalf("error is not a non-empty ErrorList: %T %v", err, err)
		}
		for _, e := range list {
			if e.Pos.Line < 1 || e.Pos.Col < 1 {
				t.Fatalf("error without a position: %v", e)
			}
		}
	})
}

// A plain string is written between quotes as it is: exactly what encoding/json writes of it,
// for every single byte and the characters it escapes.
func TestEncodeValueStringsAsJSON(t *testing.T) {
	cases := []string{"", "compute_skylake", "$node_type", "==", "a b", "<&>", "\x7f", `"`, `\`, "\u2028", "é", "\xff", "tab\there"}
	for c := range 256 {
		cases = append(cases, string(rune(c)), "x"+string([]byte{byte(c)})+"y")
	}
	for _, s := range cases {
		var fast, slow strings.Builder
		encodeValue(&fast, s)
		encodeJSON(&slow, s)
		if fast.String() != slow.String() {
			t.Errorf("%q: encodeValue %s, encoding/json %s", s, fast.String(), slow.String())
		}
	}
}

// EqualEncoded answers what decoding the string and comparing (ParseQuery, Equal) answers,
// for the query's own encoding, reordered and respelled ones, other queries and bad JSON.
func TestEqualEncodedIsParseAndEqual(t *testing.T) {
	parse := func(s string) Query {
		q, err := ParseQuery(s)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	queries := []Query{
		{}, nil, {"==", "$node_type", "compute_skylake"}, {"=", "$node_type", "compute_skylake"},
		{"and", []any{"==", "$a", "1"}, []any{"==", "$b", "2"}}, {"and", Query{"==", "$a", "1"}},
		{"==", "$name", "caf\u00e9"}, {"==", "$name", "a\"b"}, {"==", "$name", "a\\b"}, {"==", "$name", "<&>"},
		{"==", "$name", "\xff"}, {"==", "$name", "\ufffd"}, {"==", "$n", 1.0}, {"==", "$n", json.Number("1")}, {"and", "x"},
		parse(`["and", ["==", "$b", "2"], ["=", "$a", "1"]]`), parse(`["==", "$n", 1e21]`),
	}
	strs := []string{"", " ", "[]", " [] ", "[oops", `"x"`, `{}`, `["and"]`, `["and", "x"]`, `["==", "$n", 1]`, `["==", "$n", "1"]`,
		`["==", "$name", "caf\u00e9"]`, `["==", "$name", "\ufffd"]`, `["==","$node_type","compute_skylake"]`,
		`["and", ["==", "$b", "2"], ["==", "$a", "1"]]`, `["and", ["==", "$a", "1"]]`}
	for _, q := range queries {
		strs = append(strs, q.Encode(), " "+q.Encode())
	}
	for _, q := range queries {
		for _, s := range strs {
			have, err := ParseQuery(s)
			want := err == nil && q.Equal(have)
			if got := q.EqualEncoded(s); got != want {
				t.Errorf("%#v.EqualEncoded(%q) = %v, ParseQuery and Equal say %v", q, s, got, want)
			}
		}
	}
}

// TestParseQueryAsJSON holds ParseQuery's reading of simple arrays to json.Unmarshal's.
func TestParseQueryAsJSON(t *testing.T) {
	tokens := []string{"[", "]", ",", " ", "\n", `"=="`, `"$a"`, `"x y"`, `""`, `"a\"b"`, `"é"`, `"\u00e9"`, `"<&>"`, "1", "null", "true", `{"a": 1}`, `"`, "\t"}
	r := rand.New(rand.NewSource(1))
	for range 50000 {
		s := randomText(r, tokens, 9)
		got, err := ParseQuery(s)
		var want []any
		werr := json.Unmarshal([]byte(strings.TrimSpace(s)), &want)
		if strings.TrimSpace(s) == "" {
			want, werr = Query{}, nil
		}
		if (err != nil) != (werr != nil) || (err == nil && !cmp.Equal([]any(got), want)) {
			t.Fatalf("%q: ParseQuery %#v, %v; json.Unmarshal %#v, %v", s, got, err, want, werr)
		}
	}
}

// TestQueryEqualFastPath holds Equal's shortcut for identical queries to the canonical forms.
func TestQueryEqualFastPath(t *testing.T) {
	parts := []string{`["==", "$a", "1"]`, `["=", "$a", "1"]`, `["==", "$b", "2"]`, `["==", "$a", 1]`, `"and"`, `"or"`}
	r := rand.New(rand.NewSource(1))
	random := func() Query {
		var sb strings.Builder
		sb.WriteString("[")
		for k := r.Intn(4); k >= 0; k-- {
			sb.WriteString(parts[r.Intn(len(parts))])
			if k > 0 {
				sb.WriteString(", ")
			}
		}
		sb.WriteString("]")
		q, err := ParseQuery(sb.String())
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	for range 20000 {
		a, b := random(), random()
		if r.Intn(3) == 0 {
			b = a
		}
		if got, want := a.Equal(b), a.canonical() == b.canonical(); got != want {
			t.Fatalf("%v ~ %v: Equal %v, canonical forms equal %v", a, b, got, want)
		}
	}
}

// encodesAs(q, s) is q.Encode() == s for plain queries: random ones against their encoding
// and strings a byte off it (cut, changed, extended).
func TestEncodesAsIsEncode(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	words := []string{"", "==", "and", "$node_type", "compute_skylake", "a b", "[", "]", ", ", `x`}
	var gen func(depth int) []any
	gen = func(depth int) []any {
		out := []any{}
		for range r.Intn(4) {
			switch {
			case depth < 3 && r.Intn(4) == 0:
				out = append(out, gen(depth+1))
			case depth < 3 && r.Intn(8) == 0:
				out = append(out, Query(gen(depth+1)))
			default:
				out = append(out, words[r.Intn(len(words))])
			}
		}
		return out
	}
	for range 20000 {
		q := Query(gen(0))
		if !plainQuery(q) {
			continue
		}
		enc := q.Encode()
		strs := []string{enc, enc + " ", enc + "]", "", "[]", strings.Replace(enc, ", ", ",", 1)}
		if len(enc) > 0 {
			i := r.Intn(len(enc))
			strs = append(strs, enc[:i], enc[:i]+"x"+enc[i+1:], enc[:i]+enc[i+1:])
		}
		for _, s := range strs {
			if got, want := encodesAs(q, s), q.Encode() == s; got != want {
				t.Fatalf("encodesAs(%#v, %q) = %v, Encode gives %q", q, s, got, enc)
			}
		}
	}
}
