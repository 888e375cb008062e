package spec

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the work done on one document, so that alias bombs ("billion laughs")
// fail with an error instead of eating memory.
const maxNodes = 250_000

// maxDepth bounds nesting, which also stops self-referencing aliases (&a [*a]).
const maxDepth = 64

// maxSize bounds the bytes conversion makes after expanding aliases: the length of every
// value's JSON pointer (counted, as long as the keys above it, though only an error's pointer
// is built), every key and every string ${VAR} expansion made. A few deep, long keys aliased a few hundred times stay under
// maxNodes and still cost gigabytes without it.
const maxSize = 16 << 20

// maxKeyBytes bounds one mapping key. No key of the format comes near it.
const maxKeyBytes = 256

// MaxFileBytes is the largest Leasefile read: a thousand leases take about 150 KB.
const MaxFileBytes = 8 << 20

// doc is a Leasefile converted to JSON values: a tree of values, each with the YAML position
// of its node and, in a mapping, of its key. Positions are looked up by JSON pointer only
// when an error is reported (see at); nothing is built per value for the errors a valid file
// never has.
type doc struct {
	tree *value
	// root is tree as the schema library reads it (plain JSON values), made only when the
	// verdict says the document is invalid, after the coercions of validate.
	root    any
	errs    *collector
	nodes   int
	tooDeep bool
	size    int  // bytes kept so far, see maxSize
	tooBig  bool // maxNodes or maxSize was passed: conversion stopped
	env     func(string) (string, bool)
	// reachable is Options.SiteReachable.
	reachable func(string) bool
	// stack holds the reference tokens of the value being converted: its JSON pointer,
	// spelled out only for an error.
	stack []token
	slab  []value // values are allocated from here, a chunk at a time
	// plainText is the text of the plain numbers written otherwise than their digits
	// (0x1F, 1e3), see value.plain.
	plainText map[*value]string
}

// token is one reference token of a JSON pointer: a mapping key, or a sequence index.
type token struct {
	key   string
	index int // >= 0: a sequence index
}

// kind is the JSON type of a value.
type kind uint8

const (
	kNull kind = iota
	kBool
	kString
	kNumber // s holds the number as json.Number would
	kList
	kMap
)

// value is one converted YAML value, where it came from, and for a mapping its pairs.
type value struct {
	kind kind
	b    bool
	// noPos marks a value nested too deep: converted to null, it has no position.
	noPos bool
	// plain marks an unquoted YAML scalar converted to a number or a boolean: the schema may
	// want it as a string (name: 2026), see validate. Its text is s for a boolean, and for a
	// number d.plainText[v] unless that is its digits (count: 2) (see doc.plainOf).
	plain bool
	at    spot
	s     string // a string, or a number's digits, or a boolean's text
	// fields is a mapping's pairs in order, each key once (the first definition), or a
	// list's items (val only): a value holds one slice, lists are few.
	fields []field
	index  map[string]int
}

// spot is a Pos in half the bytes, for the many values and keys of a document (a
// document's lines and columns fit 32 bits: yaml.v3 reads no text of 2 GiB).
type spot struct{ Line, Col int32 }

func spotOf(p Pos) spot { return spot{int32(p.Line), int32(p.Col)} }

func (s spot) pos() Pos { return Pos{Line: int(s.Line), Col: int(s.Col)} }

func (v *value) pos() Pos { return v.at.pos() }

// field is one pair of a mapping.
type field struct {
	key    string
	keyPos spot
	val    *value
}

// indexAt is the number of pairs above which a mapping keeps an index of its keys.
const indexAt = 16

// get returns the value of key k in v, nil when v is not a mapping or has no such key.
func (v *value) get(k string) *value {
	if f := v.field(k); f != nil {
		return f.val
	}
	return nil
}

func (v *value) field(k string) *field {
	if v == nil || v.kind != kMap {
		return nil
	}
	if v.index != nil {
		if i, ok := v.index[k]; ok {
			return &v.fields[i]
		}
		return nil
	}
	for i := range v.fields {
		if v.fields[i].key == k {
			return &v.fields[i]
		}
	}
	return nil
}

