package plan

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
)

// MarkdownLimit is the most RenderMarkdown writes: GitHub refuses comments over 65,535
// characters, and the rest is headroom for whatever a CI job wraps around the plan.
const MarkdownLimit = 60000

// RenderMarkdown writes the plan as a pull-request comment: the summary as heading, a table
// of changes per site, drift, then one collapsed block of details per change. It never
// writes more than MarkdownLimit characters: details go first, then table rows and drift
// lines, each cut announced with how much was left out.
func RenderMarkdown(w io.Writer, p *Plan) error {
	_, err := io.WriteString(w, markdown(p, MarkdownLimit))
	return err
}

type mdSection struct {
	title string   // "#### CHI@UC" plus table header
	rows  []string // table rows
}

// mdDoc is a markdown plan in parts, with how many of the drift lines, table rows and
// details fit (markdown lowers them until the whole fits).
type mdDoc struct {
	head                    string
	adopt, drift, details   []string
	sections                []mdSection
	nRows, nDetails, nDrift int
}

func markdown(p *Plan, limit int) string {
	d := mdParts(p)
	out := d.render()
	// Cut in order of least value: details, then table rows, then drift lines. Each step
	// drops about as many items as the excess needs (by their average size), so thousands
	// of leases take a few rounds, not thousands.
	var allRows []string
	for _, s := range d.sections {
		allRows = append(allRows, s.rows...)
	}
	for _, c := range []struct {
		n   *int
		avg int
	}{{&d.nDetails, average(d.details)}, {&d.nRows, average(allRows)}, {&d.nDrift, average(d.drift)}} {
		for len(out) > limit && *c.n > 0 {
			step := max(1, (len(out)-limit)/c.avg)
			*c.n = max(0, *c.n-step)
			out = d.render()
		}
	}
	if len(out) > limit {
		out = out[:limit-len("\n…\n")] + "\n…\n"
	}
	return out
}

// mdParts renders every part of p's markdown, all of it kept.
func mdParts(p *Plan) *mdDoc {
	d := &mdDoc{head: "### " + mdEscape(p.Summary()) + "\n\n", adopt: mdNotes(p)}
	if p.RefreshOnly {
		d.head += "_Refresh-only plan: no lease changes._\n\n"
	}
	for _, wn := range p.Warnings {
		d.head += "> **Warning:** " + mdEscape(wn) + "\n\n"
	}
	for _, dr := range p.Drift {
		d.drift = append(d.drift, fmt.Sprintf("- `%s` (%s): %s\n", dr.Key, dr.Site, mdEscape(dr.Detail)))
	}
	for i := range p.Changes {
		ch := &p.Changes[i]
		if ch.Action == NoOp {
			continue
		}
		si := slices.IndexFunc(d.sections, func(s mdSection) bool { return s.title == ch.Site })
		if si < 0 {
			d.sections = append(d.sections, mdSection{title: ch.Site})
			si = len(d.sections) - 1
		}
		d.sections[si].rows = append(d.sections[si].rows, mdRow(ch))
		d.nRows++
		var b bytes.Buffer
		renderChange(&b, ch, painter{}, false)
		d.details = append(d.details, fmt.Sprintf("<details><summary><code>%s</code>: %s</summary>\n\n```\n%s```\n</details>\n\n",
			ch.Key, mdEscape(ch.header()), strings.ReplaceAll(b.String(), "```", "` ` `")))
	}
	d.nDetails, d.nDrift = len(d.details), len(d.drift)
	return d
}

