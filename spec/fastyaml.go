package spec

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// fastYAML reads a document written the way nearly every Leasefile is (block mappings of
// plain keys; values on the key's line: plain or escape-free quoted scalars, or flow
// collections closed on the line; block sequences of such values or of mappings; comments
// and blank lines) straight into d's values, in a fraction of yaml.v3's time and without
// its node tree: what d.convert makes of yaml.v3's tree, with the same errors (duplicate and
// long keys, ${VAR}, the limits), in the same order. Comments are skipped: Parse does not
// read them. It refuses (false) anything else: anchors and aliases, tags, block scalars,
// empty values, multi-line scalars and flows, escapes, tabs, carriage returns, non-ASCII and
// control bytes, document markers, and any layout yaml.v3 might read differently or refuse;
// d is then spoilt, and the caller starts again from yaml.v3's tree, which words the syntax
// errors. TestFastYAML and FuzzParse hold what it makes to what convert makes of yaml.v3's
// tree.
func (d *doc) fastYAML(data string) bool {
	for i := 0; i < len(data); i++ {
		if c := data[i]; (c < 0x20 && c != '\n') || c > 0x7e {
			return false
		}
	}
	// Every key and value is a substring of the text.
	p := &fastParser{d: d, src: data, tags: map[string]string{}}
	p.next()
	if p.eof {
		return false
	}
	// The document node is a value convert counts, before the root mapping at its depth.
	d.nodes++
	root, ok := p.mapping(p.indent)
	if !ok || !p.eof {
		return false
	}
	d.tree = root
	return true
}

// fastParser reads the lines of a document into the values of d. The current line is
// src[start:end], its first non-space byte at start+indent; eof when there is none.
type fastParser struct {
	d          *doc
	src        string
	pos        int // start of the line after the current one
	line       int // 1-based number of the current line
	start, end int
	indent     int
	eof        bool
	depth      int // of the block collection being read
	// ptrLen and level are convert's ptrLen and depth for the value being read (d.stack
	// holds its JSON pointer's tokens); skip > 0 while reading a value convert would not
	// convert (of a refused key, inside one nested too deep, after the document got too big).
	ptrLen, level, skip int
	fields              []field           // the pairs of the mappings being read
	items               []*value          // the items of the sequences being read
	fieldChunk          []field           // mappings' pairs and sequences' items are carved from here
	tags                map[string]string // plainTag's answers, by text
	commentIndent       int               // the greatest indent of a comment line skipped by the last next
	sawCommentIndent    bool
}

// fastMaxDepth is the deepest nesting fastYAML reads; deeper, yaml.v3 decides.
const fastMaxDepth = 1000

// next moves to the next line that holds content, skipping blank and comment lines.
func (p *fastParser) next() {
	p.sawCommentIndent = false
	for p.pos < len(p.src) {
		p.start = p.pos
		p.line++
		if i := strings.IndexByte(p.src[p.pos:], '\n'); i >= 0 {
			p.end, p.pos = p.pos+i, p.pos+i+1
		} else {
			p.end, p.pos = len(p.src), len(p.src)
		}
		p.indent = 0
		for p.start+p.indent < p.end && p.src[p.start+p.indent] == ' ' {
			p.indent++
		}
		switch {
		case p.start+p.indent == p.end:
			continue // blank
		case p.src[p.start+p.indent] == '#':
			if !p.sawCommentIndent || p.indent > p.commentIndent {
				p.commentIndent, p.sawCommentIndent = p.indent, true
			}
			continue
		}
		return
	}
	p.eof = true
}

// carveFields and carveItems return a copy of a collection's contents, from a chunk shared
// with the others.
func (p *fastParser) carveFields(fs []field) []field {
	if len(fs) > len(p.fieldChunk) {
		p.fieldChunk = make([]field, max(512, len(fs)))
	}
	out := p.fieldChunk[:len(fs):len(fs)]
	p.fieldChunk = p.fieldChunk[len(fs):]
	copy(out, fs)
	return out
}

func (p *fastParser) carveItems(items []*value) []field {
	if len(items) > len(p.fieldChunk) {
		p.fieldChunk = make([]field, max(512, len(items)))
	}
	out := p.fieldChunk[:len(items):len(items)]
	p.fieldChunk = p.fieldChunk[len(items):]
	for i, e := range items {
		out[i].val = e
	}
	return out
}

