package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/chameleoncloud/leasefile/internal/textdist"
	"github.com/chameleoncloud/leasefile/schema"
	"github.com/santhosh-tekuri/jsonschema/v5"
)

// collector gathers positioned errors of one file.
type collector struct {
	file string
	list ErrorList
}

func (c *collector) add(p Pos, path, msg string) {
	if p.Line == 0 {
		p = Pos{Line: 1, Col: 1}
	}
	c.list = append(c.list, &Error{File: c.file, Pos: p, Path: clipPath(path), Msg: msg})
}

// instancePtr is the JSON pointer of the value e is about, as doc keys its positions: the
// validator percent-encodes each token (url.PathEscape), which would hide "my lease" as
// my%20lease and lose its position.
func instancePtr(e *jsonschema.ValidationError) string {
	if !strings.Contains(e.InstanceLocation, "%") {
		return e.InstanceLocation
	}
	toks := strings.Split(e.InstanceLocation, "/")
	for i, t := range toks {
		if u, err := url.PathUnescape(t); err == nil {
			toks[i] = u
		}
	}
	return strings.Join(toks, "/")
}

// unescapeToken undoes escapeToken.
func unescapeToken(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
}

// clipPath shortens a dotted path deep in long keys to its start and end (the position
// already says where the value is) and escapes control characters, so that an error never
// drives the terminal.
func clipPath(path string) string {
	const head, tail = 80, 60
	if strings.IndexFunc(path, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		q := strconv.Quote(path)
		path = q[1 : len(q)-1]
	}
	if len(path) <= head+tail+3 {
		return path
	}
	i, j := head, len(path)-tail
	for i > 0 && !utf8.RuneStart(path[i]) {
		i--
	}
	for j < len(path) && !utf8.RuneStart(path[j]) {
		j++
	}
	return path[:i] + "..." + path[j:]
}

var (
	compileOnce sync.Once
	compiled    *jsonschema.Schema
	compileErr  error

	schemaDocOnce sync.Once
	schemaDoc     any // the schema as JSON values, to look up allowed keys and expected types
	schemaDocErr  error
)

// loadSchema compiles the schema for the library, which only a document the verdict finds
// invalid needs.
func loadSchema() (*jsonschema.Schema, error) {
	compileOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.Draft = jsonschema.Draft7
		if compileErr = c.AddResource(schema.ID, bytes.NewReader(schema.JSON)); compileErr != nil {
			return
		}
		if compiled, compileErr = c.Compile(schema.ID); compileErr != nil {
			return
		}
		_, compileErr = loadSchemaDoc()
	})
	return compiled, compileErr
}

// loadSchemaDoc decodes the schema document (schemaDoc).
func loadSchemaDoc() (any, error) {
	schemaDocOnce.Do(func() { schemaDocErr = json.Unmarshal(schema.JSON, &schemaDoc) })
	return schemaDoc, schemaDocErr
}

// schemaAt returns the schema value at a JSON pointer inside the schema document.
func schemaAt(ptr string) any {
	v := schemaDoc
	if ptr == "" {
		return v
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[tok]
	}
	return v
}

// fragment returns the JSON pointer part of an absolute keyword location.
func fragment(loc string) string {
	_, frag, _ := strings.Cut(loc, "#")
	return frag
}

func leaves(e *jsonschema.ValidationError, out []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return append(out, e)
	}
	for _, c := range e.Causes {
		out = leaves(c, out)
	}
	return out
}

