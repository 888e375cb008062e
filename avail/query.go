package avail

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/chameleoncloud/leasefile/internal/textdist"
)

// Cond is one condition of a resource query: the key without its "$", an operator (one of
// == != < <= > >=, "=" already turned into "==") and the value as the string Blazar compares.
type Cond struct {
	Key, Op, Value string
}

func (c Cond) String() string { return fmt.Sprintf("%s %s %s", c.Key, c.Op, c.Value) }

// MalformedError is Blazar's 400 "Malformed requirements ...".
type MalformedError struct{ Query string }

func (e *MalformedError) Error() string { return "malformed requirements " + e.Query }

// UnknownKeyError is Blazar's 500 "<key> ComputeHostExtraCapability was not found": the key is
// neither a column nor a capability of any resource of the kind. Suggest is the closest known
// name, if one is close.
type UnknownKeyError struct {
	Kind    Kind
	Key     string
	Suggest string
}

func (e *UnknownKeyError) Error() string {
	msg := fmt.Sprintf("no %s has a property %s", e.Kind, e.Key)
	if e.Suggest != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", e.Suggest)
	}
	return msg
}

var ops = map[string]bool{"==": true, "=": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

// ParseRequirements reads a query as Blazar stores it (a JSON string; "" and "[]" are no
// constraint) into its conditions. Like Blazar, each element of an "and" contributes only its
// first condition, so a nested "and" counts its first element alone.
func ParseRequirements(s string) ([]Cond, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, &MalformedError{s}
	}
	conds, ok := convert(v)
	if !ok {
		return nil, &MalformedError{s}
	}
	return conds, nil
}

func convert(v any) ([]Cond, bool) {
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	if c, ok := triple(l); ok {
		return []Cond{c}, true
	}
	if len(l) == 0 {
		return nil, true
	}
	if len(l) > 1 && l[0] == "and" {
		var out []Cond
		for _, x := range l[1:] {
			sub, ok := convert(x)
			if !ok || len(sub) == 0 {
				return nil, false
			}
			out = append(out, sub[0])
		}
		return out, true
	}
	return nil, false
}

func triple(l []any) (Cond, bool) {
	if len(l) != 3 {
		return Cond{}, false
	}
	op, ok1 := l[0].(string)
	key, ok2 := l[1].(string)
	val, ok3 := l[2].(string)
	if !ok1 || !ok2 || !ok3 || !ops[op] || len(key) < 2 || key[0] != '$' || val == "" {
		return Cond{}, false
	}
	if op == "=" {
		op = "=="
	}
	return Cond{Key: key[1:], Op: op, Value: val}, true
}

func holds(op string, c int) bool {
	switch op {
	case "==":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

// matches reports whether r satisfies c. A column compares with its type: an int column with
// a numeric value numerically (as SQL does), else as strings.
func (r *Resource) matches(c Cond) bool {
	if v, ok := r.Columns[c.Key]; ok {
		switch x := v.(type) {
		case int:
			if f, err := strconv.ParseFloat(c.Value, 64); err == nil {
				return holds(c.Op, cmpFloat(float64(x), f))
			}
			return holds(c.Op, strings.Compare(strconv.Itoa(x), c.Value))
		case bool:
			return holds(c.Op, strings.Compare(strconv.FormatBool(x), strings.ToLower(c.Value)))
		default:
			return holds(c.Op, strings.Compare(fmt.Sprint(x), c.Value))
		}
	}
	v, ok := r.Extra[c.Key]
	return ok && holds(c.Op, strings.Compare(v, c.Value))
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Match returns the resources of kind at s that satisfy every condition and that project may
// reserve (reservable, not disabled, authorized). It fails as Blazar does on a key no resource
// of the kind has.
func (s *Site) Match(kind Kind, conds []Cond, project string) ([]*Resource, error) {
	all := s.ofKind(kind)
	for _, c := range conds {
		if !s.knownKey(all, c.Key) {
			return nil, &UnknownKeyError{Kind: kind, Key: c.Key, Suggest: suggest(c.Key, s.keys(all))}
		}
	}
	var out []*Resource
	for _, r := range all {
		if !r.Reservable || r.Disabled || !r.authorized(project) {
			continue
		}
		ok := true
		for _, c := range conds {
			ok = ok && r.matches(c)
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
}

func (r *Resource) authorized(project string) bool {
	list := strings.TrimSpace(r.Extra["authorized_projects"])
	if list == "" {
		return true
	}
	for _, p := range strings.Split(list, ",") {
		if strings.TrimSpace(p) == project {
			return true
		}
	}
	return false
}

func (s *Site) knownKey(all []*Resource, key string) bool {
	for _, r := range all {
		if _, ok := r.Columns[key]; ok {
			return true
		}
		if _, ok := r.Extra[key]; ok {
			return true
		}
	}
	return false
}

func (s *Site) keys(all []*Resource) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range all {
		for k := range r.Extra {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
		for k := range r.Columns {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// Explain says, for a query that matches nothing, which condition rules every resource out,
// with the closest value the site has: "no host at CHI@UC has node_type compute_skylak (did
// you mean compute_skylake?)". It returns "" when the query matches something or no single
// equality explains it.
func (s *Site) Explain(kind Kind, conds []Cond, project string) string {
	all := s.ofKind(kind)
	for _, c := range conds {
		if c.Op != "==" {
			continue
		}
		var values []string
		found := false
		for _, r := range all {
			v, ok := r.Extra[c.Key]
			if col, isCol := r.Columns[c.Key]; isCol {
				v, ok = fmt.Sprint(col), true
			}
			if !ok {
				continue
			}
			if r.matches(c) {
				found = true
				break
			}
			values = append(values, v)
		}
		if found {
			continue
		}
		msg := fmt.Sprintf("no %s at %s has %s %s", kind, s.Name, c.Key, c.Value)
		if sg := suggest(c.Value, values); sg != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", sg)
		}
		return msg
	}
	return ""
}

// suggest returns the known word closest to w, if it is close enough to be a likely typo.
func suggest(w string, known []string) string {
	best, bestDist := "", 1<<30
	for _, k := range known {
		if d := textdist.Levenshtein(strings.ToLower(w), strings.ToLower(k)); d < bestDist || (d == bestDist && k < best) {
			best, bestDist = k, d
		}
	}
	limit := 2
	if len(w) > 8 {
		limit = 3
	}
	if best != "" && bestDist <= limit {
		return best
	}
	return ""
}