// open starts the mapping or sequence at pos as convertAt does: its value, nil when it is
// not converted, and whether its contents are (not past maxDepth, where it is a null).
// Unless they are, the caller reads them with skip raised.
func (p *fastParser) open(k kind, pos Pos) (v *value, contents bool) {
	if p.skip > 0 {
		return nil, false
	}
	switch p.d.visit(pos, p.ptrLen, p.level) {
	case skipValue:
		return nil, false
	case deepValue:
		return p.d.deepNull(), false
	}
	return p.d.newValue(k, pos), true
}

// child moves the conversion to the value of key (index < 0) or to item index of the
// collection being read, as convert's recursion does; parent(saved) moves back.
func (p *fastParser) child(key string, index int) (saved int) {
	saved = p.ptrLen
	if index >= 0 {
		p.d.stack = append(p.d.stack, token{index: index})
		p.ptrLen += 1 + digits(index)
	} else {
		p.d.stack = append(p.d.stack, token{key: key, index: -1})
		p.ptrLen += 1 + escapedLen(key)
	}
	p.level++
	return saved
}

func (p *fastParser) parent(saved int) {
	p.d.stack = p.d.stack[:len(p.d.stack)-1]
	p.ptrLen = saved
	p.level--
}

// fastMap is a mapping being read: its value (nil when not converted), where its pairs
// start in fields, and their index once they are more than indexAt, as value.add keeps it,
// unless its keys come in increasing order (ordered, the last one in last), as a
// Leasefile's leases mostly do: then a key after the last cannot be a repeat, and a lookup
// by key (for an error's position) scans the pairs.
type fastMap struct {
	p       *fastParser
	v       *value
	base    int
	index   map[string]int
	ordered bool
	last    string
}

// key adds the pair of key, at keyPos, to m as convert's mapping does. It returns the
// pair's place in p.fields, or -1 when the value is not to be converted (m is not, the
// document is too big, or refuseKey refused the key).
func (p *fastParser) key(m *fastMap, key string, keyPos Pos) int {
	if m.v == nil || p.d.tooBig {
		return -1
	}
	if p.d.refuseKey(key, keyPos, m.find, false) {
		return -1
	}
	p.fields = append(p.fields, field{key: key, keyPos: spotOf(keyPos)})
	n := len(p.fields) - m.base
	m.ordered, m.last = (n == 1 || m.ordered) && (n == 1 || key > m.last), key
	switch {
	case m.index != nil:
		m.index[key] = n - 1
	case n > indexAt && !m.ordered:
		m.index = make(map[string]int, 2*n)
		for i, f := range p.fields[m.base:] {
			m.index[f.key] = i
		}
	}
	return len(p.fields) - 1
}

// find is value.field for the pairs of m read so far.
func (m *fastMap) find(key string) *field {
	if m.ordered && key > m.last {
		return nil // after every key so far
	}
	if m.index != nil {
		if i, ok := m.index[key]; ok {
			return &m.p.fields[m.base+i]
		}
		return nil
	}
	for i := m.base; i < len(m.p.fields); i++ {
		if m.p.fields[i].key == key {
			return &m.p.fields[i]
		}
	}
	return nil
}

// close gives m its pairs.
func (m *fastMap) close() {
	if m.v != nil {
		m.v.fields, m.v.index = m.p.carveFields(m.p.fields[m.base:]), m.index
	}
	m.p.fields = m.p.fields[:m.base]
}

// mapping reads the block mapping whose keys start the lines indented by indent, the
// current line first.
func (p *fastParser) mapping(indent int) (*value, bool) {
	if p.depth++; p.depth > fastMaxDepth {
		return nil, false
	}
	defer func() { p.depth-- }()
	v, contents := p.open(kMap, Pos{Line: p.line, Col: indent + 1})
	if !contents {
		p.skip++
		defer func() { p.skip-- }()
	}
	m := &fastMap{p: p, base: len(p.fields)}
	if contents {
		m.v = v
	}
	for !p.eof && p.indent == indent {
		if !p.entry(m) {
			return nil, false
		}
	}
	m.close()
	if !p.eof && p.indent > indent {
		return nil, false // a line indented deeper than the keys, after a value
	}
	return v, true
}

