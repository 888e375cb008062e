package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/chameleoncloud/leasefile/schema"
	"go.yaml.in/yaml/v3"
)

// Format returns a Leasefile in canonical form, for `leasefile fmt`: keys in the schema's
// order (version, name_prefix, defaults, sites, leases; in a lease site, name, start, ...;
// in a reservation type first, then that type's fields), two-space indentation, and at most
// one blank line where the source had blank lines between entries. Comments, quoting, flow
// style ({type: node, count: 2}) and the order of lease, reservation and site keys are kept.
//
// Only YAML syntax is required, so that a file can be formatted while it is being written;
// keys the schema does not know keep their order after the known ones. Format of its own
// output returns it unchanged. A syntax error is an ErrorList, positioned as Parse's.
func Format(name string, src []byte) ([]byte, error) {
	errs := &collector{file: name}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			errs.add(Pos{Line: 1, Col: 1}, "", "the file is empty: a Leasefile starts with \"version: 1\" and declares leases")
		} else {
			errs.add(yamlErrorPos(err), "", yamlErrorMsg(err))
		}
		return nil, errs.list
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		// Formatting one document would drop the others.
		pos := Pos{Line: next.Line, Col: 1}
		if err != nil {
			pos = yamlErrorPos(err)
		}
		errs.add(pos, "", "a Leasefile is one YAML document: this one has more (a line \"---\")")
		return nil, errs.list
	}
	order, err := schemaOrder()
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(src), "\n")
	marked := map[*yaml.Node]bool{} // keys with a blank line above them in the source
	walkKeys(&root, func(k *yaml.Node, first bool) {
		if blankBefore(lines, k) {
			marked[k] = true
		}
	})
	if len(root.Content) > 0 {
		sortKeys(root.Content[0], order, ctxTop)
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return restoreBlanks(out.Bytes(), &root, marked)
}

// The places whose keys have a canonical order, and the schema objects listing it.
type ctx int

const (
	ctxNone ctx = iota
	ctxTop
	ctxDefaults
	ctxSites // site name -> site
	ctxSite
	ctxLeases // lease key -> lease
	ctxLease
	ctxReservations // reservation key -> reservation
	ctxReservation
	ctxController
)

var (
	orderOnce sync.Once
	orderMap  map[string][]string // JSON pointer -> property names in schema order
	orderErr  error
)

// schemaOrder reads the property order of every object of the embedded schema.
func schemaOrder() (map[string][]string, error) {
	orderOnce.Do(func() {
		orderMap = map[string][]string{}
		dec := json.NewDecoder(bytes.NewReader(schema.JSON))
		orderErr = readOrder(dec, "", orderMap)
	})
	return orderMap, orderErr
}

// readOrder reads one JSON value, recording the key order of every object's "properties".
func readOrder(dec *json.Decoder, ptr string, out map[string][]string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			k := kt.(string)
			if strings.HasSuffix(ptr, "/properties") {
				out[ptr] = append(out[ptr], k)
			}
			if err := readOrder(dec, ptr+"/"+k, out); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := readOrder(dec, ptr+"/#", out); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	}
	return err
}

