package spec

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// The verdict: the Leasefile schema compiled into a check that answers only "valid or not".
// The jsonschema library builds a location string, a map and an error value for every keyword
// it evaluates, failed `if`s included: 42 us per lease, a quarter of a 1,000-lease plan's CPU.
// Nearly every Leasefile a plan reads is valid, so validate asks the verdict first and calls
// the library, which finds and words the errors, only when the verdict is "invalid". The
// verdict is never more lenient than the library: where draft-07 leaves a choice (the
// siblings of a $ref) it takes the stricter reading, which at worst sends a document to the
// library; elsewhere it reads as the library does (1.0 and 1e3 are integers). It compiles only the keywords the
// schema uses; one it does not know makes compileVerdict fail, and a test holds the embedded
// schema to compiling. In tests every validation runs both and panics when they disagree.

// vnode is one compiled schema object.
type vnode struct {
	types      []string // "type"; nil: any
	ref        string   // "$ref", resolved through refs after compiling
	props      map[string]*vnode
	noExtra    bool   // additionalProperties: false
	extra      *vnode // additionalProperties as a schema
	required   []string
	names      *vnode // propertyNames
	minProps   int
	items      *vnode
	minLength  int
	match      func(string) bool // "pattern": the regexp's MatchString, or a faster equivalent
	enum       []any             // const is an enum of one
	hasEnum    bool
	min, max   *big.Rat
	allOf      []*vnode
	ifS, thenS *vnode
	elseS      *vnode
	refs       map[string]*vnode // shared by all nodes of one schema
}

// ignoredKeywords annotate and never change a verdict.
var ignoredKeywords = map[string]bool{"description": true, "title": true, "$schema": true, "$id": true, "$defs": true, "$comment": true, "default": true, "examples": true}

// compileVerdict compiles the schema document (as encoding/json decodes it).
func compileVerdict(doc any) (*vnode, error) {
	refs := map[string]*vnode{}
	root, err := compileNode(doc, "#", refs)
	if err != nil {
		return nil, err
	}
	refs["#"] = root
	var check func(n *vnode, seen map[*vnode]bool) error
	check = func(n *vnode, seen map[*vnode]bool) error {
		if n == nil || seen[n] {
			return nil
		}
		seen[n] = true
		if n.ref != "" {
			target, err := resolveRef(doc, n.ref, refs)
			if err != nil {
				return err
			}
			if err := check(target, seen); err != nil {
				return err
			}
		}
		for _, c := range n.children() {
			if err := check(c, seen); err != nil {
				return err
			}
		}
		return nil
	}
	return root, check(root, map[*vnode]bool{})
}

func (n *vnode) children() []*vnode {
	out := []*vnode{n.extra, n.names, n.items, n.ifS, n.thenS, n.elseS}
	for _, p := range n.props {
		out = append(out, p)
	}
	return append(out, n.allOf...)
}

// resolveRef compiles the local JSON pointer ref ("#/$defs/lease") once.
func resolveRef(doc any, ref string, refs map[string]*vnode) (*vnode, error) {
	if n, ok := refs[ref]; ok {
		return n, nil
	}
	ptr, ok := strings.CutPrefix(ref, "#")
	if !ok || (ptr != "" && !strings.HasPrefix(ptr, "/")) {
		return nil, fmt.Errorf("verdict: $ref %q is not a local JSON pointer", ref)
	}
	v := doc
	for _, tok := range strings.Split(ptr, "/")[1:] {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("verdict: $ref %q points nowhere", ref)
		}
		if v, ok = m[unescapeToken(tok)]; !ok {
			return nil, fmt.Errorf("verdict: $ref %q points nowhere", ref)
		}
	}
	n, err := compileNode(v, ref, refs)
	if err != nil {
		return nil, err
	}
	refs[ref] = n
	return n, nil
}