// entry reads the pair that starts the current line, and the lines of its value, into m.
func (p *fastParser) entry(m *fastMap) bool {
	line, indent := p.src[p.start:p.end], p.indent
	i := indent
	if !keyStart(line[i]) {
		return false
	}
	for i < len(line) && keyByte(line[i]) {
		i++
	}
	if i == len(line) || line[i] != ':' || i-indent > 1000 {
		return false
	}
	at := p.key(m, line[indent:i], Pos{Line: p.line, Col: indent + 1})
	i++ // the ':'
	if i < len(line) && line[i] != ' ' {
		return false
	}
	for i < len(line) && line[i] == ' ' {
		i++
	}
	var saved int
	if at < 0 {
		p.skip++
	} else {
		saved = p.child(p.fields[at].key, -1)
	}
	v, ok := p.entryValue(line, i, indent)
	if at < 0 {
		p.skip--
	} else {
		p.parent(saved)
		p.fields[at].val = v
	}
	return ok
}

// entryValue reads the value of the key indented by indent whose line is line, from i on.
func (p *fastParser) entryValue(line string, i, indent int) (v *value, ok bool) {
	if i == len(line) || line[i] == '#' {
		// The value is the block below, a mapping or a sequence indented deeper.
		p.next()
		if p.eof || p.indent <= indent {
			return nil, false // an empty value, or a sequence as deep as the key
		}
		if p.src[p.start+p.indent] == '-' {
			return p.sequence(p.indent)
		}
		return p.mapping(p.indent)
	}
	if v, ok = p.value(line, i); !ok {
		return nil, false
	}
	p.next()
	if (!p.eof && p.indent > indent) || (p.sawCommentIndent && p.commentIndent > indent) {
		return nil, false // maybe a scalar continued on the next lines
	}
	return v, true
}

// sequence reads the block sequence whose items start with "- " on the lines indented by
// indent, the current line first. An item is a mapping that starts on the item's line
// (- key: value) or a value on that line alone.
func (p *fastParser) sequence(indent int) (*value, bool) {
	if p.depth++; p.depth > fastMaxDepth {
		return nil, false
	}
	defer func() { p.depth-- }()
	seq, contents := p.open(kList, Pos{Line: p.line, Col: indent + 1})
	if !contents {
		p.skip++
		defer func() { p.skip-- }()
	}
	base := len(p.items)
	defer func() { p.items = p.items[:base] }()
	for n := 0; !p.eof && p.indent == indent && p.src[p.start+indent] == '-'; n++ {
		line := p.src[p.start:p.end]
		if indent+1 >= len(line) || line[indent+1] != ' ' {
			return nil, false // an empty item, or -x
		}
		at := skipSpaces(line, indent+1)
		if at == len(line) || line[at] == '#' {
			return nil, false
		}
		// Past a limit, visit converts nothing more, as convert's loop stops.
		convert := contents
		var saved int
		if convert {
			saved = p.child("", n)
		} else {
			p.skip++
		}
		item, ok := p.item(line, indent, at)
		if convert {
			p.parent(saved)
			p.items = append(p.items, item)
		} else {
			p.skip--
		}
		if !ok {
			return nil, false
		}
	}
	if contents {
		seq.fields = p.carveItems(p.items[base:])
	}
	return seq, true
}

// item reads the item of a block sequence indented by indent that starts at line[at].
func (p *fastParser) item(line string, indent, at int) (*value, bool) {
	if isKeyAt(line, at) {
		p.indent = at // the item's mapping is indented as its first key
		return p.mapping(at)
	}
	item, ok := p.value(line, at)
	if !ok {
		return nil, false
	}
	p.next()
	if (!p.eof && p.indent > indent) || (p.sawCommentIndent && p.commentIndent > indent) {
		return nil, false // maybe a scalar continued on the next lines
	}
	return item, true
}

// isKeyAt reports whether line[i:] starts with a key and its ':' (key: value, or key:).
func isKeyAt(line string, i int) bool {
	if !keyStart(line[i]) {
		return false
	}
	for i < len(line) && keyByte(line[i]) {
		i++
	}
	return i < len(line) && line[i] == ':' && (i+1 == len(line) || line[i+1] == ' ')
}