func (v *value) add(f field) {
	v.fields = append(v.fields, f)
	switch {
	case v.index != nil:
		v.index[f.key] = len(v.fields) - 1
	case len(v.fields) > indexAt:
		v.index = make(map[string]int, 2*len(v.fields))
		for i, f := range v.fields {
			v.index[f.key] = i
		}
	}
}

// str returns the string at key k of the mapping v.
func (v *value) str(k string) (string, bool) {
	if e := v.get(k); e != nil && e.kind == kString {
		return e.s, true
	}
	return "", false
}

// isKind reports whether v is a value of kind k.
func (v *value) isKind(k kind) bool { return v != nil && v.kind == k }

// sortedFields returns v's pairs sorted by key, for reading: v's own when they are (as a
// Leasefile's leases and reservations mostly are), else a sorted copy.
func (v *value) sortedFields() []field {
	if v == nil || v.kind != kMap {
		return nil
	}
	if slices.IsSortedFunc(v.fields, byKey) {
		return v.fields
	}
	out := slices.Clone(v.fields)
	slices.SortFunc(out, byKey)
	return out
}

func byKey(a, b field) int { return strings.Compare(a.key, b.key) }

// toAny returns v as the JSON values encoding/json would decode it into (json.Number for
// numbers): what the schema library and the resource queries read.
func (v *value) toAny() any {
	if v == nil {
		return nil
	}
	switch v.kind {
	case kBool:
		return v.b
	case kString:
		return v.s
	case kNumber:
		return json.Number(v.s)
	case kList:
		out := make([]any, len(v.fields))
		for i, f := range v.fields {
			out[i] = f.val.toAny()
		}
		return out
	case kMap:
		out := make(map[string]any, len(v.fields))
		for _, f := range v.fields {
			out[f.key] = f.val.toAny()
		}
		return out
	}
	return nil
}

// at finds the value at the JSON pointer ptr (tokens escaped as escapeToken does, indexes
// in decimal) and the position of the key that introduces it, if a mapping key does. v is
// nil when the document has no value there.
func (d *doc) at(ptr string) (v *value, keyPos Pos, isKey bool) {
	v = d.tree
	if ptr == "" {
		return v, Pos{}, false
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, Pos{}, false
	}
	for rest := ptr[1:]; v != nil; {
		tok, more, found := strings.Cut(rest, "/")
		switch v.kind {
		case kMap:
			key := unescapeToken(tok)
			f := v.field(key)
			if f == nil || escapeToken(key) != tok {
				return nil, Pos{}, false
			}
			v, keyPos, isKey = f.val, f.keyPos.pos(), true
		case kList:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v.fields) || strconv.Itoa(i) != tok {
				return nil, Pos{}, false
			}
			v, keyPos, isKey = v.fields[i].val, Pos{}, false
		default:
			return nil, Pos{}, false
		}
		if !found {
			return v, keyPos, isKey
		}
		rest = more
	}
	return nil, Pos{}, false
}

// ptr is the JSON pointer of the value being converted.
func (d *doc) ptr() string {
	var b strings.Builder
	for _, t := range d.stack {
		b.WriteByte('/')
		if t.index >= 0 {
			b.WriteString(strconv.Itoa(t.index))
		} else {
			b.WriteString(escapeToken(t.key))
		}
	}
	return b.String()
}

func (d *doc) newValue(k kind, p Pos) *value {
	if len(d.slab) == 0 {
		d.slab = make([]value, 256)
	}
	v := &d.slab[0]
	d.slab = d.slab[1:]
	v.kind, v.at = k, spotOf(p)
	return v
}

func posOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

// escapeToken escapes one JSON pointer reference token (RFC 6901).
func escapeToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// escapedLen is len(escapeToken(s)).
func escapedLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if s[i] == '~' || s[i] == '/' {
			n++
		}
	}
	return n
}

// dotted turns a JSON pointer into the dotted path users see: /leases/a/reservations/b/count
// becomes leases.a.reservations.b.count, array indexes in brackets.
func dotted(ptr string) string {
	if ptr == "" {
		return ""
	}
	var b strings.Builder
	for i, tok := range strings.Split(ptr[1:], "/") {
		b.WriteString(dottedToken(unescapeToken(tok), i == 0))
	}
	return b.String()
}

