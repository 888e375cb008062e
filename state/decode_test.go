package state

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"
)

// checkDecodeFast fails t when decodeFast takes data and decodes it otherwise than
// encoding/json (decodeJSON); it reports whether decodeFast took it.
func checkDecodeFast(t *testing.T, name string, data []byte) bool {
	t.Helper()
	got, ok := decodeFast(string(data))
	if off := tooDeep(data, fastDepth); ok && off >= 0 {
		t.Errorf("%s: decodeFast took a state nested deeper than %d (at byte %d)", name, fastDepth, off)
	}
	if !ok || got.FormatVersion < 1 || got.FormatVersion > FormatVersion {
		return false // decodeContent decodes it with encoding/json
	}
	want, err := decodeJSON(data)
	if err != nil {
		t.Errorf("%s: decodeFast took a state encoding/json refuses: %v\n%s", name, err, data)
		return true
	}
	if diff := cmp.Diff(want, got, ignoreBaseline); diff != "" {
		t.Errorf("%s (-encoding/json +decodeFast):\n%s\n%s", name, diff, data)
	}
	return true
}

// TestDecodeFastAgreesWithEncodingJSON: the one-pass decoder decodes what encoding/json does,
// and leaves to it what it cannot be sure to decode alike: the states of the golden plans and
// the shapes below, with whether the fast decoder should take each.
func TestDecodeFastAgreesWithEncodingJSON(t *testing.T) {
	const head = `{"format_version": 1, "lineage": "x", `
	lease := func(fields string) string { return head + `"leases": {"a": {"id": "l", ` + fields + `}}}` }
	tests := []struct {
		name string
		data string
		fast bool
	}{
		{"sample", sampleJSON, true},
		{"compact", head + `"serial": 7, "leasefile": "sub/Leasefile", "sites": {"CHI@UC": {"auth_url": "u", "project_id": "p", "user_id": "u1", "local": true}}}`, true},
		{"every field", lease(`"name": "n", "site": "s", "status": "ACTIVE", "start": "2026-05-01T05:00:00-05:00", "end": "2026-05-02T10:00:00.123456789Z", "updated_at": "2026-05-01 10:00:03", "reservations": {"r": {"id": "q", "resource_type": "network", "network_name": "net", "network_description": "", "resource_properties": "[\"==\", \"$stitch_provider\", \"fabric\"]", "before_end": "snapshot"}}, "created_at": "2026-04-30T09:00:00Z"`), true},
		{"intents", head + `"intents": [{"key": "b", "site": "s", "name": "b", "time": "2026-12-01T08:00:00Z", "id": "i", "unsent": false, "sent": "2026-12-01T08:00:01+01:00"}, {"key": "c", "name": "c", "time": "2026-12-01T08:00:00Z", "unsent": true}]}`, true},
		{"empty containers", head + `"sites": {}, "leases": {"a": {"id": "l", "reservations": {}}}, "intents": []}`, true},
		{"white space", "\t{\r\n\"format_version\"\t:\n1 ,\"lineage\" :\"x\" , \"serial\":-0}\n\n", true},
		{"escapes", lease(`"name": "a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00"`), true},
		{"one-letter escapes", lease(`"name": "a\"b\\c\/d\b\f\n\r\té", "reservations": {"r\t": {"id": "\"", "resource_properties": "[\"==\", \"$node_type\", \"compute\"]"}}`), true},
		{"escape and invalid UTF-8", lease("\"name\": \"\\n\xff\""), true},
		{"lone surrogate", lease(`"name": "\ud800x"`), true},
		{"UTF-8", lease(`"name": "é☃😀"`), true},
		{"invalid UTF-8", lease("\"name\": \"a\xffb\xc3\""), true},
		{"escaped key", head + `"le\u0061ses": {"\u0061": {"id": "l"}}}`, true},
		{"older format", `{"format_version": 0, "lineage": "x"}`, false},
		{"newer format", `{"format_version": 2, "lineage": "x", "leases": 3}`, false},
		{"no format", `{"lineage": "x"}`, false},
		{"no lineage", `{"format_version": 1}`, true},
		{"key in another case", lease(`"Name": "n"`), false},
		{"unknown key", head + `"extra": [1, {"a": null}], "serial": 2}`, false},
		{"repeated key", head + `"lineage": "y"}`, false},
		{"repeated lease", head + `"leases": {"a": {"id": "1"}, "a": {"name": "n"}}}`, false},
		{"repeated reservation", lease(`"reservations": {"r": {"id": "1"}, "r": {"resource_type": "t"}}`), false},
		{"repeated site", head + `"sites": {"s": {"auth_url": "1"}, "s": {"user_id": "u"}}}`, false},
		{"repeated lease field", lease(`"reservations": {"r": {"id": "1"}}, "reservations": {"q": {"id": "2"}}`), false},
		{"null lease", head + `"leases": {"a": null}}`, false},
		{"null field", head + `"leasefile": null}`, false},
		{"null time", lease(`"start": null`), false},
		{"float serial", head + `"serial": 1.0}`, false},
		{"exponent serial", head + `"serial": 1e3}`, false},
		{"leading zero", head + `"serial": 01}`, false},
		{"serial overflow", head + `"serial": 9223372036854775808}`, false},
		{"serial as string", head + `"serial": "1"}`, false},
		{"bad time", lease(`"start": "2026-13-01T00:00:00Z"`), false},
		{"time without zone", lease(`"start": "2026-05-01T00:00:00"`), false},
		{"time as number", lease(`"start": 1}`), false},
		{"bool as string", head + `"sites": {"s": {"local": "true"}}}`, false},
		{"control character", lease("\"name\": \"a\tb\""), false},
		{"data after", head + `"serial": 1} x`, false},
		{"second value", head + `"serial": 1}{}`, false},
		{"truncated", head + `"serial": 1`, false},
		{"truncated string", head + `"leasefile": "abc`, false},
		{"trailing comma", head + `"serial": 1,}`, false},
		{"not an object", `[1]`, false},
		{"empty", ``, false},
		{"byte order mark", "\ufeff" + sampleJSON, false},
	}
	for _, tt := range tests {
		if took := checkDecodeFast(t, tt.name, []byte(tt.data)); took != tt.fast {
			t.Errorf("%s: decodeFast took it: %v, want %v", tt.name, took, tt.fast)
		}
	}
	golden := goldenStates(t)
	for path, data := range golden {
		if !checkDecodeFast(t, path, data) && !strings.Contains(string(data), "null") {
			t.Errorf("%s: decodeFast does not take the golden plan's state", path)
		}
	}
	if len(golden) == 0 {
		t.Error("no golden plan state found")
	}
}

