package plan

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/chameleoncloud/leasefile/spec"
	"github.com/sergi/go-diff/diffmatchpatch"
)

// TextOptions adjust the human rendering of a plan.
type TextOptions struct {
	Color bool // ANSI colours and bold; off for pipes, NO_COLOR and --no-color
	Diff  bool // show changed values as line diffs (resource queries one constraint a line)
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
)

type painter struct{ on bool }

func (p painter) paint(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return code + s + ansiReset
}

// symbol colours a glyph the way Terraform does: green adds, yellow changes, red removes.
func (p painter) symbol(s string) string {
	switch s {
	case "+":
		return p.paint(ansiGreen, s)
	case "~":
		return p.paint(ansiYellow, s)
	case "-":
		return p.paint(ansiRed, s)
	case "-/+":
		return p.paint(ansiRed, "-") + "/" + p.paint(ansiGreen, "+")
	case "+/-":
		return p.paint(ansiGreen, "+") + "/" + p.paint(ansiRed, "-")
	}
	return s
}

// Summary is the plan's last line: "Plan: ..." or a sentence starting "No changes.".
func (p *Plan) Summary() string {
	c := p.Counts()
	if !p.HasChanges() {
		switch {
		case p.RefreshOnly:
			return "No changes. Applying this plan only records the objects above in the state."
		case p.Destroy:
			return "No changes. The state holds no lease to destroy."
		}
		return "No changes. Your leases match the Leasefile."
	}
	s := fmt.Sprintf("Plan: %d to create, %d to update, %d to replace, %d to delete", c.Create, c.Update, c.Replace, c.Delete)
	if len(p.Adopt) > 0 {
		s += fmt.Sprintf(", %d to adopt", len(p.Adopt))
	}
	if len(p.DropIntents) > 0 {
		s += fmt.Sprintf(", %d stale create intents to forget", len(p.DropIntents))
	}
	if len(p.Await) > 0 {
		s += fmt.Sprintf(", %d to wait for", len(p.Await))
	}
	if len(p.Moves) > 0 {
		s += fmt.Sprintf(", %d to move", len(p.Moves))
	}
	if len(p.Forget) > 0 {
		s += fmt.Sprintf(", %d to forget", len(p.Forget))
	}
	return s + "."
}

// header is the "# lease.x will ..." sentence of a change.
func (ch *Change) header() string {
	a := "lease." + ch.Key
	switch ch.Action {
	case Create:
		return a + " will be created"
	case Update:
		return a + " will be updated in place"
	case DeleteThenCreate:
		return a + " must be replaced"
	case CreateThenDelete:
		return a + " must be replaced (the new lease is created before the old one is deleted)"
	case Delete:
		if ch.Gone {
			return a + " will be removed from the state (its lease is already gone from Blazar)"
		}
		return a + " will be deleted"
	}
	return a + " is unchanged"
}

// fieldSymbol is the glyph of one field line within a change.
func fieldSymbol(a Action, f FieldChange) string {
	switch {
	case a == Create:
		return "+"
	case a == Delete:
		return "-"
	case f.Old == "" && !f.Computed:
		return "+"
	case f.New == "" && !f.Computed:
		return "-"
	}
	return "~"
}

// quote shows strings quoted, but numbers and JSON queries as they are, to stay readable.
func quote(s string) string {
	if decimal(s) {
		if _, err := strconv.Atoi(s); err == nil {
			return s
		}
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		return s
	}
	return strconv.Quote(s)
}