// mdNotes are the lines of the "Interrupted applies" section: adoptions, dropped intents,
// waits, moves, forgotten keys and rename hints.
func mdNotes(p *Plan) []string {
	var adopt []string
	for _, a := range p.Adopt {
		adopt = append(adopt, fmt.Sprintf("- `%s` adopts lease `%s` (%s) on %s, created by an interrupted apply\n", a.Key, a.LeaseID, mdEscape(a.Name), a.Site))
	}
	for _, k := range p.DropIntents {
		adopt = append(adopt, fmt.Sprintf("- `%s`: a create intent leasefile will not act on is forgotten\n", k))
	}
	for _, a := range p.Await {
		adopt = append(adopt, fmt.Sprintf("- `%s` is %s on %s: apply waits for it to become ACTIVE\n", a.Key, a.Status, a.Site))
	}
	for _, m := range p.Moves {
		adopt = append(adopt, fmt.Sprintf("- `%s` has moved to `%s` (moved: in the Leasefile): no lease is deleted\n", m.From, m.To))
	}
	for _, k := range p.Forget {
		adopt = append(adopt, fmt.Sprintf("- `%s` will no longer be managed by leasefile (removed: with destroy: false): %s stays in Blazar\n", k, p.leaseOf(k)))
	}
	for _, m := range p.MoveHints {
		adopt = append(adopt, fmt.Sprintf("- `%s` would be deleted and `%s` created: if it is a rename, `moved: [{from: %s, to: %s}]` keeps the lease\n", m.From, m.To, m.From, m.To))
	}
	return adopt
}

// mdRow is ch's row in its site's table.
func mdRow(ch *Change) string {
	reasons := ch.Reasons
	if len(ch.ForcedBy) > 0 {
		reasons = append([]string{"forced by " + strings.Join(ch.ForcedBy, ", ")}, reasons...)
	}
	for _, v := range ch.Availability {
		if strings.Contains(v, "will fail") {
			reasons = append(reasons, v)
		}
	}
	action := ch.Action.word()
	if ch.DestroysActive {
		action = "**" + action + " (destroys running instances)**"
	}
	return fmt.Sprintf("| `%s` | `%s` | %s | %s |\n", ch.Action.Symbol(), ch.Key, action, mdEscape(strings.Join(reasons, "; ")))
}

// render writes the document with the first nDrift drift lines, nRows table rows and
// nDetails details, each cut announced.
func (d *mdDoc) render() string {
	var b strings.Builder
	b.WriteString(d.head)
	if len(d.adopt) > 0 {
		b.WriteString("#### Interrupted applies\n\n")
		for _, a := range d.adopt {
			b.WriteString(a)
		}
		b.WriteString("\n")
	}
	if len(d.drift) > 0 {
		b.WriteString("#### Changed outside leasefile\n\n")
		for _, dr := range d.drift[:d.nDrift] {
			b.WriteString(dr)
		}
		if d.nDrift < len(d.drift) {
			fmt.Fprintf(&b, "\n_%d more drift entries omitted to fit a comment; run `leasefile plan` to see them._\n", len(d.drift)-d.nDrift)
		}
		b.WriteString("\n")
	}
	left, total := d.nRows, 0
	for _, s := range d.sections {
		total += len(s.rows)
		if left == 0 {
			continue
		}
		fmt.Fprintf(&b, "#### %s\n\n| | lease | action | reason |\n|---|---|---|---|\n", s.title)
		for _, r := range s.rows[:min(left, len(s.rows))] {
			b.WriteString(r)
			left--
		}
		b.WriteString("\n")
	}
	if d.nRows < total {
		fmt.Fprintf(&b, "_%d more changes omitted from the tables to fit a comment; run `leasefile plan` to see them._\n\n", total-d.nRows)
	}
	for _, dt := range d.details[:d.nDetails] {
		b.WriteString(dt)
	}
	if d.nDetails < len(d.details) {
		fmt.Fprintf(&b, "_Details of %d changes omitted to fit a comment; run `leasefile plan` to see them._\n", len(d.details)-d.nDetails)
	}
	return b.String()
}

// average is the mean length of items, at least 1.
func average(items []string) int {
	n := 0
	for _, s := range items {
		n += len(s)
	}
	return max(1, n/max(1, len(items)))
}

// mdEscape keeps user text (names, Blazar messages) from breaking tables or markup.
func mdEscape(s string) string {
	r := strings.NewReplacer("|", "\\|", "<", "&lt;", ">", "&gt;", "\n", " ", "`", "'")
	return r.Replace(s)
}
