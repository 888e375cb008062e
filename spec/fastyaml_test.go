package spec

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// sameAsYAML reports how the tree fastYAML made of data differs from yaml.v3's, "" when
// fastYAML refused data or both agree (comments aside: Parse never reads them).
func sameAsYAML(data []byte) string {
	fast, ok := fastYAML(data)
	if !ok {
		return ""
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var slow, next yaml.Node
	if err := dec.Decode(&slow); err != nil {
		return fmt.Sprintf("fastYAML read what yaml.v3 refuses: %v", err)
	}
	if err := dec.Decode(&next); err != io.EOF {
		return fmt.Sprintf("yaml.v3 found more than one document: %v", err)
	}
	return diffNodes(fast, &slow, "")
}

func diffNodes(a, b *yaml.Node, at string) string {
	type shape struct {
		Kind         yaml.Kind
		Style        yaml.Style
		Tag, Value   string
		Anchor       string
		Alias        bool
		Line, Column int
		N            int
	}
	sa := shape{a.Kind, a.Style, a.Tag, a.Value, a.Anchor, a.Alias != nil, a.Line, a.Column, len(a.Content)}
	sb := shape{b.Kind, b.Style, b.Tag, b.Value, b.Anchor, b.Alias != nil, b.Line, b.Column, len(b.Content)}
	if sa != sb {
		return fmt.Sprintf("at %s: fastYAML %+v, yaml.v3 %+v", at, sa, sb)
	}
	for i := range a.Content {
		if d := diffNodes(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", at, i)); d != "" {
			return d
		}
	}
	return ""
}

// yamlCorpus is the Leasefiles of the examples and the hostile corpus, a generated one of
// 30 leases and YAML shapes near the edge of what fastYAML reads.
func yamlCorpus(t testing.TB) [][]byte {
	var out [][]byte
	for _, glob := range []string{"../examples/*.yaml", "testdata/hostile/*.yaml"} {
		paths, _ := filepath.Glob(glob)
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, data)
		}
	}
	var b strings.Builder
	b.WriteString("# generated\nversion: 1\nname_prefix: bench-\n\nleases:\n")
	for i := range 30 {
		fmt.Fprintf(&b, "  l%04d:  # lease %d\n    site: CHI@UC\n    start: \"2027-01-04 %02d:00\"\n    duration: 1h\n    reservations:\n", i, i, i%24)
		fmt.Fprintf(&b, "      nodes:\n        type: node\n        count: %d\n        node_type: 'compute_skylake'\n\n", i%3+1)
	}
	out = append(out, []byte(b.String()))
	for _, s := range []string{
		"a: b\n  c\n", "a: b\n  # c\nd: e\n", "a:\n  b: c\n d: e\n", "  a: b\n  c: d\n", "  a: b\nc: d\n",
		"a: 'it''s'\n", "a: \"x\\ty\"\n", "a: \"x\" y\n", "a: 'x'#y\n", "a: x #y\n", "a: x#y\n",
		"a: x: y\n", "a: x:\n", "a: ${N}\n", "a: $${N}\n", "a: {b: c}\n", "a: [b]\n", "a: b,c\n", "a: b{c}\n",
		"a: b[c]\n", "a: -1\n", "a: - b\n", "a: -\n", "a:\n- b\n", "a:\n  - b\n", "a:\n", "a:\nb: c\n",
		"a: ~\n", "a: null\n", "a: yes\n", "a: True\n", "a: 0x1F\n", "a: 1e3\n", "a: .5\n", "a: .inf\n",
		"a: 2026-01-01\n", "a: 2026-01-01 10:00\n", "a: 1_000\n", "a: +1\n", "a: 0o17\n", "a: 017\n",
		"1: a\ntrue: b\n~: c\n", "a: b   \n", "a:    b\n", "a:b\n", "a : b\n", "---\na: b\n", "a: b\n---\nc: d\n",
		"a: b\n...\n", "%YAML 1.1\n---\na: b\n", "a: &x b\n", "a: *x\n", "a: !!str 1\n", "a: |\n  b\n", "a: >\n  b\n",
		"a: b\na: c\n", "a: (b)\n", "a: /b\n", "a: b # c # d\n", "a: 'b' # c\n", "a: \"\"\n", "a: ''\n",
		"a: b\n\n\n  \n", "# only a comment\n", "", "\n", "a: b", "a:\n  b:\n    c: d\n  e: f\n",
		"a:\n    b: c\n  d: e\n", "a: b\n#c\n  #d\ne: f\n", "a:\n  #c\n  b: c\n", "a:  # c\n  b: c\n",
		"a: [b, 'c', \"d\"]\n", "a: []\n", "a: [ ]\n", "a: {}\n", "a: [b,c]\n", "a: [b ,c]\n", "a: [b, c,]\n",
		"a: [b, [c, [d]]]\n", "a: [b, c] # e\n", "a: [b, c]#e\n", "a: [b, c] x\n", "a: [b,\n  c]\n", "a: [b c]\n",
		"a: [-, b]\n", "a: [-b, -1, +1, .5, ~, null, true, 1e3, 0x1F]\n", "a: [b: c]\n", "a: [b:c]\n", "a: [$b, (c)]\n",
		"a: {b: c, d: [e]}\n", "a: {b: c,d: e}\n", "a: {b:c}\n", "a: {b}\n", "a: {b: }\n", "a: {b: c, }\n",
		"a: {'b': c}\n", "a: {b: {c: d}}\n", "a: [{b: c}]\n", "a: [\"==\", \"$node_type\", \"x\"]\n",
		"a: [\"and\", [\"==\", \"$a\", \"1\"], [\"!=\", \"$b\", \"x y\"]]\n", "a: [,]\n", "a: [b]]\n", "a: [[b]\n",
		"a: [\"b\"c]\n", "a: ['b''c', 'd']\n", "a: [b#c]\n", "a: [b #c]\n",
		"a:\n  - b\n  - 'c'\n  - [d]\nx: y\n", "a:\n  - b: c\n    d: e\n  - f: g\n", "a:\n  -  b: c\n     d: e\n",
		"a:\n  - b: c\n   d: e\n", "a:\n  - b: c\n      d: e\n", "a:\n  - b:\n      c: d\n  - e\n", "a:\n  - b\n    c\n",
		"a:\n  - b\n  # c\n  - d\n", "a:\n  - b\n    # c\n", "a:\n  -\n  - b\n", "a:\n  -b\n", "a:\n  - - b\n",
		"a:\n  - b\n - c\n", "a:\n  - b\n  c: d\n", "a:\n  - b\n   - c\n", "a:\n  - b: [c, d]\n    e: 'f'\n",
		"a:\n  - b:\n    - c\n", "a:\n  - b:\n      - c\n      - d: e\n", "a:\n  - {b: c}\n", "a:\n  - b: c # d\n",
		"a:\n- b\n", "moved:\n  - from: a\n    to: b\nremoved:\n  - key: c\n    destroy: true\n",
		"a: b\r\n", "a:\tb\n", "a: é\n", "\ufeffa: b\n", "a: b\x00\n", "<<: {a: b}\n", "? a\n: b\n",
		strings.Repeat("k", 1000) + ": b\n", strings.Repeat("k", 1100) + ": b\n", "x: {" + strings.Repeat("k", 1100) + ": b}\n",
		"x: [" + strings.Repeat("v", 3000) + "]\n", "x: " + strings.Repeat("v", 3000) + "\n",
	} {
		out = append(out, []byte(s))
	}
	return out
}