func compileNode(v any, at string, refs map[string]*vnode) (*vnode, error) {
	if b, ok := v.(bool); ok {
		if b {
			return &vnode{refs: refs}, nil
		}
		return &vnode{refs: refs, hasEnum: true}, nil // false: an empty enum, nothing is valid
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("verdict: %s: a schema is an object or a boolean", at)
	}
	n := &vnode{refs: refs}
	sub := func(key string) (*vnode, error) { return compileNode(m[key], at+"/"+key, refs) }
	var err error
	for key, val := range m {
		switch key {
		case "type":
			switch t := val.(type) {
			case string:
				n.types = []string{t}
			case []any:
				for _, e := range t {
					s, _ := e.(string)
					n.types = append(n.types, s)
				}
			}
		case "$ref":
			n.ref, _ = val.(string)
		case "properties":
			props, _ := val.(map[string]any)
			n.props = map[string]*vnode{}
			for name, ps := range props {
				if n.props[name], err = compileNode(ps, at+"/properties/"+name, refs); err != nil {
					return nil, err
				}
			}
		case "additionalProperties":
			if b, ok := val.(bool); ok {
				n.noExtra = !b
			} else if n.extra, err = sub(key); err != nil {
				return nil, err
			}
		case "required":
			for _, e := range val.([]any) {
				n.required = append(n.required, e.(string))
			}
		case "propertyNames":
			n.names, err = sub(key)
		case "items":
			n.items, err = sub(key) // a list of schemas (tuple form) is not an object: refused
		case "minProperties":
			n.minProps = int(val.(float64))
		case "minLength":
			n.minLength = int(val.(float64))
		case "pattern":
			var re *regexp.Regexp
			if re, err = regexp.Compile(val.(string)); err == nil {
				n.match = re.MatchString
				if m := classPattern(val.(string)); m != nil {
					n.match = m
				}
			}
		case "enum":
			n.enum, n.hasEnum = val.([]any), true
		case "const":
			n.enum, n.hasEnum = []any{val}, true
		case "minimum", "maximum":
			r, ok := new(big.Rat).SetString(fmt.Sprint(val))
			if !ok {
				return nil, fmt.Errorf("verdict: %s/%s: not a number", at, key)
			}
			if key == "minimum" {
				n.min = r
			} else {
				n.max = r
			}
		case "allOf":
			for i, e := range val.([]any) {
				c, err := compileNode(e, fmt.Sprintf("%s/allOf/%d", at, i), refs)
				if err != nil {
					return nil, err
				}
				n.allOf = append(n.allOf, c)
			}
		case "if":
			n.ifS, err = sub(key)
		case "then":
			n.thenS, err = sub(key)
		case "else":
			n.elseS, err = sub(key)
		default:
			if !ignoredKeywords[key] {
				return nil, fmt.Errorf("verdict: %s: keyword %q is not compiled", at, key)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return n, nil
}

// valid reports whether v satisfies n. v is what convert produces.
func (n *vnode) valid(v *value) bool {
	if n.ref != "" && !n.refs[n.ref].valid(v) {
		return false
	}
	if n.types != nil && !n.hasType(v) {
		return false
	}
	if n.hasEnum && !n.inEnum(v) {
		return false
	}
	switch v.kind {
	case kMap:
		if !n.validObject(v) {
			return false
		}
	case kList:
		if n.items != nil {
			for _, f := range v.fields {
				if !n.items.valid(f.val) {
					return false
				}
			}
		}
	case kString:
		if n.minLength > 0 && utf8.RuneCountInString(v.s) < n.minLength {
			return false
		}
		if n.match != nil && !n.match(v.s) {
			return false
		}
	case kNumber:
		if n.min != nil || n.max != nil {
			r, ok := numberRat(json.Number(v.s))
			if !ok || (n.min != nil && r.Cmp(n.min) < 0) || (n.max != nil && r.Cmp(n.max) > 0) {
				return false
			}
		}
	}
	for _, c := range n.allOf {
		if !c.valid(v) {
			return false
		}
	}
	if n.ifS != nil {
		if n.ifS.valid(v) {
			return n.thenS == nil || n.thenS.valid(v)
		}
		return n.elseS == nil || n.elseS.valid(v)
	}
	return true
}

func (n *vnode) hasType(v *value) bool {
	for _, t := range n.types {
		if isType(v, t) {
			return true
		}
	}
	return false
}

func (n *vnode) inEnum(v *value) bool {
	for _, e := range n.enum {
		if jsonEqual(e, v) {
			return true
		}
	}
	return false
}

func (n *vnode) validObject(m *value) bool {
	if len(m.fields) < n.minProps {
		return false
	}
	for _, r := range n.required {
		if m.field(r) == nil {
			return false
		}
	}
	for i := range m.fields {
		k, e := m.fields[i].key, m.fields[i].val
		if n.names != nil && !n.names.validKey(k) {
			return false
		}
		if p, ok := n.props[k]; ok {
			if !p.valid(e) {
				return false
			}
			continue
		}
		if n.noExtra || (n.extra != nil && !n.extra.valid(e)) {
			return false
		}
	}
	return true
}

// validKey is valid for a mapping key, a string. A schema of only a type, a minLength and a
// pattern (as the key schemas are) is checked on the key itself, as valid checks a string,
// without a value made for each key; any other is asked of valid.
func (n *vnode) validKey(k string) bool {
	if n.ref != "" || n.hasEnum || n.allOf != nil || n.ifS != nil {
		return n.validKeyValue(k)
	}
	if n.types != nil && !slices.Contains(n.types, "string") {
		return false
	}
	if n.minLength > 0 && utf8.RuneCountInString(k) < n.minLength {
		return false
	}
	return n.match == nil || n.match(k)
}

// validKeyValue is validKey through valid, for any schema.
func (n *vnode) validKeyValue(k string) bool {
	v := value{kind: kString, s: k}
	return n.valid(&v)
}

// classPattern returns a matcher for a pattern of the form ^[first][rest]*$, whose classes
// list ASCII letters, digits, '_' and ranges of them, and '-' last (the key patterns); nil
// for any other pattern, which the regexp matches. TestClassPattern holds it to the regexp.
func classPattern(p string) func(string) bool {
	first, rest, ok := strings.Cut(strings.TrimPrefix(p, "^"), "]")
	if !ok || !strings.HasPrefix(p, "^[") || !strings.HasPrefix(rest, "[") || !strings.HasSuffix(rest, "]*$") {
		return nil
	}
	a, b := classSet(first[1:]), classSet(rest[1:len(rest)-3])
	if a == nil || b == nil {
		return nil
	}
	return func(s string) bool {
		if s == "" || s[0] >= 128 || !a[s[0]] {
			return false
		}
		for i := 1; i < len(s); i++ {
			if s[i] >= 128 || !b[s[i]] {
				return false
			}
		}
		return true
	}
}

// classSet is the set of bytes a bracket expression's content c lists; nil when c holds
// anything but ASCII letters, digits, '_', ranges of them and a final '-'.
func classSet(c string) *[128]bool {
	var set [128]bool
	alnum := func(x byte) bool { return x >= 'a' && x <= 'z' || x >= 'A' && x <= 'Z' || x >= '0' && x <= '9' }
	if c == "" {
		return nil
	}
	for i := 0; i < len(c); i++ {
		switch x := c[i]; {
		case i+2 < len(c) && c[i+1] == '-' && alnum(x) && alnum(c[i+2]) && x <= c[i+2]:
			for y := x; y <= c[i+2]; y++ {
				set[y] = true
			}
			i += 2
		case alnum(x) || x == '_' || (x == '-' && i == len(c)-1):
			set[x] = true
		default:
			return nil
		}
	}
	return &set
}

// numberRat is n as an exact rational, as the library reads it; false for a number whose
// exponent would make that costly (the library then decides).
func numberRat(n json.Number) (*big.Rat, bool) {
	s := string(n)
	if i := strings.IndexAny(s, "eE"); i >= 0 && len(s)-i > 4 {
		return nil, false
	}
	return new(big.Rat).SetString(s)
}

// isType is draft-07's type test, as the library applies it: an integer is a number with no
// fractional part (1.0 and 1e3 are integers).
func isType(v *value, t string) bool {
	switch v.kind {
	case kNull:
		return t == "null"
	case kBool:
		return t == "boolean"
	case kString:
		return t == "string"
	case kNumber:
		if t == "number" {
			return true
		}
		if t != "integer" {
			return false
		}
		if s := strings.TrimPrefix(v.s, "-"); s != "" && strings.Trim(s, "0123456789") == "" {
			return true
		}
		r, ok := numberRat(json.Number(v.s))
		return ok && r.IsInt()
	case kList:
		return t == "array"
	case kMap:
		return t == "object"
	}
	return false
}

// jsonEqual compares a schema value (as encoding/json decodes it) with an instance value.
func jsonEqual(schemaVal any, v *value) bool {
	switch s := schemaVal.(type) {
	case string:
		return v.kind == kString && v.s == s
	case bool:
		return v.kind == kBool && v.b == s
	case nil:
		return v.kind == kNull
	case float64:
		if v.kind != kNumber {
			return false
		}
		a, okA := numberRat(json.Number(v.s))
		b, okB := new(big.Rat).SetString(fmt.Sprint(s))
		return okA && okB && a.Cmp(b) == 0
	}
	return false // arrays and objects in an enum: not used by the schema, never equal here
}

var (
	verdictOnce sync.Once
	verdictRoot *vnode
	verdictErr  error
)

// validVerdict reports whether root is certainly valid; false sends it to the library.
func validVerdict(root *value) bool {
	verdictOnce.Do(func() {
		doc, err := loadSchemaDoc()
		if err != nil {
			verdictErr = err
			return
		}
		verdictRoot, verdictErr = compileVerdict(doc)
	})
	return verdictErr == nil && verdictRoot.valid(root)
}

// testOnlyVerdictChecked makes every validation ask the library too and panic when the two disagree
// (set by the package's tests, so that every document they parse checks the verdict).
var testOnlyVerdictChecked bool
