package plan

import (
	"bytes"
	"fmt"
	"io"
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

func markdown(p *Plan, limit int) string {
	head := "### " + mdEscape(p.Summary()) + "\n\n"
	if p.RefreshOnly {
		head += "_Refresh-only plan: no lease changes._\n\n"
	}
	for _, wn := range p.Warnings {
		head += "> **Warning:** " + mdEscape(wn) + "\n\n"
	}
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
	var drift []string
	for _, d := range p.Drift {
		drift = append(drift, fmt.Sprintf("- `%s` (%s): %s\n", d.Key, d.Site, mdEscape(d.Detail)))
	}
	var sections []mdSection
	var details []string
	for i := range p.Changes {
		ch := &p.Changes[i]
		if ch.Action == NoOp {
			continue
		}
		si := -1
		for i := range sections {
			if sections[i].title == ch.Site {
				si = i
			}
		}
		if si < 0 {
			sections = append(sections, mdSection{title: ch.Site})
			si = len(sections) - 1
		}
		reasons := ch.Reasons
		if len(ch.ForcedBy) > 0 {
			reasons = append([]string{"forced by " + strings.Join(ch.ForcedBy, ", ")}, reasons...)
		}
		for _, v := range ch.Availability {
			if strings.Contains(v, "will fail") {
				reasons = append(reasons, v)
			}
		}
		reason := strings.Join(reasons, "; ")
		action := ch.Action.word()
		if ch.DestroysActive {
			action = "**" + action + " (destroys running instances)**"
		}
		s := &sections[si]
		s.rows = append(s.rows, fmt.Sprintf("| `%s` | `%s` | %s | %s |\n", ch.Action.Symbol(), ch.Key, action, mdEscape(reason)))
		var b bytes.Buffer
		renderChange(&b, ch, painter{}, false)
		details = append(details, fmt.Sprintf("<details><summary><code>%s</code>: %s</summary>\n\n```\n%s```\n</details>\n\n",
			ch.Key, mdEscape(ch.header()), strings.ReplaceAll(b.String(), "```", "` ` `")))
	}
	nRows := 0
	for _, s := range sections {
		nRows += len(s.rows)
	}
	nDetails, nDrift := len(details), len(drift)
	build := func() string {
		var b strings.Builder
		b.WriteString(head)
		if len(adopt) > 0 {
			b.WriteString("#### Interrupted applies\n\n")
			for _, a := range adopt {
				b.WriteString(a)
			}
			b.WriteString("\n")
		}
		if len(drift) > 0 {
			b.WriteString("#### Changed outside leasefile\n\n")
			for _, d := range drift[:nDrift] {
				b.WriteString(d)
			}
			if nDrift < len(drift) {
				fmt.Fprintf(&b, "\n_%d more drift entries omitted to fit a comment; run `leasefile plan` to see them._\n", len(drift)-nDrift)
			}
			b.WriteString("\n")
		}
		left := nRows
		for _, s := range sections {
			if left == 0 {
				break
			}
			fmt.Fprintf(&b, "#### %s\n\n| | lease | action | reason |\n|---|---|---|---|\n", s.title)
			for _, r := range s.rows {
				if left == 0 {
					break
				}
				b.WriteString(r)
				left--
			}
			b.WriteString("\n")
		}
		total := 0
		for _, s := range sections {
			total += len(s.rows)
		}
		if nRows < total {
			fmt.Fprintf(&b, "_%d more changes omitted from the tables to fit a comment; run `leasefile plan` to see them._\n\n", total-nRows)
		}
		for _, d := range details[:nDetails] {
			b.WriteString(d)
		}
		if nDetails < len(details) {
			fmt.Fprintf(&b, "_Details of %d changes omitted to fit a comment; run `leasefile plan` to see them._\n", len(details)-nDetails)
		}
		return b.String()
	}
	out := build()
	// Cut in order of least value: details, then table rows, then drift lines. Each step
	// drops about as many items as the excess needs (by their average size), so thousands
	// of leases take a few rounds, not thousands.
	var allRows []string
	for _, s := range sections {
		allRows = append(allRows, s.rows...)
	}
	for _, c := range []struct {
		n   *int
		avg int
	}{{&nDetails, average(details)}, {&nRows, average(allRows)}, {&nDrift, average(drift)}} {
		for len(out) > limit && *c.n > 0 {
			step := max(1, (len(out)-limit)/c.avg)
			*c.n = max(0, *c.n-step)
			out = build()
		}
	}
	if len(out) > limit {
		out = out[:limit-len("\n…\n")] + "\n…\n"
	}
	return out
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
