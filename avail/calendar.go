package avail

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Windows lists up to n starts, from the earliest, at which every request fits for its
// whole duration, the first minute of each stretch of fitting starts, with its results.
func Windows(sites map[string]*Site, reqs []Request, notBefore time.Time, within time.Duration, n int) []Fit {
	var out []Fit
	for i, t := range candidates(sites, reqs, notBefore, within) {
		if len(out) == n {
			break
		}
		rs, ok := checkAt(sites, reqs, t)
		if !ok {
			continue
		}
		// A start that fits a minute earlier continues the window before: fitting begins
		// only at a candidate, so this finds every window's first minute.
		if _, before := checkAt(sites, reqs, t.Add(-time.Minute)); i > 0 && before {
			continue
		}
		out = append(out, Fit{Start: t, End: t.Add(reqs[0].End.Sub(reqs[0].Start)), Results: rs})
	}
	return out
}

// Fit is one window at which a set of requests fits.
type Fit struct {
	Start, End time.Time
	Results    []Result
}

// Calendar is the bookings of some resources of a site over [From, To], one row each.
type Calendar struct {
	Site     string
	From, To time.Time
	Rows     []Row
}

// Row is one resource's line of a calendar.
type Row struct {
	Name string
	Busy []Window
}

// Calendar draws the given resources over [from, to].
func (s *Site) Calendar(rs []*Resource, from, to time.Time) Calendar {
	c := Calendar{Site: s.Name, From: from, To: to}
	for _, r := range rs {
		c.Rows = append(c.Rows, Row{Name: r.Name, Busy: s.Busy(r, from, to)})
	}
	return c
}

// Text draws the calendar with Unicode blocks, cols cells across: █ another project's lease,
// ▒ one of ours, · free. A cell is busy when any part of it is.
func (c Calendar) Text(w io.Writer, cols int) error {
	if cols < 8 {
		cols = 8
	}
	width := 0
	for _, r := range c.Rows {
		width = max(width, len([]rune(r.Name)))
	}
	span := c.To.Sub(c.From)
	cell := span / time.Duration(cols)
	var b strings.Builder
	// The axis: a date under the cell where each day starts.
	axis := []rune(strings.Repeat(" ", cols+12))
	for d := c.From.UTC().Truncate(24 * time.Hour); d.Before(c.To); d = d.Add(24 * time.Hour) {
		if d.Before(c.From) {
			continue
		}
		i := int(d.Sub(c.From) / cell)
		label := []rune("|" + d.Format("Jan 02"))
		if i+len(label) <= len(axis) && (i == 0 || axis[i-1] == ' ') && axis[i] == ' ' {
			copy(axis[i:], label)
		}
	}
	fmt.Fprintf(&b, "%-*s  %s\n", width, "", strings.TrimRight(string(axis), " "))
	for _, r := range c.Rows {
		line := make([]rune, cols)
		for i := range line {
			from := c.From.Add(time.Duration(i) * cell)
			to := from.Add(cell)
			line[i] = '·'
			for _, bw := range r.Busy {
				if bw.Start.Before(to) && bw.End.After(from) {
					if bw.Own {
						line[i] = '▒'
					} else {
						line[i] = '█'
					}
					if !bw.Own {
						break
					}
				}
			}
		}
		fmt.Fprintf(&b, "%-*s  %s\n", width, r.Name, string(line))
	}
	fmt.Fprintf(&b, "%-*s  █ other projects  ▒ yours  · free   (%s to %s UTC, %s a cell)\n", width, "",
		c.From.UTC().Format(stamp), c.To.UTC().Format(stamp), shortDuration(cell))
	_, err := io.WriteString(w, b.String())
	return err
}

// SVG geometry, in pixels.
const (
	svgLabel = 230
	svgPlot  = 840
	svgRow   = 22
	svgTop   = 48
)

