package spec

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// fastYAML reads a document written the way nearly every Leasefile is (block mappings of
// plain keys; values on the key's line: plain or escape-free quoted scalars, or flow
// collections closed on the line; block sequences of such values or of mappings; comments
// and blank lines) into the node tree yaml.v3 makes of it, less the comments, which Parse
// does not read, in a fraction of yaml.v3's time. It refuses (ok false) anything else:
// anchors and aliases, tags, block scalars, empty values, multi-line scalars and flows,
// escapes, tabs, carriage returns, non-ASCII and control bytes, document markers, and any
// layout yaml.v3 might read differently or refuse; the caller then decodes with yaml.v3,
// which words the syntax errors. TestFastYAML and FuzzParse hold the trees it makes to
// yaml.v3's.
func fastYAML(data []byte) (doc *yaml.Node, ok bool) {
	for _, c := range data {
		if (c < 0x20 && c != '\n') || c > 0x7e {
			return nil, false
		}
	}
	// One copy of the text: every key and value is a substring of it.
	p := &fastParser{src: string(data), tags: map[string]string{}}
	p.next()
	if p.eof {
		return nil, false
	}
	root, ok := p.mapping(p.indent)
	if !ok || !p.eof {
		return nil, false
	}
	doc = p.node()
	doc.Kind, doc.Line, doc.Column = yaml.DocumentNode, root.Line, root.Column
	doc.Content = p.carve([]*yaml.Node{root})
	return doc, true
}

