package spec

import (
	"encoding/json"
	"math/rand"
	"regexp"
	"strings"
	"testing"

	"github.com/chameleoncloud/leasefile/schema"
)

// Every document this package's tests parse is validated by both the verdict and the
// library, which must agree (validate panics otherwise).
func init() { testOnlyVerdictChecked = true }

func TestVerdictCompilesTheSchema(t *testing.T) {
	var doc any
	if err := json.Unmarshal(schema.JSON, &doc); err != nil {
		t.Fatal(err)
	}
	if _, err := compileVerdict(doc); err != nil {
		t.Fatalf("the embedded schema does not compile into a verdict, so every Leasefile goes to the slow library: %v", err)
	}
}

func TestVerdictRefusesUnknownKeywords(t *testing.T) {
	for _, src := range []string{
		`{"properties": {"a": {"format": "date-time"}}}`,
		`{"items": [{"type": "string"}]}`,
		`{"$ref": "https://example.com/x.json"}`,
		`{"$ref": "#/$defs/missing"}`,
	} {
		var doc any
		if err := json.Unmarshal([]byte(src), &doc); err != nil {
			t.Fatal(err)
		}
		if _, err := compileVerdict(doc); err == nil {
			t.Errorf("%s: compiled; want an error", src)
		}
	}
}

// TestVerdictKeywords holds each compiled keyword to draft-07 on small schemas.
func TestVerdictKeywords(t *testing.T) {
	cases := []struct {
		schema, value string
		want          bool
	}{
		{`{"type": "integer"}`, `3`, true},
		{`{"type": "integer"}`, `3.5`, false},
		{`{"type": "integer"}`, `3.0`, true},
		{`{"type": "integer"}`, `1e19`, true},
		{`{"type": "integer"}`, `"3"`, false},
		{`{"type": ["string", "null"]}`, `null`, true},
		{`{"type": "number", "minimum": 1, "maximum": 2}`, `2`, true},
		{`{"type": "number", "minimum": 1, "maximum": 2}`, `2.01`, false},
		{`{"type": "number", "minimum": 1}`, `0.5`, false},
		{`{"minimum": 1}`, `"not a number"`, true},
		{`{"minLength": 2}`, `"é"`, false},
		{`{"minLength": 2}`, `"éé"`, true},
		{`{"pattern": "^[a-z]+$"}`, `"abc"`, true},
		{`{"pattern": "^[a-z]+$"}`, `"aBc"`, false},
		{`{"pattern": "^[a-z]+$"}`, `7`, true},
		{`{"enum": ["a", 1, true, null]}`, `1`, true},
		{`{"enum": ["a", 1, true, null]}`, `"1"`, false},
		{`{"const": "x"}`, `"x"`, true},
		{`{"const": "x"}`, `"y"`, false},
		{`{"required": ["a"]}`, `{"b": 1}`, false},
		{`{"required": ["a"]}`, `[]`, true},
		{`{"minProperties": 1}`, `{}`, false},
		{`{"properties": {"a": {"type": "string"}}, "additionalProperties": false}`, `{"a": "x"}`, true},
		{`{"properties": {"a": {"type": "string"}}, "additionalProperties": false}`, `{"a": "x", "b": 1}`, false},
		{`{"properties": {"a": {"type": "string"}}}`, `{"a": 1}`, false},
		{`{"additionalProperties": {"type": "string"}}`, `{"a": "x", "b": 2}`, false},
		{`{"propertyNames": {"pattern": "^x"}}`, `{"xa": 1, "y": 2}`, false},
		{`{"items": {"type": "string"}}`, `["a", 2]`, false},
		{`{"items": {"type": "string"}}`, `["a", "b"]`, true},
		{`{"allOf": [{"type": "string"}, {"minLength": 3}]}`, `"ab"`, false},
		{`{"if": {"properties": {"t": {"const": "n"}}}, "then": {"required": ["c"]}}`, `{"t": "n"}`, false},
		{`{"if": {"properties": {"t": {"const": "n"}}}, "then": {"required": ["c"]}}`, `{"t": "d"}`, true},
		{`{"if": {"const": 1}, "then": true, "else": false}`, `2`, false},
		{`{"$defs": {"s": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/s"}}}`, `{"a": 1}`, false},
		{`{"$defs": {"s": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/s"}}}`, `{"a": "x"}`, true},
		{`{"properties": {"a": false}}`, `{"a": 1}`, false},
	}
	for _, c := range cases {
		var doc any
		if err := json.Unmarshal([]byte(c.schema), &doc); err != nil {
			t.Fatal(err)
		}
		n, err := compileVerdict(doc)
		if err != nil {
			t.Fatalf("%s: %v", c.schema, err)
		}
		d := json.NewDecoder(strings.NewReader(c.value))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
		if got := n.valid(valueOf(v)); got != c.want {
			t.Errorf("%s against %s: valid=%v, want %v", c.value, c.schema, got, c.want)
		}
	}
}

