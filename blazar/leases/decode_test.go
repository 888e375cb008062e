package leases

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/internal/wire"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	gcleases "github.com/gophercloud/gophercloud/v2/openstack/reservation/v1/leases"
)

// The reference the decoder must agree with: encoding/json into the same types through the
// wire helpers, as the package decoded before decode.go (kept here, in the test only).

type refLease Lease

func (l *refLease) UnmarshalJSON(b []byte) error {
	var s struct {
		ID           string           `json:"id"`
		Name         string           `json:"name"`
		Status       string           `json:"status"`
		StatusReason string           `json:"status_reason"`
		Degraded     bool             `json:"degraded"`
		UserID       string           `json:"user_id"`
		ProjectID    string           `json:"project_id"`
		StartDate    blazar.JSONTime  `json:"start_date"`
		EndDate      blazar.JSONTime  `json:"end_date"`
		CreatedAt    blazar.JSONTime  `json:"created_at"`
		UpdatedAt    blazar.JSONTime  `json:"updated_at"`
		Reservations []refReservation `json:"reservations"`
		Events       []refEvent       `json:"events"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*l = refLease{
		ID: s.ID, Name: s.Name, Status: s.Status, StatusReason: s.StatusReason, Degraded: s.Degraded,
		UserID: s.UserID, ProjectID: s.ProjectID,
		StartDate: s.StartDate.Time(), EndDate: s.EndDate.Time(),
		CreatedAt: s.CreatedAt.Time(), UpdatedAt: s.UpdatedAt.Ptr(),
	}
	if s.Reservations != nil {
		l.Reservations = []Reservation{}
		for _, r := range s.Reservations {
			l.Reservations = append(l.Reservations, Reservation(r))
		}
	}
	if s.Events != nil {
		l.Events = []Event{}
		for _, e := range s.Events {
			l.Events = append(l.Events, Event(e))
		}
	}
	return nil
}

type refReservation Reservation

type refReservationWire struct {
	ID                   string      `json:"id"`
	LeaseID              string      `json:"lease_id"`
	ResourceID           wire.String `json:"resource_id"`
	ResourceType         string      `json:"resource_type"`
	Status               string      `json:"status"`
	Min                  wire.Int    `json:"min"`
	Max                  wire.Int    `json:"max"`
	ResourceProperties   string      `json:"resource_properties"`
	HypervisorProperties string      `json:"hypervisor_properties"`
	BeforeEnd            string      `json:"before_end"`
	NetworkID            string      `json:"network_id"`
	Amount               wire.Int    `json:"amount"`
	RequiredFloatingIPs  []string    `json:"required_floatingips"`
	MissingResources     bool        `json:"missing_resources"`
	ResourcesChanged     bool        `json:"resources_changed"`
}

func (r *refReservation) UnmarshalJSON(b []byte) error {
	var s refReservationWire
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	extra, err := wire.Extra(b, s)
	if err != nil {
		return err
	}
	*r = refReservation{
		ID: s.ID, LeaseID: s.LeaseID, ResourceID: string(s.ResourceID), ResourceType: s.ResourceType, Status: s.Status,
		Min: s.Min.P, Max: s.Max.P,
		ResourceProperties: s.ResourceProperties, HypervisorProperties: s.HypervisorProperties, BeforeEnd: s.BeforeEnd,
		NetworkID: s.NetworkID, Amount: s.Amount.P, RequiredFloatingIPs: s.RequiredFloatingIPs,
		MissingResources: s.MissingResources, ResourcesChanged: s.ResourcesChanged,
		Extra: extra,
	}
	return nil
}

type refEvent Event

func (e *refEvent) UnmarshalJSON(b []byte) error {
	var s struct {
		ID        string          `json:"id"`
		LeaseID   string          `json:"lease_id"`
		EventType string          `json:"event_type"`
		Time      blazar.JSONTime `json:"time"`
		Status    string          `json:"status"`
		CreatedAt blazar.JSONTime `json:"created_at"`
		UpdatedAt blazar.JSONTime `json:"updated_at"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*e = refEvent{ID: s.ID, LeaseID: s.LeaseID, EventType: s.EventType, Time: s.Time.Time(), Status: s.Status,
		CreatedAt: s.CreatedAt.Time(), UpdatedAt: s.UpdatedAt.Ptr()}
	return nil
}

func refDecode(b []byte) ([]Lease, error) {
	var s struct {
		Leases []refLease `json:"leases"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	out := []Lease{}
	for _, l := range s.Leases {
		out = append(out, Lease(l))
	}
	return out, nil
}

// recordedLists are the lease listings recorded from real Blazars (upstream and Chameleon's
// fork), as they were sent.
func recordedLists(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	for _, pat := range []string{"../../../shared/recorded/blazar/lease-list*.json", "../../../shared/recorded/chameleon-2023.1/*list*.txt"} {
		files, _ := filepath.Glob(pat)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if i := bytes.Index(b, []byte("\n{")); strings.HasSuffix(f, ".txt") && i >= 0 {
				b = b[i+1:]
			}
			if json.Valid(b) && bytes.Contains(b, []byte(`"leases"`)) {
				out[filepath.Base(f)] = b
			}
		}
	}
	if len(out) < 2 {
		t.Fatalf("found %d recorded lease lists", len(out))
	}
	return out
}

// TestDecodeAgreesWithEncodingJSON: the single-pass decoder gives what encoding/json gave, on
// every recorded list, on a synthetic list with every lenient shape, whole or a byte at a time.
func TestDecodeAgreesWithEncodingJSON(t *testing.T) {
	bodies := recordedLists(t)
	bodies["synthetic"] = []byte(syntheticList)
	bodies["other keys first"] = []byte(`{"next": null, "count": [1, {"a": "]"}], "leases": [` + syntheticLease + `]}`)
	for name, b := range bodies {
		want, err := refDecode(b)
		if err != nil {
			t.Fatalf("%s: reference: %v", name, err)
		}
		got, err := decodeList(bytes.NewReader(b), nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-encoding/json +decodeList):\n%s", name, diff)
		}
		got, err = decodeList(&slowReader{b: b}, nil)
		if err != nil {
			t.Fatalf("%s, a byte at a time: %v", name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s, a byte at a time (-encoding/json +decodeList):\n%s", name, diff)
		}
	}
}

// TestDecodeKeep: a lease keep wants in Scalars has its scalars and no reservations or
// events, even when its id comes after them; one it wants Whole is whole, with Reservations
// whole but its events; one it drops is left
// out, the others as they were, whether its id and name come first (the rest of the object
// then skipped unread) or last, and whether the answer comes whole or a byte at a time.
func TestDecodeKeep(t *testing.T) {
	b := []byte(syntheticList)
	all, err := decodeList(bytes.NewReader(b), nil)
	if err != nil {
		t.Fatal(err)
	}
	keepID := all[0].ID
	got, err := decodeList(bytes.NewReader(b), func(id, name string) Need {
		if id == keepID {
			return Whole
		}
		return Scalars
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(all[0], got[0]); diff != "" {
		t.Errorf("kept lease (-whole +kept):\n%s", diff)
	}
	want := all[1]
	want.Reservations, want.Events = nil, nil
	if diff := cmp.Diff(want, got[1]); diff != "" {
		t.Errorf("refused lease (-scalars +got):\n%s", diff)
	}

	bodies := recordedLists(t)
	bodies["synthetic"] = b
	bodies["many"] = benchList(t, 300) // longer than a read: leases split across reads
	for name, b := range bodies {
		all, err := decodeList(bytes.NewReader(b), nil)
		if err != nil {
			t.Fatal(err)
		}
		for shift := range 4 { // every lease dropped, kept bare, without events and whole in turn
			need := map[string]Need{}
			var want []Lease
			for i, l := range all {
				n := Need((i + shift) % 4)
				need[l.ID] = n
				switch n {
				case Whole:
					want = append(want, l)
				case Reservations:
					l.Events = nil
					want = append(want, l)
				case Scalars:
					l.Reservations, l.Events = nil, nil
					want = append(want, l)
				}
			}
			for _, r := range []io.Reader{bytes.NewReader(b), &slowReader{b: b}} {
				got, err := decodeList(r, func(id, name string) Need { return need[id] })
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("%s, shift %d, %T (-want +got):\n%s", name, shift, r, diff)
				}
			}
		}
	}
}

// TestDecodeErrors: a broken list is an error, never a partial list.
func TestDecodeErrors(t *testing.T) {
	for _, b := range []string{
		``, `{`, `{"leases": [`, `{"leases": [{"id": "a"}`, `{"leases": [{"id": 1}]}`,
		`{"leases": [{"id": "a", "reservations": [{"min": "x"}]}]}`,
		`{"leases": [{"id": "a", "start_date": "tomorrow"}]}`, `{"leases": [{"id": "a", "end_date": "2026-02-29T10:00:00.000000"}]}`, `{"leases": [{"id": "a", "end_date": "2100-02-29 10:00:00"}]}`, `{"leases": [{"id": "a", "end_date": "2026-04-31 10:00:00"}]}`, `{"leases": [{"id": "a}]}`,
		`{"leases": [{"id": "a", "degraded": 3}]}`, `{"leases": [] x}`, `[]`,
	} {
		if got, err := decodeList(strings.NewReader(b), nil); err == nil {
			t.Errorf("decodeList(%q) = %v, want an error", b, got)
		}
	}
}

// FuzzDecode: whatever the bytes, the decoder agrees with encoding/json on what it accepts
// (keys matched exactly, where encoding/json folds their case).
func FuzzDecode(f *testing.F) {
	for _, b := range recordedLists(f) {
		f.Add(b)
	}
	f.Add([]byte(syntheticList))
	f.Fuzz(func(t *testing.T, b []byte) {
		if !bytes.Equal(b, bytes.ToLower(b)) || bytes.ContainsRune(b, 'ſ') || bytes.ContainsRune(b, '\u212a') {
			// encoding/json folds the case of keys ("ID" is "id"); the decoder matches them
			// exactly, as Blazar writes them.
			return
		}
		want, werr := refDecode(b)
		got, gerr := decodeList(bytes.NewReader(b), nil)
		if gerr != nil {
			return
		}
		if werr != nil {
			t.Fatalf("decodeList accepted what encoding/json refused (%v): %q", werr, b)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("(-encoding/json +decodeList):\n%s", diff)
		}
		bare, err := decodeList(bytes.NewReader(b), func(string, string) Need { return Scalars })
		if err != nil {
			t.Fatalf("refused every lease: %v", err)
		}
		var asked []string
		none, err := decodeList(bytes.NewReader(b), func(id, name string) Need {
			asked = append(asked, id, name)
			return Drop
		})
		if err != nil || len(none) != 0 {
			t.Fatalf("dropped every lease: %d leases, %v", len(none), err)
		}
		var each []string
		for _, l := range want {
			each = append(each, l.ID, l.Name)
		}
		if diff := cmp.Diff(each, asked, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("dropped every lease: keep asked (-leases +asked):\n%s", diff)
		}
		for i := range want {
			want[i].Reservations, want[i].Events = nil, nil
		}
		if diff := cmp.Diff(want, bare); diff != "" {
			t.Fatalf("every lease refused (-encoding/json +decodeList):\n%s", diff)
		}
	})
}

// TestSkipNestedAgreesWithSkip: skipNested, which jumps from bracket to bracket, ends every
// array and object where the byte-by-byte skip does, on random values full of the strings
// that could mislead it (brackets, quotes and backslashes inside strings, nesting of both
// kinds) and on the recorded lists.
func TestSkipNestedAgreesWithSkip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pieces := []string{`[`, `]`, `{`, `}`, `\"`, `\\`, `\\\"`, `"`, `x`, `\u005d`, `é`, ` `}
	str := func() string {
		var b strings.Builder
		for range r.IntN(6) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		v, _ := json.Marshal(b.String())
		return string(v)
	}
	var value func(depth int) string
	value = func(depth int) string {
		switch k := r.IntN(6); {
		case depth > 4 || k == 0:
			return str()
		case k == 1:
			return []string{"1", "-2.5e3", "true", "null"}[r.IntN(4)]
		case k%2 == 0:
			var parts []string
			for range r.IntN(4) {
				parts = append(parts, value(depth+1))
			}
			return "[" + strings.Join(parts, ", ") + "]"
		default:
			var parts []string
			for range r.IntN(4) {
				parts = append(parts, str()+": "+value(depth+1))
			}
			return "{" + strings.Join(parts, ",") + "}"
		}
	}
	check := func(v string) {
		t.Helper()
		b := []byte(v + ` , "next": "]}"`)
		s := scanner{b: b}
		if err := s.skip(); err != nil {
			t.Fatalf("skip(%s): %v", v, err)
		}
		got, err := skipNested(b, 0)
		if err != nil || got != s.i {
			t.Fatalf("skipNested(%s) = %d, %v; skip ends at %d", v, got, err, s.i)
		}
	}
	for range 20000 {
		if v := value(0); v[0] == '[' || v[0] == '{' {
			check(v)
		}
	}
	for name, b := range recordedLists(t) {
		if i := bytes.IndexByte(b, '['); i >= 0 {
			check(string(b[i:]))
		} else {
			t.Fatalf("%s: no list", name)
		}
	}
	if _, err := skipNested([]byte(`[{"a": "]"}`), 0); err == nil {
		t.Error("an unterminated array has an end")
	}
}

// TestPlainEnd: the eight-bytes-at-a-time search stops where a byte-by-byte one does, for
// every special byte at every offset of strings around the word size.
func TestPlainEnd(t *testing.T) {
	slow := func(b []byte) int {
		for i, c := range b {
			if c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
				return i
			}
		}
		return len(b)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for n := range 40 {
		for range 200 {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(0x20 + r.IntN(0x5f)) // printable ASCII
			}
			for range r.IntN(3) {
				if n > 0 {
					b[r.IntN(n)] = []byte{'"', '\\', 0, 0x1f, 0x7f, 0x80, 0xff, 0xc3, ' ', '!', '#', '[', 0x21, 0x5b, 0x5d}[r.IntN(15)]
				}
			}
			if got, want := plainEnd(b), slow(b); got != want {
				t.Fatalf("plainEnd(%q) = %d, want %d", b, got, want)
			}
		}
	}
}

// TestRawStrAgreesWithEncodingJSON: a string with only quote, backslash and slash escapes is
// unescaped without encoding/json; it and every other string read as encoding/json reads it,
// or fail where it fails.
func TestRawStrAgreesWithEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	pieces := []string{`\"`, `\\`, `\/`, `\n`, `\u005d`, `\ud83d\ude00`, `\x`, `é`, "\xff", "\x01", `[`, `==`, `$node_type`, ` `, `a`}
	for range 20000 {
		var b strings.Builder
		b.WriteByte('"')
		for range r.IntN(8) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		b.WriteByte('"')
		in := b.String()
		var want string
		werr := json.Unmarshal([]byte(in), &want)
		s := scanner{b: []byte(in)}
		got, gerr := s.rawStr()
		if (werr != nil) != (gerr != nil) || (werr == nil && string(got) != want) {
			t.Fatalf("rawStr(%q) = %q, %v; encoding/json: %q, %v", in, got, gerr, want, werr)
		}
	}
}

// TestFastDate: the direct reading of Blazar's two layouts gives what time.Parse gives, over
// random instants, leap days and the ends of the calendar; what it cannot read it leaves to
// blazar.ParseTime.
func TestFastDate(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 20000 {
		at := time.Unix(r.Int64N(253402300800-(-62135596800))+(-62135596800), r.Int64N(1e6)*1000).UTC()
		switch i {
		case 0:
			at = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
		case 1:
			at = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
		case 2:
			at = time.Date(2000, 2, 29, 12, 0, 0, 0, time.UTC)
		case 3:
			at = time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)
		}
		for _, layout := range []string{"2006-01-02T15:04:05.000000", "2006-01-02 15:04:05"} {
			text := at.Format(layout)
			want, err := time.Parse(layout, text)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := fastDate([]byte(text))
			if !ok || got != want {
				t.Fatalf("fastDate(%q) = %v, %v; want %v", text, got, ok, want)
			}
		}
	}
	for _, text := range []string{"0000-01-01 00:00:00", "2026-02-29 10:00:00", "2026-13-01 10:00:00", "2026-01-01 24:00:00", "2026-01-01T10:00:00.00000x", "2026-01-01 10:00"} {
		if got, ok := fastDate([]byte(text)); ok {
			t.Errorf("fastDate(%q) = %v, want it left to time.Parse", text, got)
		}
	}
}

type slowReader struct{ b []byte }

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	p[0] = r.b[0]
	r.b = r.b[1:]
	return 1, nil
}

const syntheticLease = `{"reservations": [{"id": "r1", "lease_id": "l1", "resource_id": 42, "resource_type": "network",
  "status": "active", "min": "2", "max": 3.0, "amount": null, "network_id": "n\u00e9t", "required_floatingips": [],
  "missing_resources": null, "resources_changed": true, "created_at": "2026-12-01 19:15:06",
  "network_name": "my \"net\"", "nested": {"a": [1, 2.5, true, null, "x"]}, "resource_properties": ""},
  {"id": "r2", "resource_type": "virtual:floatingip", "amount": 2, "required_floatingips": ["10.0.0.1"],
  "resource_properties": "[\"==\", \"$node_type\", \"x\"]"}],
 "events": [{"id": "e1", "event_type": "start_lease", "time": "2028-02-29T10:00:00.000000", "status": "DONE",
  "created_at": "2026-12-01 19:15:07", "updated_at": "2026-12-01T19:15:08.123456"}],
 "id": "l1", "name": "caf\u00e9 lease", "status": "ACTIVE", "status_reason": null, "degraded": true,
 "user_id": "u", "project_id": "p", "trust_id": 7,
 "start_date": "2026-12-31T23:59:59.999999", "end_date": "2027-01-01 00:00", "created_at": "2026-12-01 19:15:06",
 "updated_at": null}`

const syntheticList = `{"leases": [` + syntheticLease + `,
 {"id": "l2", "name": "plain", "status": "PENDING", "start_date": "2026-12-01T21:15:00.000000",
  "end_date": "2026-12-02T19:15:00.000000", "created_at": "2000-02-29 19:15:06", "updated_at": "2026-12-01 19:15:07",
  "reservations": [{"id": "r3", "resource_type": "physical:host", "min": 1, "max": 1, "on_start": "default"}],
  "events": null}
]}`

// benchList is a listing of n leases shaped as Chameleon's fork sends them (the recorded
// 11-lease-list.txt's lease: one host reservation, three events), with distinct ids.
func benchList(tb testing.TB, n int) []byte {
	rec := recordedLists(tb)["11-lease-list.txt"]
	i, j := bytes.IndexByte(rec, '['), bytes.LastIndexByte(rec, ']')
	one := rec[i+1 : j]
	var b bytes.Buffer
	b.WriteString(`{"leases": [`)
	for k := range n {
		if k > 0 {
			b.WriteString(", ")
		}
		b.Write(bytes.ReplaceAll(one, []byte("312df0a0-3f30-4de2-8170"), fmt.Appendf(nil, "312df0a0-3f30-4de2-%04x", k)))
	}
	b.WriteString("]}")
	return b.Bytes()
}

// BenchmarkDecodeList10000 decodes a 10,000-lease list: this package's decoder (every lease
// whole, and a plan's case, 1,000 kept), the encoding/json decoder it replaced, and
// gophercloud's own reservation/v1/leases types (which lose the fork's fields: see doc.go). LEASEFILE_BENCH_BODY=FILE also writes the
// list, for scripts/bench.sh's comparison with CPython's json.loads.
func BenchmarkDecodeList10000(b *testing.B) {
	body := benchList(b, 10000)
	if f := os.Getenv("LEASEFILE_BENCH_BODY"); f != "" {
		if err := os.WriteFile(f, body, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	run := func(name string, decode func() (int, error)) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				n, err := decode()
				if err != nil || n != 10000 {
					b.Fatalf("%d leases, %v", n, err)
				}
			}
			// CPU beside wall: the garbage collector works on the other cores.
			b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
	run("leasefile", func() (int, error) {
		l, err := decodeList(bytes.NewReader(body), nil)
		return len(l), err
	})
	// A plan's cases: 1,000 leases kept with their reservations (what plan, apply and output
	// ask), the others bare (apply's waits) or, as a plan asks, dropped.
	for _, other := range []Need{Scalars, Drop} {
		name := map[Need]string{Scalars: "leasefile-keep1000", Drop: "leasefile-keep1000-drop"}[other]
		run(name, func() (int, error) {
			kept := 0
			l, err := decodeList(bytes.NewReader(body), func(id, _ string) Need {
				// benchList numbers the leases in hex after the fourth group of the id
				if k, _ := strconv.ParseUint(id[19:23], 16, 64); k%10 == 0 {
					return Reservations
				}
				return other
			})
			for _, l := range l {
				if l.Reservations != nil {
					kept++
				}
			}
			if kept != 1000 {
				b.Fatalf("kept %d leases whole, want 1000", kept)
			}
			if other == Drop && len(l) == 1000 {
				return 10000, err
			}
			return len(l), err
		})
	}
	run("encoding-json-before", func() (int, error) {
		l, err := refDecode(body)
		return len(l), err
	})
	run("gophercloud-v2.16", func() (int, error) {
		var s struct {
			Leases []gcleases.Lease `json:"leases"`
		}
		err := json.Unmarshal(body, &s)
		return len(s.Leases), err
	})
}