// fastParser reads the lines of a document. The current line is src[start:end], its first
// non-space byte at start+indent; eof when there is none.
type fastParser struct {
	src              string
	pos              int // start of the line after the current one
	line             int // 1-based number of the current line
	start, end       int
	indent           int
	eof              bool
	depth            int // of the mapping being read
	slab             []yaml.Node
	pairs            []*yaml.Node      // the keys and values of the mappings being read
	content          []*yaml.Node      // Content slices are carved from here
	tags             map[string]string // plainTag's answers, by text
	commentIndent    int               // the greatest indent of a comment line skipped by the last next
	sawCommentIndent bool
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

// carve returns a copy of nodes, from a chunk shared with the other Content slices.
func (p *fastParser) carve(nodes []*yaml.Node) []*yaml.Node {
	if len(nodes) > len(p.content) {
		p.content = make([]*yaml.Node, max(1024, len(nodes)))
	}
	out := p.content[:len(nodes):len(nodes)]
	p.content = p.content[len(nodes):]
	copy(out, nodes)
	return out
}

func (p *fastParser) node() *yaml.Node {
	if len(p.slab) == 0 {
		p.slab = make([]yaml.Node, 512)
	}
	n := &p.slab[0]
	p.slab = p.slab[1:]
	return n
}

// mapping reads the block mapping whose keys start the lines indented by indent, the
// current line first.
func (p *fastParser) mapping(indent int) (*yaml.Node, bool) {
	if p.depth++; p.depth > fastMaxDepth {
		return nil, false
	}
	defer func() { p.depth-- }()
	m := p.node()
	m.Kind, m.Tag, m.Line, m.Column = yaml.MappingNode, "!!map", p.line, indent+1
	base := len(p.pairs)
	for !p.eof && p.indent == indent {
		k, v, ok := p.entry()
		if !ok {
			return nil, false
		}
		p.pairs = append(p.pairs, k, v)
	}
	m.Content = p.carve(p.pairs[base:])
	p.pairs = p.pairs[:base]
	if !p.eof && p.indent > indent {
		return nil, false // a line indented deeper than the keys, after a value
	}
	return m, true
}

// entry reads the pair that starts the current line, and the lines of its value.
func (p *fastParser) entry() (k, v *yaml.Node, ok bool) {
	line, indent := p.src[p.start:p.end], p.indent
	i := indent
	if !keyStart(line[i]) {
		return nil, nil, false
	}
	for i < len(line) && keyByte(line[i]) {
		i++
	}
	if i == len(line) || line[i] != ':' || i-indent > 1000 {
		return nil, nil, false
	}
	k = p.scalar(line[indent:i], 0, indent)
	i++ // the ':'
	if i < len(line) && line[i] != ' ' {
		return nil, nil, false
	}
	for i < len(line) && line[i] == ' ' {
		i++
	}
	if i == len(line) || line[i] == '#' {
		// The value is the block below, a mapping or a sequence indented deeper.
		p.next()
		if p.eof || p.indent <= indent {
			return nil, nil, false // an empty value, or a sequence as deep as the key
		}
		if p.src[p.start+p.indent] == '-' {
			v, ok = p.sequence(p.indent)
		} else {
			v, ok = p.mapping(p.indent)
		}
		return k, v, ok
	}
	if v, ok = p.value(line, i); !ok {
		return nil, nil, false
	}
	p.next()
	if (!p.eof && p.indent > indent) || (p.sawCommentIndent && p.commentIndent > indent) {
		return nil, nil, false // maybe a scalar continued on the next lines
	}
	return k, v, true
}

// sequence reads the block sequence whose items start with "- " on the lines indented by
// indent, the current line first. An item is a mapping that starts on the item's line
// (- key: value) or a value on that line alone.
func (p *fastParser) sequence(indent int) (*yaml.Node, bool) {
	if p.depth++; p.depth > fastMaxDepth {
		return nil, false
	}
	defer func() { p.depth-- }()
	seq := p.node()
	seq.Kind, seq.Tag, seq.Line, seq.Column = yaml.SequenceNode, "!!seq", p.line, indent+1
	base := len(p.pairs)
	defer func() { p.pairs = p.pairs[:base] }()
	for !p.eof && p.indent == indent && p.src[p.start+indent] == '-' {
		line := p.src[p.start:p.end]
		if indent+1 >= len(line) || line[indent+1] != ' ' {
			return nil, false // an empty item, or -x
		}
		at := skipSpaces(line, indent+1)
		if at == len(line) || line[at] == '#' {
			return nil, false
		}
		var item *yaml.Node
		var ok bool
		if isKeyAt(line, at) {
			p.indent = at // the item's mapping is indented as its first key
			if item, ok = p.mapping(at); !ok {
				return nil, false
			}
		} else {
			if item, ok = p.value(line, at); !ok {
				return nil, false
			}
			p.next()
			if (!p.eof && p.indent > indent) || (p.sawCommentIndent && p.commentIndent > indent) {
				return nil, false // maybe a scalar continued on the next lines
			}
		}
		p.pairs = append(p.pairs, item)
	}
	seq.Content = p.carve(p.pairs[base:])
	return seq, true
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
func (p *fastParser) value(line string, i int) (*yaml.Node, bool) {
	switch c := line[i]; {
	case c == '"' || c == '\'' || c == '[' || c == '{':
		var n *yaml.Node
		var end int
		var ok bool
		if c == '[' || c == '{' {
			n, end, ok = p.flow(line, i, 0)
		} else {
			n, end, ok = p.quoted(line, i)
		}
		if !ok || !restIsComment(line[end:]) {
			return nil, false
		}
		return n, true
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
func (p *fastParser) quoted(line string, i int) (n *yaml.Node, end int, ok bool) {
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
	if doubled {
		text = strings.ReplaceAll(text, "''", "'")
	}
	n = p.scalar(text, yaml.DoubleQuotedStyle, i)
	if c == '\'' {
		n.Style = yaml.SingleQuotedStyle
	}
	n.Tag = "!!str"
	return n, j + 1, true
}

// flow reads the flow sequence or mapping at line[i:], closed on the same line, of scalars
// and flow collections: [a, "b", [c]], {a: b, c: [d]}. end is the index after it.
func (p *fastParser) flow(line string, i, depth int) (n *yaml.Node, end int, ok bool) {
	if depth > 32 {
		return nil, 0, false
	}
	n = p.node()
	n.Line, n.Column, n.Style = p.line, i+1, yaml.FlowStyle
	closer := byte(']')
	if line[i] == '[' {
		n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
	} else {
		n.Kind, n.Tag, closer = yaml.MappingNode, "!!map", '}'
	}
	base := len(p.pairs)
	defer func() { p.pairs = p.pairs[:base] }()
	j := skipSpaces(line, i+1)
	if j < len(line) && line[j] == closer {
		n.Content = []*yaml.Node{}
		return n, j + 1, true
	}
	for {
		if n.Kind == yaml.MappingNode {
			k, kend, ok := p.flowPlain(line, j, true)
			if !ok || kend >= len(line) || line[kend] != ':' || kend+1 >= len(line) || line[kend+1] != ' ' {
				return nil, 0, false
			}
			p.pairs = append(p.pairs, k)
			j = skipSpaces(line, kend+1)
		}
		var item *yaml.Node
		if j >= len(line) {
			return nil, 0, false
		}
		switch line[j] {
		case '[', '{':
			item, j, ok = p.flow(line, j, depth+1)
		case '"', '\'':
			item, j, ok = p.quoted(line, j)
		default:
			item, j, ok = p.flowPlain(line, j, false)
		}
		if !ok {
			return nil, 0, false
		}
		p.pairs = append(p.pairs, item)
		j = skipSpaces(line, j)
		switch {
		case j < len(line) && line[j] == closer:
			n.Content = p.carve(p.pairs[base:])
			return n, j + 1, true
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

// flowPlain reads a plain scalar inside a flow collection: a word of letters, digits and
// _ . @ / $ ~ + - ( ), with no spaces; a key when key is set. end is the index after it.
func (p *fastParser) flowPlain(line string, i int, key bool) (n *yaml.Node, end int, ok bool) {
	if i >= len(line) || !plainStart(line, i) || (key && !keyStart(line[i])) {
		return nil, 0, false
	}
	j := i
	for j < len(line) && (keyByte(line[j]) || line[j] == '$' || line[j] == '(' || line[j] == ')') {
		j++
	}
	if key && j-i > 1000 {
		return nil, 0, false // YAML looks for the ':' of a key within 1,024 characters
	}
	if line[i] == '-' && j == i+1 {
		return nil, 0, false // a lone -, or - before a flow indicator
	}
	if j < len(line) && line[j] != ',' && line[j] != ']' && line[j] != '}' && line[j] != ' ' && !(key && line[j] == ':') {
		return nil, 0, false
	}
	return p.scalar(line[i:j], 0, i), j, true
}

func skipSpaces(line string, i int) int {
	for i < len(line) && line[i] == ' ' {
		i++
	}
	return i
}

// scalar is a scalar node for text found at byte col of the current line.
func (p *fastParser) scalar(text string, style yaml.Style, col int) *yaml.Node {
	n := p.node()
	n.Kind, n.Value, n.Style, n.Line, n.Column = yaml.ScalarNode, text, style, p.line, col+1
	if style == 0 {
		n.Tag = p.plainTag(text)
	}
	return n
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
