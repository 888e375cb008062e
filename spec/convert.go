package spec

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the work done on one document, so that alias bombs ("billion laughs")
// fail with an error instead of eating memory.
const maxNodes = 250_000

// maxDepth bounds nesting, which also stops self-referencing aliases (&a [*a]).
const maxDepth = 64

// maxSize bounds the bytes conversion keeps after expanding aliases: the JSON pointer of every
// value (kept for positions, and as long as the keys above it), every key and every string
// ${VAR} expansion made. A few deep, long keys aliased a few hundred times stay under
// maxNodes and still cost gigabytes without it.
const maxSize = 16 << 20

// maxKeyBytes bounds one mapping key. No key of the format comes near it.
const maxKeyBytes = 256

// MaxFileBytes is the largest Leasefile read: a thousand leases take about 150 KB.
const MaxFileBytes = 8 << 20

// doc is a Leasefile converted to JSON values, with the YAML position of every value (by JSON
// pointer) and of every mapping key (by the pointer of the value it introduces).
type doc struct {
	root   any
	values map[string]Pos
	keys   map[string]Pos
	// plain records pointers of unquoted YAML scalars that were converted to numbers or
	// booleans: the schema may want them as strings (name: 2026), see coerce.
	plain   map[string]string
	errs    *collector
	nodes   int
	tooDeep bool
	size    int  // bytes kept so far, see maxSize
	tooBig  bool // maxNodes or maxSize was passed: conversion stopped
	env     func(string) (string, bool)
	// reachable is Options.SiteReachable.
	reachable func(string) bool
}

func posOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

// escapeToken escapes one JSON pointer reference token (RFC 6901).
func escapeToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// dotted turns a JSON pointer into the dotted path users see: /leases/a/reservations/b/count
// becomes leases.a.reservations.b.count, array indexes in brackets.
func dotted(ptr string) string {
	if ptr == "" {
		return ""
	}
	var b strings.Builder
	for i, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		if _, err := strconv.Atoi(tok); err == nil && i > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

func (d *doc) convert(n *yaml.Node, ptr string) any {
	return d.convertAt(n, ptr, 0)
}

func (d *doc) convertAt(n *yaml.Node, ptr string, depth int) any {
	if d.tooBig {
		return nil
	}
	d.nodes++
	d.size += len(ptr)
	switch {
	case d.nodes > maxNodes:
		d.tooBig = true
		d.errs.add(posOf(n), dotted(ptr), fmt.Sprintf("document too large (more than %d values after expanding aliases)", maxNodes))
		return nil
	case d.size > maxSize:
		d.tooBig = true
		d.errs.add(posOf(n), dotted(ptr), fmt.Sprintf("document too large (more than %d MiB of keys and values after expanding aliases: long keys nested deep and repeated by aliases?)", maxSize>>20))
		return nil
	}
	if depth > maxDepth {
		if !d.tooDeep {
			d.tooDeep = true
			d.errs.add(posOf(n), "", fmt.Sprintf("nested more than %d levels deep (an alias that refers to itself?)", maxDepth))
		}
		return nil
	}
	d.values[ptr] = posOf(n)
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return d.convertAt(n.Content[0], ptr, depth)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil
		}
		return d.convertAt(n.Alias, ptr, depth)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			if d.tooBig {
				break
			}
			out = append(out, d.convertAt(c, ptr+"/"+strconv.Itoa(i), depth+1))
		}
		return out
	case yaml.MappingNode:
		out := map[string]any{}
		seen := map[string]*yaml.Node{}
		d.mapping(n, ptr, out, seen, false, depth)
		return out
	case yaml.ScalarNode:
		return d.scalar(n, ptr)
	}
	return nil
}

// mapping converts the pairs of n into out. Merge keys (<<) add the pairs of the merged
// mappings that the mapping does not set itself, as YAML specifies.
func (d *doc) mapping(n *yaml.Node, ptr string, out map[string]any, seen map[string]*yaml.Node, merged bool, depth int) {
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content) && !d.tooBig; i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.errs.add(posOf(k), dotted(ptr), "mapping keys must be plain strings")
			continue
		}
		key := k.Value
		if len(key) > maxKeyBytes {
			d.errs.add(posOf(k), dotted(ptr), fmt.Sprintf("key %s is %d bytes long: keys are at most %d", quote(key), len(key), maxKeyBytes))
			continue
		}
		if prev, dup := seen[key]; dup {
			if !merged {
				d.errs.add(posOf(k), dotted(ptr+"/"+escapeToken(key)),
					fmt.Sprintf("duplicate key %s (first defined at line %d, column %d)", quote(key), prev.Line, prev.Column))
			}
			continue
		}
		seen[key] = k
		vp := ptr + "/" + escapeToken(key)
		d.keys[vp] = posOf(k)
		out[key] = d.convertAt(v, vp, depth+1)
	}
	for _, m := range merges {
		for m.Kind == yaml.AliasNode && m.Alias != nil {
			m = m.Alias
		}
		switch m.Kind {
		case yaml.MappingNode:
			d.mapping(m, ptr, out, seen, true, depth+1)
		case yaml.SequenceNode:
			for _, c := range m.Content {
				if d.tooBig {
					break
				}
				for c.Kind == yaml.AliasNode && c.Alias != nil {
					c = c.Alias
				}
				if c.Kind == yaml.MappingNode {
					d.mapping(c, ptr, out, seen, true, depth+1)
				}
			}
		default:
			d.errs.add(posOf(m), dotted(ptr), "a merge key (<<) must name a mapping")
		}
	}
}

func (d *doc) scalar(n *yaml.Node, ptr string) any {
	value, tag := n.Value, n.ShortTag()
	if tag == "!!str" || tag == "!!timestamp" {
		if strings.Contains(value, "$") {
			expanded, err := expand(value, d.env)
			if err != nil {
				d.errs.add(posOf(n), dotted(ptr), err.Error())
				return value
			}
			if d.size += len(expanded); d.size > maxSize {
				d.tooBig = true
				d.errs.add(posOf(n), dotted(ptr), fmt.Sprintf("document too large (more than %d MiB of keys and values after expanding aliases and ${VAR})", maxSize>>20))
				return nil
			}
			if expanded != value && n.Style == 0 {
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
		return nil
	case "!!bool":
		d.plain[ptr] = value
		return strings.EqualFold(value, "true")
	case "!!int":
		d.plain[ptr] = value
		if i, err := strconv.ParseInt(strings.Replace(value, "0o", "0", 1), 0, 64); err == nil {
			return json.Number(strconv.FormatInt(i, 10))
		}
		// Too large for int64: still a whole number, which the range checks report as one.
		if len(value) > maxNumberDigits {
			return value
		}
		if i, ok := new(big.Int).SetString(strings.Replace(value, "0o", "0", 1), 0); ok {
			return json.Number(i.String())
		}
		return value
	case "!!float":
		// yaml.v3 resolves a decimal integer beyond 64 bits as a float: keep its digits.
		if len(value) <= maxNumberDigits && isDecimal(value) {
			if i, ok := new(big.Int).SetString(value, 10); ok {
				d.plain[ptr] = value
				return json.Number(i.String())
			}
		}
		if f, err := strconv.ParseFloat(value, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			d.plain[ptr] = value
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		}
	}
	// Strings, timestamps (kept as written: the schema wants strings and spec parses times
	// itself), binary and anything else.
	return value
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