// SVG draws the calendar as a picture: one row per resource, time across with a date at
// each midnight, other projects' leases in one colour, ours in another, free time plain.
func (c Calendar) SVG(w io.Writer) error {
	height := svgTop + svgRow*len(c.Rows) + 40
	width := svgLabel + svgPlot + 20
	span := c.To.Sub(c.From).Seconds()
	x := func(t time.Time) float64 {
		f := t.Sub(c.From).Seconds() / span
		return svgLabel + max(0, min(1, f))*svgPlot
	}
	var b strings.Builder
	esc := func(s string) string {
		var e strings.Builder
		_ = xml.EscapeText(&e, []byte(s))
		return e.String()
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<title>%s availability, %s to %s UTC</title>`+"\n", esc(c.Site), c.From.UTC().Format(stamp), c.To.UTC().Format(stamp))
	b.WriteString(`<style>.other{fill:#d9534f}.own{fill:#2b7bb9}.free{fill:#f7f7f7}.grid{stroke:#bbb;stroke-width:1}.label{fill:#222}</style>` + "\n")
	fmt.Fprintf(&b, `<text class="label" x="10" y="20" font-weight="bold">%s</text>`+"\n", esc(c.Site))
	// The time axis: a tick and a date at each midnight, a lighter tick every 6 hours.
	b.WriteString(`<g class="axis">` + "\n")
	for t := c.From.UTC().Truncate(6 * time.Hour); !t.After(c.To); t = t.Add(6 * time.Hour) {
		if t.Before(c.From) {
			continue
		}
		xt := x(t)
		if t.Hour() == 0 {
			fmt.Fprintf(&b, `<line class="grid" x1="%.1f" y1="%d" x2="%.1f" y2="%d"/>`+"\n", xt, svgTop-14, xt, svgTop+svgRow*len(c.Rows))
			fmt.Fprintf(&b, `<text class="date" x="%.1f" y="%d">%s</text>`+"\n", xt+3, svgTop-18, t.Format("Mon Jan 02"))
		} else {
			fmt.Fprintf(&b, `<line class="grid" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke-dasharray="2,3"/>`+"\n", xt, svgTop-4, xt, svgTop+svgRow*len(c.Rows))
		}
	}
	b.WriteString("</g>\n")
	for i, r := range c.Rows {
		y := svgTop + i*svgRow
		fmt.Fprintf(&b, `<g class="row"><text class="label" x="10" y="%d">%s</text>`, y+15, esc(r.Name))
		fmt.Fprintf(&b, `<rect class="free" x="%d" y="%d" width="%d" height="%d"/>`, svgLabel, y+2, svgPlot, svgRow-4)
		for _, bw := range r.Busy {
			class, who := "other", "another project"
			if bw.Own {
				class, who = "own", "your lease"
			}
			x0, x1 := x(bw.Start), x(bw.End)
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%d" width="%.1f" height="%d"><title>%s: %s to %s UTC</title></rect>`,
				class, x0, y+2, max(1, x1-x0), svgRow-4, who, bw.Start.UTC().Format(stamp), bw.End.UTC().Format(stamp))
		}
		b.WriteString("</g>\n")
	}
	ly := svgTop + svgRow*len(c.Rows) + 22
	fmt.Fprintf(&b, `<g class="legend"><rect class="other" x="%d" y="%d" width="14" height="12"/><text x="%d" y="%d">other projects</text>`, svgLabel, ly-10, svgLabel+18, ly)
	fmt.Fprintf(&b, `<rect class="own" x="%d" y="%d" width="14" height="12"/><text x="%d" y="%d">your leases</text>`, svgLabel+140, ly-10, svgLabel+158, ly)
	fmt.Fprintf(&b, `<rect class="free" x="%d" y="%d" width="14" height="12" stroke="#bbb"/><text x="%d" y="%d">free</text></g>`+"\n", svgLabel+260, ly-10, svgLabel+278, ly)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// shortDuration renders a cell's span as 1d, 2h, 2h48m, 90m.
func shortDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	var b strings.Builder
	if days := d / (24 * time.Hour); days > 0 {
		fmt.Fprintf(&b, "%dd", days)
		d -= days * 24 * time.Hour
	}
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 || b.Len() == 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	return b.String()
}
