package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Query is a Blazar resource query as JSON values: a triple [op, "$key", "value"], or
// ["and", triple, ...], or empty for no constraint.
type Query []any

var operators = map[string]bool{"==": true, "=": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

// queryProblem is one mistake in a query, at the element it concerns (an index path below
// the query, e.g. [1 2] for the third element of the second sub-query).
type queryProblem struct {
	at  []int
	msg string
}

// checkQuery reports every way q is not a query Blazar accepts.
func checkQuery(q []any) []queryProblem {
	if len(q) == 0 {
		return nil
	}
	if s, ok := q[0].(string); ok && s == "and" {
		if len(q) < 2 {
			return []queryProblem{{msg: `"and" needs at least one sub-query, e.g. ["and", ["==", "$a", "x"], ["==", "$b", "y"]]`}}
		}
		var out []queryProblem
		for i, sub := range q[1:] {
			list, ok := sub.([]any)
			if !ok {
				out = append(out, queryProblem{at: []int{i + 1}, msg: `each sub-query of "and" must be a list [op, "$key", "value"]`})
				continue
			}
			for _, p := range checkTriple(list) {
				out = append(out, queryProblem{at: append([]int{i + 1}, p.at...), msg: p.msg})
			}
		}
		return out
	}
	return checkTriple(q)
}

func checkTriple(t []any) []queryProblem {
	if len(t) != 3 {
		return []queryProblem{{msg: fmt.Sprintf(`a query is [op, "$key", "value"] or ["and", ...]; this one has %d elements`, len(t))}}
	}
	var out []queryProblem
	for i, el := range t {
		if _, ok := el.(string); !ok {
			out = append(out, queryProblem{at: []int{i}, msg: fmt.Sprintf("Blazar requires strings in resource queries: write %s", quotedTriple(t))})
			return out
		}
	}
	op, key, val := t[0].(string), t[1].(string), t[2].(string)
	if !operators[op] {
		out = append(out, queryProblem{at: []int{0}, msg: fmt.Sprintf("unknown operator %s: use one of == = != < <= > >=", quote(op))})
	}
	if !strings.HasPrefix(key, "$") || len(key) < 2 {
		out = append(out, queryProblem{at: []int{1}, msg: fmt.Sprintf("property %s must start with $, e.g. \"$%s\"", quote(key), clip(strings.TrimPrefix(key, "$")))})
	}
	if val == "" {
		out = append(out, queryProblem{at: []int{2}, msg: "the value must not be empty"})
	}
	return out
}

// quotedTriple shows t with every element as a string, the form Blazar accepts.
func quotedTriple(t []any) string {
	parts := make([]string, len(t))
	for i, el := range t {
		var s string
		switch v := el.(type) {
		case string:
			s = v
		case json.Number:
			s = string(v)
		default:
			s = fmt.Sprint(v)
		}
		parts[i] = quote(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Combine joins a raw user query with the constraints of friendly fields the way python-chi
// does, so that leasefile sends what a notebook would: one constraint alone, several under
// "and", a user "and" extended in place, nothing as [].
func Combine(user []any, extra ...[]any) Query {
	switch {
	case len(user) == 0 && len(extra) == 0:
		return Query{}
	case len(user) == 0 && len(extra) == 1:
		return Query(extra[0])
	case len(user) == 0:
		q := Query{"and"}
		for _, e := range extra {
			q = append(q, e)
		}
		return q
	case len(extra) == 0:
		return Query(user)
	}
	var q Query
	if s, ok := user[0].(string); ok && s == "and" {
		q = append(q, user...)
	} else {
		q = Query{"and", user}
	}
	for _, e := range extra {
		q = append(q, e)
	}
	return q
}

// Encode renders the query as the JSON string Blazar stores, formatted like Python's
// json.dumps (", " separators) so requests match what python-chi sends.
func (q Query) Encode() string {
	var b strings.Builder
	b.Grow(64) // a constraint or two: one allocation
	encodeValue(&b, []any(q))
	return b.String()
}

func encodeValue(b *strings.Builder, v any) {
	switch v := v.(type) {
	case []any:
		b.WriteByte('[')
		for i, el := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			encodeValue(b, el)
		}
		b.WriteByte(']')
	case Query:
		encodeValue(b, []any(v))
	case string:
		if plainJSON(v) {
			b.WriteByte('"')
			b.WriteString(v)
			b.WriteByte('"')
			return
		}
		encodeJSON(b, v)
	default:
		encodeJSON(b, v)
	}
}

// plainJSON reports whether encoding/json writes s as it is between quotes (HTML escaping
// off): printable ASCII without '"' or '\\', the strings queries are made of.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// encodeJSON writes v as encoding/json does, without HTML escaping.
func encodeJSON(b *strings.Builder, v any) {
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // strings and numbers cannot fail
	b.Write(out.Bytes()[:out.Len()-1])
}

// ParseQuery decodes a query string as Blazar stores it ("" and "[]" mean no constraint).
func ParseQuery(s string) (Query, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Query{}, nil
	}
	if q, rest, ok := simpleArray(s, 0); ok && strings.TrimLeft(rest, " \t\r\n") == "" {
		return Query(q), nil
	}
	var q []any
	if err := json.Unmarshal([]byte(s), &q); err != nil {
		return nil, fmt.Errorf("malformed resource query %s: %w", quote(s), err)
	}
	return Query(q), nil
}

// simpleArray reads the JSON array at the start of s when it holds only strings of
// printable ASCII without escapes and such arrays, as json.Unmarshal would into []any (the
// queries Blazar stores); ok is false for anything else, which json.Unmarshal then reads.
// rest is what follows the array. TestParseQueryAsJSON holds it to json.Unmarshal.
func simpleArray(s string, depth int) (out []any, rest string, ok bool) {
	s = strings.TrimLeft(s, " \t\r\n")
	if depth > 16 || !strings.HasPrefix(s, "[") {
		return nil, "", false
	}
	s = strings.TrimLeft(s[1:], " \t\r\n")
	out = []any{}
	if strings.HasPrefix(s, "]") {
		return out, s[1:], true
	}
	for {
		switch {
		case strings.HasPrefix(s, `"`):
			end := strings.IndexByte(s[1:], '"')
			if end < 0 || !plainJSON(s[1:1+end]) {
				return nil, "", false
			}
			out = append(out, s[1:1+end])
			s = s[2+end:]
		case strings.HasPrefix(s, "["):
			var sub []any
			if sub, s, ok = simpleArray(s, depth+1); !ok {
				return nil, "", false
			}
			out = append(out, sub)
		default:
			return nil, "", false
		}
		s = strings.TrimLeft(s, " \t\r\n")
		switch {
		case strings.HasPrefix(s, "]"):
			return out, s[1:], true
		case strings.HasPrefix(s, ","):
			s = strings.TrimLeft(s[1:], " \t\r\n")
		default:
			return nil, "", false
		}
	}
}

// Equal reports whether two queries ask for the same thing: "=" and "==" are one operator,
// and the order of the sub-queries of "and" does not matter.
func (q Query) Equal(o Query) bool {
	return sameStrings(q, o) || q.canonical() == o.canonical()
}

// sameStrings reports whether a and b hold the same strings and lists of them, in the same
// order: then their canonical forms are the same too.
func sameStrings(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		switch x := a[i].(type) {
		case string:
			if y, ok := b[i].(string); !ok || x != y {
				return false
			}
		case []any:
			if y, ok := b[i].([]any); !ok || !sameStrings(x, y) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// EqualEncoded reports whether s, a query as Blazar stores it, decodes (ParseQuery) into a
// query Equal to q. A query of lists and plain strings decodes from its own Encode exactly
// as it is, so that string needs no decoding.
func (q Query) EqualEncoded(s string) bool {
	if plainQuery(q) && encodesAs(q, s) {
		return true
	}
	have, err := ParseQuery(s)
	return err == nil && q.Equal(have)
}

// encodesAs reports whether q.Encode() == s for a plainQuery q, comparing as it goes
// instead of writing the encoding.
func encodesAs(q []any, s string) bool {
	rest, ok := encodedPrefix(q, s)
	return ok && rest == ""
}

// encodedPrefix matches what encodeValue writes of the plain list v at the start of s, and
// returns what follows.
func encodedPrefix(v []any, s string) (string, bool) {
	if s == "" || s[0] != '[' {
		return "", false
	}
	s = s[1:]
	for i, el := range v {
		if i > 0 {
			if !strings.HasPrefix(s, ", ") {
				return "", false
			}
			s = s[2:]
		}
		ok := true
		switch el := el.(type) {
		case string:
			if ok = len(s) >= len(el)+2 && s[0] == '"' && s[1:1+len(el)] == el && s[1+len(el)] == '"'; ok {
				s = s[len(el)+2:]
			}
		case []any:
			s, ok = encodedPrefix(el, s)
		case Query:
			s, ok = encodedPrefix(el, s)
		default:
			ok = false
		}
		if !ok {
			return "", false
		}
	}
	if s == "" || s[0] != ']' {
		return "", false
	}
	return s[1:], true
}

// plainQuery reports whether q holds only lists and strings that encode as they are
// (plainJSON), which JSON gives back unchanged.
func plainQuery(q []any) bool {
	for _, el := range q {
		switch v := el.(type) {
		case string:
			if !plainJSON(v) {
				return false
			}
		case []any:
			if !plainQuery(v) {
				return false
			}
		case Query:
			if !plainQuery(v) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func (q Query) canonical() string {
	norm := func(t []any) string {
		c := append([]any(nil), t...)
		if len(c) == 3 && c[0] == "=" {
			c[0] = "=="
		}
		var b strings.Builder
		encodeValue(&b, c)
		return b.String()
	}
	if len(q) == 0 {
		return "[]"
	}
	if s, ok := q[0].(string); ok && s == "and" {
		subs := make([]string, 0, len(q)-1)
		for _, sub := range q[1:] {
			if t, ok := sub.([]any); ok {
				subs = append(subs, norm(t))
			} else if t, ok := sub.(Query); ok {
				subs = append(subs, norm(t))
			}
		}
		sort.Strings(subs)
		if len(subs) == 1 {
			return subs[0]
		}
		return "and" + strings.Join(subs, "")
	}
	return norm(q)
}
