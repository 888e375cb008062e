package spec

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// sameAsYAML reports how what fastYAML made of data differs from what convert makes of
// yaml.v3's tree (the values, the errors, the counts against the limits), "" when fastYAML
// refused data or both agree.
func sameAsYAML(data []byte) string {
	fast := testDoc()
	if !fast.fastYAML(string(data)) {
		return ""
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root, next yaml.Node
	if err := dec.Decode(&root); err != nil {
		return fmt.Sprintf("fastYAML read what yaml.v3 refuses: %v", err)
	}
	if err := dec.Decode(&next); err != io.EOF {
		return fmt.Sprintf("yaml.v3 found more than one document: %v", err)
	}
	slow := testDoc()
	slow.tree = slow.convert(&root)
	type counts struct {
		Nodes, Size     int
		TooBig, TooDeep bool
		Stack           int
	}
	if a, b := (counts{fast.nodes, fast.size, fast.tooBig, fast.tooDeep, len(fast.stack)}), (counts{slow.nodes, slow.size, slow.tooBig, slow.tooDeep, len(slow.stack)}); a != b {
		return fmt.Sprintf("fastYAML counts %+v, convert %+v", a, b)
	}
	if a, b := fmt.Sprint(fast.errs.list), fmt.Sprint(slow.errs.list); a != b {
		return fmt.Sprintf("fastYAML errors %s, convert %s", a, b)
	}
	if fast.tooBig {
		return "" // conversion stopped: Parse reads no value
	}
	return diffValues(fast, slow, fast.tree, slow.tree, "")
}

// testDoc is a doc for sameAsYAML, with a few variables to expand.
func testDoc() *doc {
	vars := map[string]string{"N": "3", "S": "a b", "E": "", "USER": "u", "F": "1.5", "B": "true"}
	return &doc{errs: &collector{file: "Leasefile"}, env: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
}

func diffValues(da, db *doc, a, b *value, at string) string {
	if a == nil || b == nil {
		if a != b {
			return fmt.Sprintf("at %s: fastYAML %v, convert %v", at, a, b)
		}
		return ""
	}
	// The index of a mapping past indexAt pairs is left out of the shape: fastYAML keeps
	// none for keys in increasing order. A lookup finds each key's pair either way.
	type shape struct {
		Kind      kind
		B, NoPos  bool
		S         string
		Plain     bool
		PlainText string
		Pos       Pos
		Fields    int
	}
	sa := shape{a.kind, a.b, a.noPos, a.s, a.plain, da.plainOf(a), a.pos(), len(a.fields)}
	sb := shape{b.kind, b.b, b.noPos, b.s, b.plain, db.plainOf(b), b.pos(), len(b.fields)}
	if sa != sb {
		return fmt.Sprintf("at %s: fastYAML %+v, convert %+v", at, sa, sb)
	}
	if a.kind == kList {
		for i := range a.fields {
			if a.fields[i].key != "" || a.fields[i].keyPos != (spot{}) || b.fields[i].key != "" || b.fields[i].keyPos != (spot{}) {
				return fmt.Sprintf("at %s/%d: an item with a key", at, i)
			}
			if d := diffValues(da, db, a.fields[i].val, b.fields[i].val, fmt.Sprintf("%s/%d", at, i)); d != "" {
				return d
			}
		}
		return ""
	}
	for i, f := range a.fields {
		g := b.fields[i]
		if f.key != g.key || f.keyPos != g.keyPos {
			return fmt.Sprintf("at %s: fastYAML key %q at %v, convert %q at %v", at, f.key, f.keyPos, g.key, g.keyPos)
		}
		if got := a.field(f.key); got != &a.fields[i] {
			return fmt.Sprintf("at %s: fastYAML finds key %q at %p, not its pair %d", at, f.key, got, i)
		}
		if d := diffValues(da, db, f.val, g.val, at+"/"+f.key); d != "" {
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
		// What convert reports or rewrites as it goes: duplicate and long keys (whose values it
		// skips), ${VAR}, numbers and booleans, mappings past indexAt pairs.
		"a: {b: 1, b: [2, {c: d}]}\n", "a:\n  b: 1\na:\n  c: [1, 2]\n  d:\n    - e: f\nz: 1\n", "a: [{b: 1, b: 2}, {b: 3}]\n",
		strings.Repeat("k", 300) + ":\n  b: [1, 2]\nc: d\n", "a: {" + strings.Repeat("k", 300) + ": [1, 2], b: c}\n",
		"a: ${N}\nb: '${N}'\nc: \"${S}\"\nd: ${S}\ne: ${E:-7}\nf: ${F}\ng: ${B}\nh: x${N}\n", "a: ${NOPE}\nb: [${NOPE}, ${N}]\n",
		"a: ${N\nb: ${1X}\n", "a: ${OS_PASSWORD}\n", "a: 1e400\nb: 99999999999999999999\nc: 0x10\nd: 0o17\ne: -0\nf: .nan\ng: 1.50\n",
		"a: [yes, No, on, ~, null, Null, 1_0, +5, -.5]\n", manyKeys(20, false), manyKeys(20, true), manyKeys(16, true),
		manyKeys(20, false) + "    k25: 1\n    k21: 2\n    k25: 3\n    k19: 4\n", manyKeys(18, false) + "    k00: 9\n",
		"a: 'it''s'\nb: ['x''y', 'z']\n", "a/b~c:\n  d~e/f: [x]\n  d~e/f: y\n",
	} {
		out = append(out, []byte(s))
	}
	return out
}

// manyKeys is a mapping of n pairs (past indexAt when n > 16) inside a lease, with one key
// defined twice at the end when dup is set.
func manyKeys(n int, dup bool) string {
	var b strings.Builder
	b.WriteString("leases:\n  a:\n")
	for i := range n {
		fmt.Fprintf(&b, "    k%02d: %d\n", i, i)
	}
	if dup {
		b.WriteString("    k03: {x: y}\n")
	}
	return b.String()
}

// TestFastYAML holds fastYAML to yaml.v3 on the corpus and on mutations of it: every tree
// it makes is the one yaml.v3 makes, and the generated Leasefile takes the fast path.
func TestFastYAML(t *testing.T) {
	corpus := yamlCorpus(t)
	for _, data := range corpus {
		if bytes.HasPrefix(data, []byte("# generated")) {
			if !testDoc().fastYAML(string(data)) {
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
		if testDoc().fastYAML(string(data)) {
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

// TestFastYAMLLimits holds fastYAML to convert on documents past the limits convert counts:
// more than maxNodes values (in a flow, in a block sequence), more than maxSize bytes of
// JSON pointers, nesting past maxDepth, with more of the document after the point where
// conversion stopped.
func TestFastYAMLLimits(t *testing.T) {
	deep := func(levels int, leaf string) string {
		var b strings.Builder
		for i := range levels {
			fmt.Fprintf(&b, "%s%s:\n", strings.Repeat("  ", i), strings.Repeat("k", 250))
		}
		fmt.Fprintf(&b, "%s%s\nafter: [1, {a: b}]\n", strings.Repeat("  ", levels), leaf)
		return b.String()
	}
	items := strings.Repeat("1, ", maxNodes) + "1"
	for _, doc := range []string{
		"a: [" + items + "]\nb: {c: d, c: e}\nc: [1]\na: 1\n" + strings.Repeat("k", 300) + ": 1\n",
		"a:\n" + strings.Repeat("  - 1\n", maxNodes+1) + "b: {c: d}\n",
		"a:\n  - [" + strings.Repeat("1, ", maxNodes/2) + "1]\n  - [" + strings.Repeat("1, ", maxNodes/2) + "1]\n  - x\nb: 1\n",
		deep(60, "x: ["+strings.Repeat("1, ", 2000)+"1]"),
		deep(70, "x: [1, [2, {y: z}]]\n"+strings.Repeat("  ", 70)+"w: 1"),
		deep(63, "x: [1, [2, [3]]]"), deep(64, "x: 1"), deep(65, "x: {y: 1}"),
	} {
		fast := testDoc()
		if !fast.fastYAML(doc) {
			t.Errorf("fastYAML refuses %.60q", doc)
			continue
		}
		if !fast.tooBig && !fast.tooDeep {
			t.Errorf("%.60q: within the limits (%d values, %d bytes)", doc, fast.nodes, fast.size)
		}
		if d := sameAsYAML([]byte(doc)); d != "" {
			t.Errorf("%.60q: %s", doc, d)
		}
	}
}

// sortedFields returns a mapping's pairs sorted by key, its own when they are, and leaves
// its order as written.
func TestSortedFields(t *testing.T) {
	for _, src := range []string{"b: 1\na: 2\nc: 3\n", "a: 1\nb: 2\nc: 3\n", "a: 1\n"} {
		d := testDoc()
		if !d.fastYAML(src) {
			t.Fatalf("%q: not read", src)
		}
		before := slices.Clone(d.tree.fields)
		got := d.tree.sortedFields()
		if !slices.IsSortedFunc(got, byKey) || len(got) != len(before) {
			t.Errorf("%q: sortedFields %v", src, got)
		}
		if !slices.EqualFunc(before, d.tree.fields, func(a, b field) bool { return a.key == b.key && a.val == b.val }) {
			t.Errorf("%q: sortedFields reordered the mapping: %v", src, d.tree.fields)
		}
	}
}
