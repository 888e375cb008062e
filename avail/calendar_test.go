package avail

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

func testCalendar() Calendar {
	s := testSite()
	s.Bookings = []Booking{book("1", "theirs", 2, 30), book("2", "mine", 10, 20), book("1", "theirs2", 40, 50)}
	s.Bookings[1].Own = true
	return s.Calendar(s.ofKind(Host)[:3], at(0), at(72))
}

// TestSVG renders a calendar and checks the picture's structure: one row per resource,
// one rectangle per booking in its owner's class, plain free rows, a date at each midnight.
func TestSVG(t *testing.T) {
	var b strings.Builder
	if err := testCalendar().SVG(&b); err != nil {
		t.Fatal(err)
	}
	type rect struct {
		Class string  `xml:"class,attr"`
		X     float64 `xml:"x,attr"`
		Width float64 `xml:"width,attr"`
		Title string  `xml:"title"`
	}
	type text struct {
		Class string `xml:"class,attr"`
		Value string `xml:",chardata"`
	}
	type group struct {
		Class string `xml:"class,attr"`
		Rects []rect `xml:"rect"`
		Texts []text `xml:"text"`
	}
	var doc struct {
		XMLName xml.Name
		Title   string  `xml:"title"`
		Groups  []group `xml:"g"`
	}
	if err := xml.Unmarshal([]byte(b.String()), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	if doc.XMLName.Local != "svg" || doc.XMLName.Space != "http://www.w3.org/2000/svg" {
		t.Errorf("root %v, want svg", doc.XMLName)
	}
	if !strings.HasPrefix(doc.Title, "CHI@UC availability") {
		t.Errorf("title %q", doc.Title)
	}
	var rows []group
	var dates []string
	for _, g := range doc.Groups {
		switch g.Class {
		case "row":
			rows = append(rows, g)
		case "axis":
			for _, tx := range g.Texts {
				if tx.Class == "date" {
					dates = append(dates, tx.Value)
				}
			}
		}
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	count := func(g group, class string) int {
		n := 0
		for _, r := range g.Rects {
			if r.Class == class {
				n++
			}
		}
		return n
	}
	for i, want := range [][3]int{{2, 0, 1}, {0, 1, 1}, {0, 0, 1}} {
		if got := [3]int{count(rows[i], "other"), count(rows[i], "own"), count(rows[i], "free")}; got != want {
			t.Errorf("row %d (%s): other/own/free rects %v, want %v", i, rows[i].Texts[0].Value, got, want)
		}
	}
	// Host 1's first booking starts 2 h into 72 h and is clipped at nothing; 28 h wide.
	r := rows[0].Rects[1]
	if wantX := svgLabel + 2.0/72*svgPlot; r.X < wantX-0.1 || r.X > wantX+0.1 || !strings.HasPrefix(r.Title, "another project: 2027-01-04 12:00") {
		t.Errorf("first booking at x=%v (want %v), title %q", r.X, wantX, r.Title)
	}
	if got := strings.Join(dates, ","); got != "Tue Jan 05,Wed Jan 06,Thu Jan 07" {
		t.Errorf("dates %s", got)
	}
}

func TestText(t *testing.T) {
	var b strings.Builder
	if err := testCalendar().Text(&b, 36); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	want := []string{
		"           |Jan 05     |Jan 06     |Jan 07",
		"h1  ·██████████████·····█████···········",
		"h2  ·····▒▒▒▒▒··························",
		"h3  ····································",
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("line %d:\n got %q\nwant %q", i, lines[i], w)
		}
	}
	if !strings.Contains(lines[4], "█ other projects  ▒ yours  · free") {
		t.Errorf("legend %q", lines[4])
	}
}

func TestWindows(t *testing.T) {
	s := testSite()
	s.Bookings = []Booking{book("4", "x", 0, 5), book("4", "x", 30, 40)}
	got := Windows(map[string]*Site{"CHI@UC": s}, []Request{{Site: "CHI@UC", Kind: Host, Conds: []Cond{{"node_type", "==", "gpu_rtx_6000"}},
		Min: 1, Max: 1, Start: at(0), End: at(24), Project: "p1"}}, at(0), 72*time.Hour, 3)
	var starts []string
	for _, f := range got {
		starts = append(starts, f.Start.Format(stamp))
	}
	if s := strings.Join(starts, ","); s != "2027-01-04 15:06,2027-01-06 02:06" {
		t.Errorf("windows %s", s)
	}
}