// value reads the value at line[i:], which runs to the end of the line or a comment: a
// scalar, or a flow collection written on the one line.
func (p *fastParser) value(line string, i int) (*value, bool) {
	switch c := line[i]; {
	case c == '"' || c == '\'' || c == '[' || c == '{':
		var v *value
		var end int
		var ok bool
		if c == '[' || c == '{' {
			v, end, ok = p.flow(line, i, 0)
		} else {
			v, end, ok = p.quoted(line, i)
		}
		if !ok || !restIsComment(line[end:]) {
			return nil, false
		}
		return v, true
	case !plainStart(line, i):
		return nil, false
	}
	j := i
	for j < len(line) {
		if line[j] == ' ' && j+1 < len(line) && line[j+1] == '#' {
			break
		}
		if line[j] == ':' && (j+1 == len(line) || line[j+1] == ' ') {
			return nil, false // a mapping in a mapping's value
		}
		j++
	}
	text := strings.TrimRight(line[i:j], " ")
	return p.scalar(text, 0, i), true
}

// quoted reads the quoted scalar at line[i:] (without escapes, on one line); end is the
// index after its closing quote.
func (p *fastParser) quoted(line string, i int) (v *value, end int, ok bool) {
	c := line[i]
	j := i + 1
	doubled := false // '' in a single-quoted scalar, which stands for '
	for ; j < len(line); j++ {
		if line[j] == '\\' && c == '"' {
			return nil, 0, false
		}
		if line[j] == c {
			if c == '\'' && j+1 < len(line) && line[j+1] == '\'' {
				doubled = true
				j++
				continue
			}
			break
		}
	}
	if j == len(line) {
		return nil, 0, false
	}
	text := line[i+1 : j]
	if doubled && p.skip == 0 {
		text = strings.ReplaceAll(text, "''", "'")
	}
	style := yaml.DoubleQuotedStyle
	if c == '\'' {
		style = yaml.SingleQuotedStyle
	}
	return p.scalar(text, style, i), j + 1, true
}

// flow reads the flow sequence or mapping at line[i:], closed on the same line, of scalars
// and flow collections: [a, "b", [c]], {a: b, c: [d]}. end is the index after it.
func (p *fastParser) flow(line string, i, depth int) (v *value, end int, ok bool) {
	if depth > 32 {
		return nil, 0, false
	}
	isMap := line[i] == '{'
	closer, k := byte(']'), kList
	if isMap {
		closer, k = '}', kMap
	}
	v, contents := p.open(k, Pos{Line: p.line, Col: i + 1})
	if !contents {
		p.skip++
		defer func() { p.skip-- }()
	}
	m := &fastMap{p: p, base: len(p.fields)}
	if contents && isMap {
		m.v = v
	}
	base := len(p.items)
	defer func() { p.items = p.items[:base] }()
	j := skipSpaces(line, i+1)
	if j < len(line) && line[j] == closer {
		m.close()
		if contents && !isMap {
			v.fields = []field{}
		}
		return v, j + 1, true
	}
	for n := 0; ; n++ {
		var convert bool
		var key string
		at := -1 // the pair's place in p.fields
		if isMap {
			kend, ok := p.flowWord(line, j, true)
			if !ok || kend >= len(line) || line[kend] != ':' || kend+1 >= len(line) || line[kend+1] != ' ' {
				return nil, 0, false
			}
			key = line[j:kend]
			at = p.key(m, key, Pos{Line: p.line, Col: j + 1})
			convert = at >= 0
			j = skipSpaces(line, kend+1)
		} else {
			convert = contents
		}
		var item *value
		if j >= len(line) {
			return nil, 0, false
		}
		var saved int
		switch {
		case !convert:
			p.skip++
		case isMap:
			saved = p.child(key, -1)
		default:
			saved = p.child("", n)
		}
		switch line[j] {
		case '[', '{':
			item, j, ok = p.flow(line, j, depth+1)
		case '"', '\'':
			item, j, ok = p.quoted(line, j)
		default:
			var wend int
			if wend, ok = p.flowWord(line, j, false); ok {
				item, j = p.scalar(line[j:wend], 0, j), wend
			}
		}
		switch {
		case !convert:
			p.skip--
		case isMap:
			p.parent(saved)
			p.fields[at].val = item
		default:
			p.parent(saved)
			p.items = append(p.items, item)
		}
		if !ok {
			return nil, 0, false
		}
		j = skipSpaces(line, j)
		switch {
		case j < len(line) && line[j] == closer:
			m.close()
			if contents && !isMap {
				v.fields = p.carveItems(p.items[base:])
			}
			return v, j + 1, true
		case j < len(line) && line[j] == ',':
			j = skipSpaces(line, j+1)
			if j < len(line) && line[j] == closer {
				return nil, 0, false // a trailing comma
			}
		default:
			return nil, 0, false
		}
	}
}

