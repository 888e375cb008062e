package emulator_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/google/go-cmp/cmp"
)

// The recordings of Chameleon's Blazar fork (copied from ../shared/recorded/chameleon-2023.1,
// with the inventory they ran on) are replayed in the order they ran.
const recordedDir = "testdata/recorded/chameleon-2023.1"

// keptDifferences are the recorded exchanges the emulator answers differently on purpose,
// by file name, with the reason. Keep it short: anything else is a bug to fix.
var keptDifferences = []struct {
	files *regexp.Regexp
	why   string
}{
	{regexp.MustCompile(`^06-`), "no Accept header: the fork answers an 8,000-byte Python traceback; every real client sends Accept"},
	{regexp.MustCompile(`^9\d-.*-demo\.txt$`), "recorded before the site opened inventory reads to members (403); 420-424 show the open policy the emulator follows"},
	{regexp.MustCompile(`^9[378]-.*allocations-admin\.txt$`), "an admin's allocations add status, lease_name and project_id; the emulator has no admin role and answers every user as a member (421, 422)"},
	{regexp.MustCompile(`^160-`), "sent 0.2 s before the minute turned, and the fork read its clock for \"now\" after it had"},
}

// cleanups are where the recording run deleted its leases between scenario groups. Those
// deletes were not recorded; the Date headers show a gap there, 421's allocations hold only
// the 40x scenarios' leases, and 202-resv's refused growth had one skylake host free.
var cleanups = []string{"110-", "200-near-0", "201-far-0", "202-resv-0", "203-fip-0", "204-active-0", "205-short-0", "300-active-0", "331-", "400-"}

// exchange is one recorded request and its response.
type exchange struct {
	file, method, path, body string
	status                   int
	at                       time.Time // when the request was sent
	answered                 time.Time // the Date header: the run's order, to the second
	resp                     string
}

var statusLine = regexp.MustCompile(`^< HTTP (\d{3}) .*\(([0-9.]+)s\)`)

func loadExchanges(t *testing.T) []exchange {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(recordedDir, "[0-9]*.txt"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no recordings in %s: %v", recordedDir, err)
	}
	var out []exchange
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		head, body, _ := strings.Cut(string(b), "\n\n")
		x := exchange{file: filepath.Base(n), resp: strings.TrimSpace(body)}
		var took float64
		var date time.Time
		for _, line := range strings.Split(head, "\n") {
			switch {
			case strings.HasPrefix(line, "> GET "), strings.HasPrefix(line, "> POST "), strings.HasPrefix(line, "> PUT "), strings.HasPrefix(line, "> DELETE "):
				f := strings.Fields(line)
				x.method = f[1]
				x.path = strings.TrimPrefix(f[2], "http://127.0.0.1:11234")
			case strings.HasPrefix(line, "> "):
				x.body = strings.TrimPrefix(line, "> ")
			case statusLine.MatchString(line):
				m := statusLine.FindStringSubmatch(line)
				x.status, _ = strconv.Atoi(m[1])
				took, _ = strconv.ParseFloat(m[2], 64)
			case strings.HasPrefix(line, "< Date: "):
				date, err = time.Parse(http.TimeFormat, strings.TrimPrefix(line, "< Date: "))
				if err != nil {
					t.Fatalf("%s: %v", n, err)
				}
			}
		}
		if x.method == "" || x.status == 0 || date.IsZero() {
			t.Fatalf("%s: not a recorded exchange", n)
		}
		// When the request was sent: the Date header is when the answer was, to the second.
		x.at, x.answered = date.Add(-time.Duration(took*float64(time.Second))), date
		out = append(out, x)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].answered.Before(out[j].answered) })
	return out
}