// dottedToken is how dotted writes the (unescaped) token tok after the path before it: a
// number in brackets, anything else after a dot; the first token as it is.
func dottedToken(tok string, first bool) string {
	switch {
	case first:
		return tok
	case isInt(tok):
		return "[" + tok + "]"
	}
	return "." + tok
}

// isInt reports whether strconv.Atoi accepts s, without the cost of its error when not.
func isInt(s string) bool {
	if s == "" || !(s[0] >= '0' && s[0] <= '9' || s[0] == '-' || s[0] == '+') {
		return false
	}
	_, err := strconv.Atoi(s)
	return err == nil
}

// child is the dotted path of key k of the value at path (as dotted writes it).
func child(path, k string) string { return path + dottedToken(k, path == "") }

func (d *doc) convert(n *yaml.Node) *value {
	return d.convertAt(n, 0, 0)
}

// How visit says a value is converted.
const (
	skipValue    = iota // not at all: the document is too big
	deepValue           // nested past maxDepth: a null without position, its contents skipped
	convertValue        // as it is
)

// visit counts the value at p, whose JSON pointer is ptrLen bytes long (d.stack holds its
// tokens), nested depth deep, against the limits, and says how it is converted. Every
// value converted goes through it, in document order, whichever reader made it.
func (d *doc) visit(p Pos, ptrLen, depth int) int {
	if d.tooBig {
		return skipValue
	}
	d.nodes++
	d.size += ptrLen
	switch {
	case d.nodes > maxNodes:
		d.tooBig = true
		d.errs.add(p, dotted(d.ptr()), fmt.Sprintf("document too large (more than %d values after expanding aliases)", maxNodes))
		return skipValue
	case d.size > maxSize:
		d.tooBig = true
		d.errs.add(p, dotted(d.ptr()), fmt.Sprintf("document too large (more than %d MiB of keys and values after expanding aliases: long keys nested deep and repeated by aliases?)", maxSize>>20))
		return skipValue
	}
	if depth > maxDepth {
		if !d.tooDeep {
			d.tooDeep = true
			d.errs.add(p, "", fmt.Sprintf("nested more than %d levels deep (an alias that refers to itself?)", maxDepth))
		}
		return deepValue
	}
	return convertValue
}

// deepNull is what a value nested past maxDepth converts to.
func (d *doc) deepNull() *value {
	v := d.newValue(kNull, Pos{})
	v.noPos = true
	return v
}

// convertAt converts n, whose JSON pointer is ptrLen bytes long (d.stack holds its tokens).
func (d *doc) convertAt(n *yaml.Node, ptrLen, depth int) *value {
	p := posOf(n)
	switch d.visit(p, ptrLen, depth) {
	case skipValue:
		return nil
	case deepValue:
		return d.deepNull()
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return d.newValue(kNull, p)
		}
		return d.convertAt(n.Content[0], ptrLen, depth)
	case yaml.AliasNode:
		if n.Alias == nil {
			return d.newValue(kNull, p)
		}
		return d.convertAt(n.Alias, ptrLen, depth)
	case yaml.SequenceNode:
		out := d.newValue(kList, p)
		out.fields = make([]field, 0, len(n.Content))
		for i, c := range n.Content {
			if d.tooBig {
				break
			}
			d.stack = append(d.stack, token{index: i})
			out.fields = append(out.fields, field{val: d.convertAt(c, ptrLen+1+digits(i), depth+1)})
			d.stack = d.stack[:len(d.stack)-1]
		}
		return out
	case yaml.MappingNode:
		out := d.newValue(kMap, p)
		out.fields = make([]field, 0, len(n.Content)/2)
		d.mapping(n, ptrLen, out, false, depth)
		return out
	case yaml.ScalarNode:
		return d.scalar(n, p)
	}
	return d.newValue(kNull, p)
}

// digits is len(strconv.Itoa(i)) for i >= 0.
func digits(i int) int {
	n := 1
	for ; i >= 10; i /= 10 {
		n++
	}
	return n
}