// validate checks d.tree against the schema, adding positioned errors to d.errs: the verdict
// first, the library (on d.root, the tree as plain values) only for a file the verdict does
// not pass. Unquoted YAML numbers and booleans where the schema wants a string (name: 2026)
// are taken as the string the user wrote, as a YAML-aware reader would expect.
func (d *doc) validate() {
	var errs []*jsonschema.ValidationError
	for attempt := 0; attempt < 8; attempt++ {
		fast := validVerdict(d.tree)
		if fast && !testOnlyVerdictChecked {
			return
		}
		sch, err := loadSchema()
		if err != nil {
			panic("spec: embedded schema does not compile: " + err.Error()) // a build defect, caught by every test
		}
		d.root = d.tree.toAny()
		errs, err = schemaErrors(sch, d.root)
		if testOnlyVerdictChecked && err == nil && fast != (len(errs) == 0) {
			panic(fmt.Sprintf("spec: the verdict says valid=%v, the schema library found %d errors (first: %v)", fast, len(errs), errs))
		}
		if err != nil {
			d.errs.add(Pos{}, "", err.Error())
			return
		}
		if len(errs) == 0 {
			return
		}
		changed := false
		for _, e := range errs {
			if !strings.HasSuffix(e.AbsoluteKeywordLocation, "/type") || !strings.HasPrefix(e.Message, "expected string") {
				continue
			}
			if v, _, _ := d.at(instancePtr(e)); v != nil && v.plain {
				v.kind, v.s, v.plain = kString, d.plainOf(v), false
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	d.root = d.tree.toAny()
	for _, e := range errs {
		d.report(e)
	}
}

// parallelLeases is the number of leases above which validation is split in two halves,
// validated at once: half the wall time of a large Leasefile on two cores.
const parallelLeases = 128

// schemaErrors validates root and returns the leaf errors. A Leasefile with many leases is
// validated as two documents holding half the leases each, concurrently; errors outside the
// leases, found by both, are kept once.
func schemaErrors(sch *jsonschema.Schema, root any) ([]*jsonschema.ValidationError, error) {
	top, _ := root.(map[string]any)
	all, _ := top["leases"].(map[string]any)
	if len(all) < parallelLeases {
		return validateLeaves(sch, root)
	}
	halves := [2]map[string]any{{}, {}}
	i := 0
	for k, v := range all {
		halves[i%2][k] = v
		i++
	}
	var results [2][]*jsonschema.ValidationError
	var errs [2]error
	var wg sync.WaitGroup
	for h := range halves {
		doc := make(map[string]any, len(top))
		for k, v := range top {
			doc[k] = v
		}
		doc["leases"] = halves[h]
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[h], errs[h] = validateLeaves(sch, doc)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs[0], errs[1]); err != nil {
		return nil, err
	}
	type problem struct{ instance, keyword, message string }
	seen := map[problem]bool{}
	var out []*jsonschema.ValidationError
	for _, list := range results {
		for _, e := range list {
			id := problem{e.InstanceLocation, e.AbsoluteKeywordLocation, e.Message}
			if !seen[id] {
				seen[id] = true
				out = append(out, e)
			}
		}
	}
	return out, nil
}

func validateLeaves(sch *jsonschema.Schema, doc any) ([]*jsonschema.ValidationError, error) {
	verr := sch.Validate(doc)
	if verr == nil {
		return nil, nil
	}
	ve, ok := verr.(*jsonschema.ValidationError)
	if !ok {
		return nil, verr
	}
	return leaves(ve, nil), nil
}

func (d *doc) report(e *jsonschema.ValidationError) {
	ptr := instancePtr(e)
	path := dotted(ptr)
	pos := d.pos(ptr)
	loc := fragment(e.AbsoluteKeywordLocation)
	keyword := loc[strings.LastIndex(loc, "/")+1:]
	switch {
	case keyword == "additionalProperties":
		d.unknownKeys(ptr, strings.TrimSuffix(loc, "/additionalProperties"))
		return
	case strings.Contains(loc, "/propertyNames/"):
		d.badKey(ptr, loc)
		return
	case keyword == "required":
		if d.missing(ptr, loc) {
			return
		}
	case keyword == "type":
		want, _ := schemaAt(loc).(string)
		d.errs.add(pos, path, fmt.Sprintf("must be %s, not %s", article(want), describe(getAt(d.root, ptr))))
		return
	case keyword == "minProperties" && strings.HasSuffix(ptr, "/reservations"):
		d.errs.add(pos, path, "a lease needs at least one reservation")
		return
	case keyword == "minProperties" && ptr == "/leases":
		d.errs.add(pos, path, "declare at least one lease")
		return
	case keyword == "maximum" || keyword == "minimum":
		if d.outOfRange(ptr, loc, keyword == "maximum") {
			return
		}
	case keyword == "minLength":
		d.errs.add(pos, path, "must not be empty")
		return
	case keyword == "enum":
		if d.nearMiss(ptr, loc, e.Message) {
			return
		}
	case keyword == "const" && ptr == "/version":
		d.errs.add(pos, path, "unsupported Leasefile version: this leasefile reads version 1")
		return
	}
	d.errs.add(pos, path, e.Message)
}

// badKey reports an object key the schema's propertyNames refuses, at the key itself (the
// instance location names it).
func (d *doc) badKey(ptr, loc string) {
	pos := d.keyPos(ptr)
	key := unescapeToken(ptr[strings.LastIndex(ptr, "/")+1:])
	what := "key"
	if strings.Contains(loc, "/reservations/") || strings.Contains(loc, "/$defs/lease/") {
		what = "reservation key"
	} else if strings.Contains(loc, "/properties/leases/") {
		what = "lease key"
	}
	d.errs.add(pos, dotted(ptr), fmt.Sprintf("invalid %s %s: use lower-case letters, digits, '-' and '_', starting with a letter or digit", what, quote(key)))
}

// missing reports each required field the object at ptr lacks; it says whether there was one.
func (d *doc) missing(ptr, loc string) bool {
	var missing []string
	if req, ok := schemaAt(loc).([]any); ok {
		obj, _ := getAt(d.root, ptr).(map[string]any)
		for _, r := range req {
			if name, ok := r.(string); ok {
				if _, present := obj[name]; !present {
					missing = append(missing, name)
				}
			}
		}
	}
	for _, m := range missing {
		d.errs.add(d.pos(ptr), dotted(ptr), fmt.Sprintf("missing required field %q", m))
	}
	return len(missing) > 0
}

// outOfRange reports a number beyond the schema's maximum (or below its minimum) with the
// bound; it says whether the value was a number.
func (d *doc) outOfRange(ptr, loc string, maximum bool) bool {
	n, ok := getAt(d.root, ptr).(json.Number)
	if !ok {
		return false
	}
	bound, _ := schemaAt(loc).(float64)
	if maximum {
		d.errs.add(d.pos(ptr), dotted(ptr), fmt.Sprintf("%s is out of range: at most %d", clip(string(n)), int64(bound)))
	} else {
		d.errs.add(d.pos(ptr), dotted(ptr), fmt.Sprintf("must be at least %d", int64(bound)))
	}
	return true
}

// nearMiss names the enum value a string nearly is (type: nodes), as an unknown field's near
// miss is; it says whether there was one.
func (d *doc) nearMiss(ptr, loc, msg string) bool {
	v, _ := getAt(d.root, ptr).(string)
	vals, _ := schemaAt(loc).([]any)
	var known []string
	for _, x := range vals {
		if k, ok := x.(string); ok && k != "" {
			known = append(known, k)
		}
	}
	s := suggest(v, known)
	if v == "" || s == "" {
		return false
	}
	d.errs.add(d.pos(ptr), dotted(ptr), fmt.Sprintf("%s (did you mean %q?)", msg, s))
	return true
}

// unknownKeys reports every key of the object at ptr that the schema object at schemaPtr does
// not declare, at the key's position, suggesting the closest known key.
func (d *doc) unknownKeys(ptr, schemaPtr string) {
	obj, _ := getAt(d.root, ptr).(map[string]any)
	props, _ := schemaAt(schemaPtr + "/properties").(map[string]any)
	known := slices.Sorted(maps.Keys(props))
	for key := range obj {
		if _, ok := props[key]; ok {
			continue
		}
		kp := ptr + "/" + escapeToken(key)
		msg := fmt.Sprintf("unknown field %s", quote(key))
		if s := suggest(key, known); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		} else if len(known) > 0 {
			msg += " (expected one of: " + strings.Join(known, ", ") + ")"
		}
		_, at, _ := d.at(kp)
		d.errs.add(at, dotted(kp), msg)
	}
}

func article(t string) string {
	switch t {
	case "object":
		return "a mapping"
	case "array":
		return "a list"
	case "integer":
		return "a whole number"
	case "":
		return "of another type"
	}
	return "a " + t
}

func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "empty"
	case string:
		return "the text " + quote(v)
	case bool:
		return fmt.Sprintf("%v", v)
	case json.Number:
		return string(v)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("%v", v)
}

func getAt(root any, ptr string) any {
	if ptr == "" {
		return root
	}
	v := root
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := v.(type) {
		case map[string]any:
			v = c[tok]
		case []any:
			i := 0
			if _, err := fmt.Sscanf(tok, "%d", &i); err != nil || i < 0 || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

// suggest returns the known word closest to w, if it is close enough to be a likely typo.
func suggest(w string, known []string) string {
	best, bestDist := "", 1<<30
	for _, k := range known {
		if dist := textdist.Levenshtein(strings.ToLower(w), k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	limit := 2
	if len(w) > 8 {
		limit = 3
	}
	if bestDist <= limit || (best != "" && (strings.HasPrefix(best, w) || strings.HasPrefix(w, best)) && len(w) >= 3) {
		return best
	}
	return ""
}

// suggestFold is suggest for names whose case matters (sites): chi@uc suggests CHI@UC.
func suggestFold(w string, known []string) string {
	best, bestDist := "", 1<<30
	for _, k := range known {
		if dist := textdist.Levenshtein(strings.ToLower(w), strings.ToLower(k)); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if bestDist <= 2 {
		return best
	}
	return ""
}