// sortKeys orders the mapping m (and below it) for its place c. The sort is stable, so
// unknown keys, and duplicate keys, keep their relative order.
func sortKeys(m *yaml.Node, order map[string][]string, c ctx) {
	if m.Kind != yaml.MappingNode {
		return
	}
	var known []string
	switch c {
	case ctxTop:
		known = order["/properties"]
	case ctxDefaults:
		known = order["/properties/defaults/properties"]
	case ctxSite:
		known = order["/properties/sites/additionalProperties/properties"]
	case ctxLease:
		known = order["/$defs/lease/properties"]
	case ctxReservation:
		known = []string{"type"}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == "type" && m.Content[i+1].Kind == yaml.ScalarNode {
				if o, ok := order["/$defs/"+m.Content[i+1].Value+"/properties"]; ok {
					known = o
				}
			}
		}
	case ctxController:
		known = order["/$defs/network/properties/of_controller/properties"]
	}
	if known != nil {
		type pair struct{ k, v *yaml.Node }
		pairs := make([]pair, 0, len(m.Content)/2)
		for i := 0; i+1 < len(m.Content); i += 2 {
			pairs = append(pairs, pair{m.Content[i], m.Content[i+1]})
		}
		rank := func(p pair) int {
			if i := slices.Index(known, p.k.Value); i >= 0 {
				return i
			}
			return len(known)
		}
		// The comment above the file's first key is the file's (the yaml-language-server
		// modeline must stay on line 1): it stays on top.
		var head string
		if c == ctxTop && len(pairs) > 0 {
			head, pairs[0].k.HeadComment = pairs[0].k.HeadComment, ""
		}
		slices.SortStableFunc(pairs, func(a, b pair) int { return rank(a) - rank(b) })
		if head != "" {
			pairs[0].k.HeadComment = joinComments(head, pairs[0].k.HeadComment)
		}
		m.Content = m.Content[:0]
		for _, p := range pairs {
			m.Content = append(m.Content, p.k, p.v)
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i].Value, m.Content[i+1]
		var sub ctx
		switch {
		case c == ctxTop && k == "defaults":
			sub = ctxDefaults
		case c == ctxTop && k == "sites":
			sub = ctxSites
		case c == ctxSites:
			sub = ctxSite
		case c == ctxTop && k == "leases":
			sub = ctxLeases
		case c == ctxLeases:
			sub = ctxLease
		case c == ctxLease && k == "reservations":
			sub = ctxReservations
		case c == ctxReservations:
			sub = ctxReservation
		case c == ctxReservation && k == "of_controller":
			sub = ctxController
		}
		if sub != ctxNone {
			sortKeys(v, order, sub)
		}
	}
}

func joinComments(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n" + b
}

// walkKeys calls f for every key of every block mapping, depth first in document order;
// first is true for the first key of its mapping.
func walkKeys(n *yaml.Node, f func(k *yaml.Node, first bool)) {
	if n.Kind == yaml.MappingNode && n.Style&yaml.FlowStyle == 0 {
		for i := 0; i+1 < len(n.Content); i += 2 {
			f(n.Content[i], i == 0)
			walkKeys(n.Content[i+1], f)
		}
		return
	}
	if n.Kind == yaml.MappingNode {
		return // flow mappings sit on one line: no blank lines to keep
	}
	for _, c := range n.Content {
		walkKeys(c, f)
	}
}

// blankBefore reports whether the source line above k's head comment is blank.
func blankBefore(lines []string, k *yaml.Node) bool {
	above := k.Line - 1 - commentLines(k.HeadComment) // 1-based line above the comment
	return above >= 1 && above <= len(lines) && strings.TrimSpace(lines[above-1]) == ""
}

func commentLines(c string) int {
	if c == "" {
		return 0
	}
	return strings.Count(c, "\n") + 1
}

// restoreBlanks puts one blank line back above each marked key (and its comment): the
// encoder drops blank lines. The keys are found in the output by parsing it again: its
// structure is root's, walked in the same order.
func restoreBlanks(out []byte, root *yaml.Node, marked map[*yaml.Node]bool) ([]byte, error) {
	if len(marked) == 0 {
		return out, nil
	}
	var want []bool
	walkKeys(root, func(k *yaml.Node, first bool) { want = append(want, marked[k] && !first) })
	var again yaml.Node
	if err := yaml.Unmarshal(out, &again); err != nil {
		return nil, err
	}
	at := map[int]bool{} // 1-based output lines to put a blank line above
	n := 0
	walkKeys(&again, func(k *yaml.Node, first bool) {
		if n < len(want) && want[n] {
			at[k.Line-commentLines(k.HeadComment)] = true
		}
		n++
	})
	if n != len(want) {
		return nil, errors.New("format: the output does not have the input's structure")
	}
	lines := strings.SplitAfter(string(out), "\n")
	var b strings.Builder
	for i, l := range lines {
		if at[i+1] && i > 0 && strings.TrimSpace(lines[i-1]) != "" {
			b.WriteString("\n")
		}
		b.WriteString(l)
	}
	return []byte(b.String()), nil
}