// decimal reports whether s is a sign and digits, the only strings strconv.Atoi may take:
// quote asks Atoi only about those, since its error for the others costs an allocation.
func decimal(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func fieldValue(f FieldChange) string {
	switch {
	case f.Computed && f.Old != "":
		return quote(f.Old) + " -> (known after apply)"
	case f.Computed:
		return "(known after apply)"
	case f.Old != "" && f.New != "":
		return quote(f.Old) + " -> " + quote(f.New)
	case f.New != "":
		return quote(f.New)
	}
	return quote(f.Old)
}

// RenderText writes the plan as leasefile plan prints it: drift, actions, warnings, summary.
func RenderText(w io.Writer, p *Plan, o TextOptions) error {
	bw := bufio.NewWriter(w)
	pt := painter{o.Color}
	renderDrift(bw, p, pt)
	renderStateActions(bw, p)
	var acts []*Change
	for i := range p.Changes {
		if p.Changes[i].Action != NoOp {
			acts = append(acts, &p.Changes[i])
		}
	}
	if len(acts) > 0 {
		fmt.Fprintln(bw, "leasefile will perform the following actions:")
		fmt.Fprintln(bw)
		for _, ch := range acts {
			renderChange(bw, ch, pt, o.Diff)
		}
	}
	for _, wn := range p.Warnings {
		fmt.Fprintf(bw, "%s %s\n\n", pt.paint(ansiBold+ansiYellow, "Warning:"), wn)
	}
	fmt.Fprintln(bw, pt.paint(ansiBold, p.Summary()))
	return bw.Flush()
}

// renderDrift writes the changes made outside leasefile that refresh found, if any.
func renderDrift(w io.Writer, p *Plan, pt painter) {
	if len(p.Drift) > 0 {
		fmt.Fprintln(w, pt.paint(ansiBold, "Note: Objects have changed outside leasefile"))
		fmt.Fprintln(w)
		fmt.Fprintln(w, "leasefile found these changes made outside leasefile since the last apply:")
		fmt.Fprintln(w)
		for _, d := range p.Drift {
			fmt.Fprintf(w, "  # lease.%s (%s, %s): %s\n", d.Key, d.Site, d.Kind, d.Detail)
		}
		fmt.Fprintln(w)
		if p.RefreshOnly {
			fmt.Fprintln(w, "This is a refresh-only plan: applying it records these changes in the state and changes no lease.")
		} else {
			fmt.Fprintln(w, "The Leasefile still wins: the actions below bring these leases back to it.")
		}
		fmt.Fprintln(w)
	}
}

// renderStateActions writes what the plan does to the state alone, beside the leases:
// adoptions, forgotten intents, waits, moves, forgotten leases and the rename hints.
func renderStateActions(w io.Writer, p *Plan) {
	textSection(w, "leasefile will adopt leases that an interrupted apply created:", len(p.Adopt), func(i int) {
		a := p.Adopt[i]
		fmt.Fprintf(w, "  # lease.%s will be adopted: %s (%q) on %s\n", a.Key, a.LeaseID, a.Name, a.Site)
	})
	textSection(w, "leasefile will forget create intents that it will not act on (too old to match a lease, or their key left the Leasefile):", len(p.DropIntents), func(i int) {
		fmt.Fprintf(w, "  # intent for lease.%s will be forgotten\n", p.DropIntents[i])
	})
	textSection(w, "leasefile will wait for leases that have not reached their wait goal (an earlier apply stopped waiting):", len(p.Await), func(i int) {
		fmt.Fprintf(w, "  # lease %s is %s: apply will wait for it to become ACTIVE\n", p.Await[i].Key, p.Await[i].Status)
	})
	textSection(w, "leasefile will move state entries, as the Leasefile's moved: says (no lease is deleted):", len(p.Moves), func(i int) {
		fmt.Fprintf(w, "  # lease.%s has moved to lease.%s\n", p.Moves[i].From, p.Moves[i].To)
	})
	textSection(w, "leasefile will stop managing leases the Leasefile lists under removed: with destroy: false:", len(p.Forget), func(i int) {
		fmt.Fprintf(w, "  # lease.%s will no longer be managed by leasefile: %s stays in Blazar\n", p.Forget[i], p.leaseOf(p.Forget[i]))
	})
	textSection(w, "Renamed keys? A key left the Leasefile and a new one appeared at the same site:", len(p.MoveHints), func(i int) {
		m := p.MoveHints[i]
		fmt.Fprintf(w, "  # lease.%s (%s) would be deleted and lease.%s created: if %s is %s renamed,\n", m.From, p.leaseOf(m.From), m.To, m.To, m.From)
		fmt.Fprintf(w, "  # add to the Leasefile  moved: [{from: %s, to: %s}]  to keep the lease instead\n", m.From, m.To)
	})
}

// textSection writes a titled block of n items, each written by item, or nothing when n is 0.
func textSection(w io.Writer, title string, n int, item func(i int)) {
	if n == 0 {
		return
	}
	fmt.Fprintln(w, title)
	fmt.Fprintln(w)
	for i := range n {
		item(i)
	}
	fmt.Fprintln(w)
}

func renderChange(w io.Writer, ch *Change, pt painter, diff bool) {
	fmt.Fprintf(w, "  %s\n", pt.paint(ansiBold, "# "+ch.header()))
	if len(ch.ForcedBy) > 0 {
		fmt.Fprintf(w, "  # (forced by %s)\n", strings.Join(ch.ForcedBy, ", "))
	}
	for _, r := range ch.Reasons {
		fmt.Fprintf(w, "  # (%s)\n", r)
	}
	for _, v := range ch.Availability {
		fmt.Fprintf(w, "  # %s\n", v)
	}
	if ch.DestroysActive {
		fmt.Fprintf(w, "  %s\n", pt.paint(ansiBold+ansiRed, fmt.Sprintf("# lease %s is %s: deleting it destroys the instances running on it", ch.LeaseID, ch.Status)))
	}
	sym := ch.Action.Symbol()
	fmt.Fprintf(w, "%s lease %q {\n", padLeft(pt.symbol(sym), sym, 3), ch.Key)
	showID := ch.LeaseID != "" && ch.Action != Delete && ch.Action != Create
	width := 0
	if showID {
		width = len("id")
	}
	for _, f := range ch.Fields {
		if len(f.Path) > width {
			width = len(f.Path)
		}
	}
	if showID {
		fmt.Fprintf(w, "        %-*s = %q\n", width, "id", ch.LeaseID)
	}
	for _, f := range ch.Fields {
		fs := fieldSymbol(ch.Action, f)
		forced := ""
		if ch.Action.IsReplace() && forcedField(ch.ForcedBy, f.Path) {
			forced = " " + pt.paint(ansiRed, "# forces replacement")
		}
		if diff && f.Old != "" && f.New != "" && !f.Computed {
			fmt.Fprintf(w, "      %s %s:%s\n", pt.symbol(fs), f.Path, forced)
			for _, l := range diffLines(f.Path, f.Old, f.New) {
				fmt.Fprintf(w, "          %s %s\n", pt.symbol(l.sym), l.text)
			}
			continue
		}
		writeField(w, pt.symbol(fs), width, f.Path, fieldValue(f)+forced)
	}
	fmt.Fprintln(w, "    }")
	fmt.Fprintln(w)
}

const spaces = "                                "

// writeField writes one field line of a change, as fmt.Fprintf(w, "      %s %-*s = %s\n", sym,
// width, path, value) would: the path padded to width runes. A plan lists thousands.
func writeField(w io.Writer, sym string, width int, path, value string) {
	io.WriteString(w, "      ")
	io.WriteString(w, sym)
	io.WriteString(w, " ")
	io.WriteString(w, path)
	for pad := width - utf8.RuneCountInString(path); pad > 0; pad -= len(spaces) {
		io.WriteString(w, spaces[:min(pad, len(spaces))])
	}
	io.WriteString(w, " = ")
	io.WriteString(w, value)
	io.WriteString(w, "\n")
}

// forcedField reports whether a displayed field is (under) one that forces replacement.
func forcedField(forced []string, path string) bool {
	for _, f := range forced {
		if path == f || strings.HasPrefix(path, f+".") {
			return true
		}
		// reservations.x.physical_network shows as reservations.x.resource_properties.
		if strings.HasSuffix(f, ".physical_network") && path == strings.TrimSuffix(f, ".physical_network")+".resource_properties" {
			return true
		}
	}
	return false
}

func padLeft(colored, plain string, n int) string {
	if len(plain) >= n {
		return colored
	}
	return strings.Repeat(" ", n-len(plain)) + colored
}

type diffLine struct{ sym, text string }

// diffLines renders old -> new as a line diff; queries are split one constraint a line
// so that a change to one constraint shows as one line.
func diffLines(path, old, new string) []diffLine {
	if strings.HasSuffix(path, "resource_properties") {
		old, new = prettyQuery(old), prettyQuery(new)
	}
	if !strings.Contains(old, "\n") && !strings.Contains(new, "\n") {
		return []diffLine{{"-", quote(old)}, {"+", quote(new)}}
	}
	dmp := diffmatchpatch.New()
	a, b, lines := dmp.DiffLinesToChars(old+"\n", new+"\n")
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(a, b, false), lines)
	var out []diffLine
	for _, d := range diffs {
		sym := " "
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			sym = "+"
		case diffmatchpatch.DiffDelete:
			sym = "-"
		}
		for _, l := range strings.Split(strings.TrimSuffix(d.Text, "\n"), "\n") {
			out = append(out, diffLine{sym, l})
		}
	}
	return out
}

// prettyQuery lays a Blazar query out one constraint per line; anything else is returned as is.
func prettyQuery(s string) string {
	q, err := spec.ParseQuery(s)
	if err != nil || len(q) == 0 {
		return s
	}
	if op, ok := q[0].(string); !ok || op != "and" {
		return q.Encode()
	}
	var b strings.Builder
	b.WriteString("[\"and\",\n")
	for i, sub := range q[1:] {
		var enc string
		switch v := sub.(type) {
		case []any:
			enc = spec.Query(v).Encode()
		case spec.Query:
			enc = v.Encode()
		default:
			enc = fmt.Sprint(v)
		}
		b.WriteString("  " + enc)
		if i < len(q)-2 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]")
	return b.String()
}

// leaseOf names the lease a change of key concerns: its ID, or "its lease" without one.
func (p *Plan) leaseOf(key string) string {
	for _, ch := range p.Changes {
		if ch.Key == key && ch.LeaseID != "" {
			return "lease " + ch.LeaseID
		}
	}
	return "its lease"
}