var (
	idRE   = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[0-9a-f]{32}\b`)
	timeRE = regexp.MustCompile(`\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?|datetime\.datetime\([0-9, ]+\)|req-<id>`)
)

func normalize(s string) string {
	return timeRE.ReplaceAllString(idRE.ReplaceAllString(s, "<id>"), "<time>")
}

// learnIDs maps the recording's ids to the emulator's, walking both answers side by side.
func learnIDs(ids map[string]string, rec, got any) {
	switch r := rec.(type) {
	case map[string]any:
		g, _ := got.(map[string]any)
		for k, v := range r {
			learnIDs(ids, v, g[k])
		}
	case []any:
		g, _ := got.([]any)
		for i, v := range r {
			if m, ok := v.(map[string]any); ok {
				// Blazar lists reservations and events in no fixed order: pair them by type.
				if gm := pair(m, g); gm != nil {
					learnIDs(ids, v, gm)
					continue
				}
			}
			if i < len(g) {
				learnIDs(ids, v, g[i])
			}
		}
	case string:
		if g, ok := got.(string); ok && g != r && idRE.MatchString(r) && idRE.MatchString(g) && len(r) == len(g) {
			if _, known := ids[r]; !known {
				ids[r] = g
			}
		}
	}
}

func pair(m map[string]any, list []any) any {
	for _, k := range []string{"id", "resource_id", "event_type", "resource_type"} {
		if v, ok := m[k]; ok {
			for _, x := range list {
				if xm, _ := x.(map[string]any); xm != nil && xm[k] == v {
					return xm
				}
			}
		}
	}
	return nil
}

// shape is keyTree with the lease statuses kept (what a client can tell apart), and lists of
// reservations or events keyed by their type, since Blazar lists them in no fixed order.
func shape(v any) any {
	if m, ok := v.(map[string]any); ok {
		if l, ok := m["lease"].(map[string]any); ok {
			return map[string]any{"lease": typedTree(l), "status": l["status"]}
		}
	}
	return typedTree(v)
}

func typedTree(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = typedTree(e)
		}
		return out
	case []any:
		byType := map[string]any{}
		for _, e := range x {
			m, _ := e.(map[string]any)
			for _, k := range []string{"resource_type", "event_type"} {
				if t, ok := m[k].(string); ok {
					byType[t] = typedTree(m)
				}
			}
		}
		if len(byType) > 0 {
			return byType
		}
		if len(x) == 0 {
			return []any{}
		}
		return []any{typedTree(x[0])}
	}
	return keyTree(v)
}

func TestReplayRecordings(t *testing.T) {
	xs := loadExchanges(t)
	clock := emulator.NewFakeClock(xs[0].at)
	inv := recordedInventory(t)
	v := newEnv(t, emulator.Config{Clock: clock, Inventory: inv})
	appcred := func(id, secret string) string {
		r := v.call("POST", v.base("CHI@UC")+"/identity/v3/auth/tokens", "", appCredAuth(map[string]any{"id": id, "secret": secret}))
		return r.header.Get("X-Subject-Token")
	}
	demo, other := v.login("CHI@UC", "demo"), v.login("CHI@UC", "other")
	ids := map[string]string{}
	seen := map[int]bool{}
	for _, x := range xs {
		kept := false
		for i, k := range keptDifferences {
			if k.files.MatchString(x.file) {
				kept, seen[i] = true, true
			}
		}
		if kept {
			continue
		}
		clock.Set(x.at)
		for _, c := range cleanups {
			if strings.HasPrefix(x.file, c) {
				for _, l := range v.emu.Leases("CHI@UC") {
					must(t, v.emu.DeleteLease("CHI@UC", l.ID))
				}
			}
		}
		tok := demo
		switch {
		case strings.Contains(x.file, "noauth"):
			tok = ""
		case strings.Contains(x.file, "badtoken"):
			tok = "gAAAAA-not-a-token"
		case strings.Contains(x.file, "other-project"):
			tok = other
		case strings.HasPrefix(x.file, "320-"), strings.HasPrefix(x.file, "321-"):
			must(t, v.emu.SetKeystone(emulator.KeystoneFixed))
			tok = appcred(map[bool]string{true: emulator.RestrictedAppCredID, false: emulator.DemoAppCredID}[strings.HasPrefix(x.file, "320-")],
				map[bool]string{true: emulator.RestrictedAppCredSecret, false: emulator.DemoAppCredSecret}[strings.HasPrefix(x.file, "320-")])
		case strings.HasPrefix(x.file, "330-"), strings.HasPrefix(x.file, "331-"):
			must(t, v.emu.SetKeystone(emulator.KeystoneInsecureEscalation))
			tok = appcred(map[bool]string{true: emulator.RestrictedAppCredID, false: emulator.DemoAppCredID}[strings.HasPrefix(x.file, "330-")],
				map[bool]string{true: emulator.RestrictedAppCredSecret, false: emulator.DemoAppCredSecret}[strings.HasPrefix(x.file, "330-")])
		}
		path, body := x.path, x.body
		for rec, got := range ids {
			path, body = strings.ReplaceAll(path, rec, got), strings.ReplaceAll(body, rec, got)
		}
		url := v.base("CHI@UC") + "/reservation" + path
		ct := "application/json"
		if strings.Contains(x.file, "wrong-content-type") {
			ct = "text/plain"
		}
		var r resp
		if x.method == "GET" || x.method == "DELETE" {
			r = v.callRaw(x.method, url, tok, "", "")
		} else {
			r = v.callRaw(x.method, url, tok, ct, body)
		}
		var rec any
		_ = json.Unmarshal([]byte(x.resp), &rec)
		var got any
		_ = json.Unmarshal(r.raw, &got)
		learnIDs(ids, rec, got)
		why := []string{}
		if r.status != x.status {
			why = append(why, fmt.Sprintf("status %d, recorded %d", r.status, x.status))
		}
		recMsg, gotMsg := errText(rec), errText(got)
		if normalize(recMsg) != normalize(gotMsg) {
			why = append(why, fmt.Sprintf("error %q, recorded %q", gotMsg, recMsg))
		}
		if d := cmp.Diff(shape(rec), shape(got)); d != "" && r.status == x.status {
			why = append(why, "body (-recorded +emulator):\n"+d)
		}
		if len(why) > 0 {
			t.Errorf("%s: %s %s:\n%s", x.file, x.method, x.path, strings.Join(why, "\n"))
		}
	}
	for i, k := range keptDifferences {
		if !seen[i] {
			t.Errorf("kept difference %s matches no recording: remove it", k.files)
		}
	}
}

func errText(v any) string {
	m, _ := v.(map[string]any)
	if s, ok := m["error_message"].(string); ok {
		return s
	}
	if e, ok := m["error"].(map[string]any); ok {
		s, _ := e["message"].(string)
		return s
	}
	return ""
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestRecordingsCopyIsCurrent: the copy in testdata matches ../shared/recorded (which CI has
// too), so the replay cannot silently run on stale recordings.
func TestRecordingsCopyIsCurrent(t *testing.T) {
	shared := filepath.Join("..", "..", "shared", "recorded", "chameleon-2023.1")
	names, _ := filepath.Glob(filepath.Join(shared, "*"))
	if len(names) == 0 {
		t.Skipf("no %s here", shared)
	}
	for _, n := range names {
		want, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(recordedDir, filepath.Base(n)))
		if err != nil || string(got) != string(want) {
			t.Errorf("%s differs from %s: copy it again (%v)", filepath.Join(recordedDir, filepath.Base(n)), n, err)
		}
	}
}