// mapping converts the pairs of n into out. Merge keys (<<) add the pairs of the merged
// mappings that the mapping does not set itself, as YAML specifies.
func (d *doc) mapping(n *yaml.Node, ptrLen int, out *value, merged bool, depth int) {
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content) && !d.tooBig; i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.errs.add(posOf(k), dotted(d.ptr()), "mapping keys must be plain strings")
			continue
		}
		key := k.Value
		if d.refuseKey(key, posOf(k), out.field, merged) {
			continue
		}
		out.add(field{key: key, keyPos: spotOf(posOf(k))})
		at := len(out.fields) - 1
		d.stack = append(d.stack, token{key: key, index: -1})
		val := d.convertAt(v, ptrLen+1+escapedLen(key), depth+1)
		d.stack = d.stack[:len(d.stack)-1]
		out.fields[at].val = val
	}
	for _, m := range merges {
		for m.Kind == yaml.AliasNode && m.Alias != nil {
			m = m.Alias
		}
		switch m.Kind {
		case yaml.MappingNode:
			d.mapping(m, ptrLen, out, true, depth+1)
		case yaml.SequenceNode:
			for _, c := range m.Content {
				if d.tooBig {
					break
				}
				for c.Kind == yaml.AliasNode && c.Alias != nil {
					c = c.Alias
				}
				if c.Kind == yaml.MappingNode {
					d.mapping(c, ptrLen, out, true, depth+1)
				}
			}
		default:
			d.errs.add(posOf(m), dotted(d.ptr()), "a merge key (<<) must name a mapping")
		}
	}
}

// refuseKey reports key, at keyPos, when its mapping cannot take it: longer than
// maxKeyBytes, or a key the mapping has already (in find, which looks the mapping's keys
// up); in a merged mapping, whose own keys win, that is no error. The value of a refused
// key is not converted.
func (d *doc) refuseKey(key string, keyPos Pos, find func(string) *field, merged bool) bool {
	if len(key) > maxKeyBytes {
		d.errs.add(keyPos, dotted(d.ptr()), fmt.Sprintf("key %s is %d bytes long: keys are at most %d", quote(key), len(key), maxKeyBytes))
		return true
	}
	if prev := find(key); prev != nil {
		if !merged {
			d.errs.add(keyPos, dotted(d.ptr()+"/"+escapeToken(key)),
				fmt.Sprintf("duplicate key %s (first defined at line %d, column %d)", quote(key), prev.keyPos.Line, prev.keyPos.Col))
		}
		return true
	}
	return false
}

func (d *doc) scalar(n *yaml.Node, p Pos) *value {
	return d.scalarOf(n.Value, n.ShortTag(), n.Style, p)
}

// scalarOf converts the scalar value at p, which YAML resolved to tag (short form) and
// wrote in style.
func (d *doc) scalarOf(value, tag string, style yaml.Style, p Pos) *value {
	if tag == "!!str" || tag == "!!timestamp" {
		if strings.Contains(value, "$") {
			expanded, err := expand(value, d.env)
			if err != nil {
				d.errs.add(p, dotted(d.ptr()), err.Error())
				return d.text(value, p)
			}
			if d.size += len(expanded); d.size > maxSize {
				d.tooBig = true
				d.errs.add(p, dotted(d.ptr()), fmt.Sprintf("document too large (more than %d MiB of keys and values after expanding aliases and ${VAR})", maxSize>>20))
				return nil
			}
			if expanded != value && style == 0 {
				// An unquoted ${COUNT} stands for what it expands to: count: ${N} is a number.
				var re yaml.Node
				if yaml.Unmarshal([]byte(expanded), &re) == nil && len(re.Content) == 1 &&
					re.Content[0].Kind == yaml.ScalarNode {
					tag = re.Content[0].ShortTag()
				} else {
					tag = "!!str"
				}
			}
			value = expanded
		}
	}
	// The tag says what yaml.v3 resolved the scalar to; strconv reads the few forms it
	// accepts (0x, 0o, 0b, exponents), far cheaper than a YAML parse per scalar.
	switch tag {
	case "!!null":
		return d.newValue(kNull, p)
	case "!!bool":
		v := d.newValue(kBool, p)
		v.b, v.s, v.plain = strings.EqualFold(value, "true"), value, true
		return v
	case "!!int":
		if canonicalInt(value) {
			return d.number(value, value, p)
		}
		if i, err := strconv.ParseInt(strings.Replace(value, "0o", "0", 1), 0, 64); err == nil {
			return d.number(strconv.FormatInt(i, 10), value, p)
		}
		// Too large for int64: still a whole number, which the range checks report as one.
		if len(value) <= maxNumberDigits {
			if i, ok := new(big.Int).SetString(strings.Replace(value, "0o", "0", 1), 0); ok {
				return d.number(i.String(), value, p)
			}
		}
		v := d.text(value, p)
		v.plain = true
		return v
	case "!!float":
		// yaml.v3 resolves a decimal integer beyond 64 bits as a float: keep its digits.
		if len(value) <= maxNumberDigits && isDecimal(value) {
			if i, ok := new(big.Int).SetString(value, 10); ok {
				return d.number(i.String(), value, p)
			}
		}
		if f, err := strconv.ParseFloat(value, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return d.number(strconv.FormatFloat(f, 'g', -1, 64), value, p)
		}
	}
	// Strings, timestamps (kept as written: the schema wants strings and spec parses times
	// itself), binary and anything else.
	return d.text(value, p)
}