// valueOf is v, as encoding/json decodes it with UseNumber, as convert would make it.
func valueOf(v any) *value {
	switch v := v.(type) {
	case bool:
		return &value{kind: kBool, b: v}
	case string:
		return &value{kind: kString, s: v}
	case json.Number:
		return &value{kind: kNumber, s: string(v)}
	case []any:
		out := &value{kind: kList}
		for _, e := range v {
			out.fields = append(out.fields, field{val: valueOf(e)})
		}
		return out
	case map[string]any:
		out := &value{kind: kMap}
		for k, e := range v {
			out.add(field{key: k, val: valueOf(e)})
		}
		return out
	}
	return &value{kind: kNull}
}

// WithoutVerdictCheck (for the external benchmarks) turns off, until restore is called, the cross-check of every
// validation against the library, so that a benchmark measures what a user's run costs.
func WithoutVerdictCheck() (restore func()) {
	old := testOnlyVerdictChecked
	testOnlyVerdictChecked = false
	return func() { testOnlyVerdictChecked = old }
}

// TestClassPattern holds the key patterns' fast matcher to the regexp.
func TestClassPattern(t *testing.T) {
	patterns := []string{`^[a-z0-9][a-z0-9_-]*$`, `^[A-Z_][a-zA-Z0-9]*$`}
	for _, p := range patterns {
		if classPattern(p) == nil {
			t.Fatalf("%s: no fast matcher", p)
		}
	}
	for _, p := range []string{`^[^/]`, `^[a-z]+$`, `^[a-z][a-z]*`, `^[\w][a-z]*$`, `^[a-z][-a]*$`, `^[z-a][a]*$`} {
		if classPattern(p) != nil {
			t.Errorf("%s: a fast matcher for a pattern it does not know", p)
		}
	}
	alphabet := []string{"a", "z", "A", "Z", "0", "9", "_", "-", "/", ".", " ", "\n", "é", "\x00", "~", "`", "{", "@", "[", "^"}
	r := rand.New(rand.NewSource(1))
	for _, p := range patterns {
		re, fast := regexp.MustCompile(p), classPattern(p)
		for range 20000 {
			if s := randomText(r, alphabet, 6); fast(s) != re.MatchString(s) {
				t.Fatalf("%s on %q: fast %v, regexp %v", p, s, fast(s), re.MatchString(s))
			}
		}
	}
}

// validKey answers as valid does of the key as a string value, for every node of the
// Leasefile schema and of schemas of each keyword validKey checks itself or leaves to valid.
func TestValidKeyIsValid(t *testing.T) {
	var nodes []*vnode
	var walk func(n *vnode, seen map[*vnode]bool)
	walk = func(n *vnode, seen map[*vnode]bool) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		nodes = append(nodes, n)
		for _, c := range n.props {
			walk(c, seen)
		}
		for _, c := range append([]*vnode{n.extra, n.names, n.items, n.ifS, n.thenS, n.elseS}, n.allOf...) {
			walk(c, seen)
		}
		for _, c := range n.refs {
			walk(c, seen)
		}
	}
	doc, err := loadSchemaDoc()
	if err != nil {
		t.Fatal(err)
	}
	root, err := compileVerdict(doc)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[*vnode]bool{}
	walk(root, seen)
	for _, schema := range []string{`{"type": "string", "minLength": 2, "pattern": "^[a-z][a-z0-9_-]*$"}`, `{"type": ["integer", "string"]}`,
		`{"type": "integer"}`, `{"pattern": "^x"}`, `{"minLength": 3}`, `{"enum": ["a", "b"]}`, `{"const": "a"}`, `{"allOf": [{"pattern": "^a"}, {"minLength": 2}]}`,
		`{"if": {"const": "a"}, "then": false}`, `{"$defs": {"k": {"pattern": "^[a-z]+$"}}, "$ref": "#/$defs/k"}`, `true`, `false`, `{}`} {
		var d any
		if err := json.Unmarshal([]byte(schema), &d); err != nil {
			t.Fatal(err)
		}
		n, err := compileVerdict(d)
		if err != nil {
			t.Fatalf("%s: %v", schema, err)
		}
		walk(n, seen)
	}
	keys := []string{"", "a", "b", "ab", "A", "l0001", "my lease", "x-y", "x_y", "1a", "ü", "üü", "xx", strings.Repeat("k", 300), "a\n"}
	for i, n := range nodes {
		for _, k := range keys {
			if got, want := n.validKey(k), n.validKeyValue(k); got != want {
				t.Errorf("node %d: validKey(%q) = %v, valid says %v", i, k, got, want)
			}
		}
	}
}