// TestFastYAML holds fastYAML to yaml.v3 on the corpus and on mutations of it: every tree
// it makes is the one yaml.v3 makes, and the generated Leasefile takes the fast path.
func TestFastYAML(t *testing.T) {
	corpus := yamlCorpus(t)
	for _, data := range corpus {
		if bytes.HasPrefix(data, []byte("# generated")) {
			if _, ok := fastYAML(data); !ok {
				t.Errorf("fastYAML refuses the generated Leasefile")
			}
		}
	}
	for _, data := range corpus {
		if d := sameAsYAML(data); d != "" {
			t.Fatalf("%q: %s", data, d)
		}
	}
	r := rand.New(rand.NewSource(1))
	fast := 0
	for range 20000 {
		data := mutateLines(r, corpus[r.Intn(len(corpus))], corpus)
		if _, ok := fastYAML(data); ok {
			fast++
		}
		if d := sameAsYAML(data); d != "" {
			t.Fatalf("%q: %s", data, d)
		}
	}
	t.Logf("%d of 20000 mutations took the fast path", fast)
	if fast < 2000 {
		t.Errorf("only %d of 20000 mutations took the fast path: the test holds too little of it", fast)
	}
}

// mutateLines changes data a little: a line deleted, copied, moved, re-indented, cut, or a
// piece of another document inserted.
func mutateLines(r *rand.Rand, data []byte, corpus [][]byte) []byte {
	lines := strings.Split(string(data), "\n")
	for k := 1 + r.Intn(2); k > 0; k-- {
		i := r.Intn(len(lines))
		switch r.Intn(6) {
		case 0:
			lines = append(lines[:i], lines[i+1:]...)
		case 1:
			lines = append(lines[:i+1], lines[i:]...)
		case 2:
			j := r.Intn(len(lines))
			lines[i], lines[j] = lines[j], lines[i]
		case 3:
			if r.Intn(2) == 0 {
				lines[i] = " " + lines[i]
			} else {
				lines[i] = strings.TrimPrefix(lines[i], " ")
			}
		case 4:
			if n := len(lines[i]); n > 0 {
				c := r.Intn(n)
				lines[i] = lines[i][:c] + lines[i][c+1:]
			}
		case 5:
			other := strings.Split(string(corpus[r.Intn(len(corpus))]), "\n")
			o := other[r.Intn(len(other))]
			c := r.Intn(len(lines[i]) + 1)
			lines[i] = lines[i][:c] + o[r.Intn(len(o)+1):]
		}
		if len(lines) == 0 {
			lines = []string{""}
		}
	}
	return []byte(strings.Join(lines, "\n"))
}