func (d *doc) text(s string, p Pos) *value {
	v := d.newValue(kString, p)
	v.s = s
	return v
}

func (d *doc) number(digits, plain string, p Pos) *value {
	v := d.newValue(kNumber, p)
	v.s, v.plain = digits, true
	if plain != digits {
		if d.plainText == nil {
			d.plainText = map[*value]string{}
		}
		d.plainText[v] = plain
	}
	return v
}

// plainOf is the text of the plain scalar v (see value.plain).
func (d *doc) plainOf(v *value) string {
	if t, ok := d.plainText[v]; ok {
		return t
	}
	return v.s
}

// canonicalInt reports whether s is a decimal int64 written as strconv.FormatInt writes it.
func canonicalInt(s string) bool {
	d := strings.TrimPrefix(s, "-")
	if d == "" || len(d) > 18 || (d[0] == '0' && len(d) > 1) || (d == "0" && len(s) > 1) {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

// expand replaces ${VAR} and ${VAR:-default} with values from the environment. $${ stands
// for a literal ${. A lone $ (as in "$node_type") is left alone.
func expand(s string, lookup func(string) (string, bool)) (string, error) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "$${") {
			b.WriteString("${")
			i += 3
			continue
		}
		if !strings.HasPrefix(s[i:], "${") {
			b.WriteByte(s[i])
			i++
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return s, fmt.Errorf("unterminated ${ in %s (write $${ for a literal ${)", quote(s))
		}
		expr := s[i+2 : i+end]
		name, def, hasDef := strings.Cut(expr, ":-")
		if !validEnvName(name) {
			return s, fmt.Errorf("invalid variable name %s in ${%s}", quote(name), clip(expr))
		}
		if len(name) > maxKeyBytes {
			return s, fmt.Errorf("variable name %s is %d bytes long: at most %d", quote(name), len(name), maxKeyBytes)
		}
		if credentialName(name) {
			return s, secretError(name)
		}
		v, ok := lookup(name)
		switch {
		case hasDef && v == "":
			v = def
		case !ok:
			return s, fmt.Errorf("environment variable %s is not set (use ${%s:-default} to give a default)", name, name)
		}
		if k := leakedSecret(v, lookup); k != "" {
			return s, fmt.Errorf("${%s} holds the value of %s, a credential: leasefile never expands secrets", name, k)
		}
		b.WriteString(v)
		i += end + 1
	}
	return b.String(), nil
}

// maxNumberDigits bounds the digits of a whole number read exactly: enough for any range
// error to quote it, small enough that a huge literal costs nothing.
const maxNumberDigits = 64

// isDecimal reports whether s is an optionally signed run of decimal digits.
func isDecimal(s string) bool {
	s = strings.TrimLeft(s, "+-")
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// list returns the items of v, nil when v is not a list; an item that is not a mapping is
// nil.
func (v *value) list() []*value {
	if !v.isKind(kList) {
		return nil
	}
	out := make([]*value, len(v.fields))
	for i, f := range v.fields {
		if f.val.isKind(kMap) {
			out[i] = f.val
		}
	}
	return out
}