// flowWord reads a plain scalar inside a flow collection: a word of letters, digits and
// _ . @ / $ ~ + - ( ), with no spaces; a key when key is set. end is the index after it.
func (p *fastParser) flowWord(line string, i int, key bool) (end int, ok bool) {
	if i >= len(line) || !plainStart(line, i) || (key && !keyStart(line[i])) {
		return 0, false
	}
	j := i
	for j < len(line) && (keyByte(line[j]) || line[j] == '$' || line[j] == '(' || line[j] == ')') {
		j++
	}
	if key && j-i > 1000 {
		return 0, false // YAML looks for the ':' of a key within 1,024 characters
	}
	if line[i] == '-' && j == i+1 {
		return 0, false // a lone -, or - before a flow indicator
	}
	if j < len(line) && line[j] != ',' && line[j] != ']' && line[j] != '}' && line[j] != ' ' && !(key && line[j] == ':') {
		return 0, false
	}
	return j, true
}

func skipSpaces(line string, i int) int {
	for i < len(line) && line[i] == ' ' {
		i++
	}
	return i
}

// scalar converts the scalar text found at byte col of the current line, written in
// style (0: plain), as convertAt does.
func (p *fastParser) scalar(text string, style yaml.Style, col int) *value {
	if p.skip > 0 {
		return nil
	}
	pos := Pos{Line: p.line, Col: col + 1}
	switch p.d.visit(pos, p.ptrLen, p.level) {
	case skipValue:
		return nil
	case deepValue:
		return p.d.deepNull()
	}
	tag := "!!str"
	if style == 0 {
		tag = p.plainTag(text)
	}
	return p.d.scalarOf(text, tag, style, pos)
}

// plainTag is the tag yaml.v3 resolves an unquoted scalar to. Text whose first byte yaml.v3
// does not look further at (no digit, sign, dot, or first letter of true, null, ...) is a
// string; the rest is asked to yaml.v3 itself, once per text.
func (p *fastParser) plainTag(text string) string {
	if text != "" && !strings.ContainsRune("+-0123456789yYnNtTfFoO~<.", rune(text[0])) {
		return "!!str"
	}
	if tag, ok := p.tags[text]; ok {
		return tag
	}
	tag := (&yaml.Node{Kind: yaml.ScalarNode, Value: text}).ShortTag()
	if len(p.tags) < 1024 {
		p.tags[text] = tag
	}
	return tag
}

// restIsComment reports whether what follows a quoted scalar on its line is at most spaces
// and a comment.
func restIsComment(rest string) bool {
	t := strings.TrimLeft(rest, " ")
	return len(t) == 0 || (t[0] == '#' && len(t) < len(rest))
}

// keyStart and keyByte are the bytes a key may start with and hold: the key is then a
// plain scalar that yaml.v3 reads the same way.
func keyStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func keyByte(c byte) bool {
	return keyStart(c) || c == '-' || c == '.' || c == '@' || c == '/' || c == '+' || c == '~'
}

// plainStart reports whether an unquoted scalar may start at line[i] without being read as
// something else by YAML (indicators such as - [ { & * ! | > % @ `).
func plainStart(line string, i int) bool {
	c := line[i]
	switch {
	case keyStart(c) || c == '.' || c == '/' || c == '$' || c == '~' || c == '+' || c == '(':
		return true
	case c == '-':
		return i+1 < len(line) && line[i+1] != ' '
	}
	return false
}
