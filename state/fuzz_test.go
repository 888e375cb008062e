package state

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzDecode: reading any state file never panics, decodes as encoding/json does, readDecode
// answers as ReadBounded and decode, and a state
// it accepts encodes to a file that reads back to the same state. Seeded with the golden plans' states. Crashers found go to testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	// The states of the golden plans, then hand-made shapes.
	golden := goldenStates(f)
	for _, path := range slices.Sorted(maps.Keys(golden)) {
		f.Add(golden[path])
	}
	f.Add([]byte(sampleJSON))
	f.Add([]byte(`{"format_version": 1, "lineage": "x", "leases": {"a": {"id": "l", "reservations": {"r": {"id": "q"}}}}, "intents": [{"key": "b", "name": "b", "time": "2026-12-01T08:00:00Z"}]}`))
	f.Add([]byte(`{"format_version": 1, "lineage": "x", "leases": {"a": null}}`))
	f.Add([]byte(`{"format_version": 2}`))
	f.Add([]byte(`{"format_version": 1, "lineage": "x", "leases": {"a": {"id": "l", "x": ` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkTooDeep(t, data)
		checkReadDecode(t, data)
		data, err := ReadBounded(bytes.NewReader(data))
		if err != nil {
			return
		}
		checkDecodeFast(t, "input", data)
		st, err := decode(data)
		if err != nil {
			return
		}
		// The baseline and snapshot made later are what they would be made now.
		eager, err := st.content().canonical(0)
		if err != nil {
			t.Fatalf("a state read does not encode: %v", err)
		}
		if st.settle(); !bytes.Equal(st.baseline, eager) {
			t.Fatalf("baseline made from the bytes read:\n%s\nmade from the state read:\n%s", st.baseline, eager)
		}
		if diff := cmp.Diff(st.content(), st.snap, ignoreBaseline); diff != "" {
			t.Fatalf("snapshot made from the bytes read (-state +snapshot):\n%s", diff)
		}
		content, err := st.canonical(st.Serial)
		if err != nil {
			t.Fatalf("a state read does not encode: %v", err)
		}
		back, err := decode(indented(content))
		if err != nil {
			t.Fatalf("a state written from one read does not read: %v\n%s", err, content)
		}
		if diff := cmp.Diff(st, back, ignoreBaseline, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("state differs after a round trip (-read +reread):\n%s", diff)
		}
	})
}

// checkReadDecode fails t when readDecode answers otherwise than ReadBounded then decode.
func checkReadDecode(t *testing.T, data []byte) {
	t.Helper()
	got, gotErr := readDecode(bytes.NewReader(data))
	var want *File
	b, wantErr := ReadBounded(bytes.NewReader(data))
	if wantErr == nil {
		want, wantErr = decode(b)
	}
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("readDecode: %v; ReadBounded and decode: %v\n%s", gotErr, wantErr, data)
	}
	if diff := cmp.Diff(want, got, ignoreBaseline); diff != "" {
		t.Fatalf("readDecode (-ReadBounded and decode +readDecode):\n%s", diff)
	}
}