// goldenStates is the state.json of each golden plan case (../plan/testdata), by case file.
func goldenStates(tb testing.TB) map[string][]byte {
	tb.Helper()
	paths, _ := filepath.Glob("../plan/testdata/*.txtar")
	out := map[string][]byte{}
	for _, path := range paths {
		a, err := txtar.ParseFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		for _, file := range a.Files {
			if file.Name == "state.json" {
				out[path] = file.Data
			}
		}
	}
	return out
}

// tooDeepRef is tooDeep as first written, a byte at a time: what the one that jumps over
// strings must agree with.
func tooDeepRef(data []byte, max int) int {
	depth, inString, escaped := 0, false, false
	for i, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if depth++; depth > max {
				return i
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return -1
}

// checkTooDeep fails t when tooDeep and tooDeepRef place the first bracket too deep in data
// differently, at a few depths.
func checkTooDeep(t *testing.T, data []byte) {
	t.Helper()
	for _, max := range []int{0, 1, 2, 3, MaxJSONDepth} {
		if got, want := tooDeep(data, max), tooDeepRef(data, max); got != want {
			t.Errorf("tooDeep(%q, %d) = %d, want %d", data, max, got, want)
		}
	}
}

func TestTooDeepAgrees(t *testing.T) {
	for _, s := range []string{
		``, `[`, `"`, `"[`, `[[[`, `[]{}[`, `"\"[["`, `"\\"[[`, `"\\\"[["[`, `"\\\\"[[`,
		`["a\"b", ["c\\", [["d"]]]]`, `\"[[`, `"a\`, `"\\`, `[["\"`, `{"a": "x\\\\\"]]", "b": [[[]]]}`,
		sampleJSON, strings.Repeat(`[`, 40),
	} {
		checkTooDeep(t, []byte(s))
	}
}
