package state

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// FuzzDecode feeds the state reader arbitrary bytes, seeded with the states of the golden
// plans: it never panics, and a state it accepts saves and loads back to the same content.
// Crashers found by `go test -fuzz FuzzDecode` land in testdata/fuzz/FuzzDecode and stay as
// seeds.
func FuzzDecode(f *testing.F) {
	paths, _ := filepath.Glob("../plan/testdata/*.txtar")
	for _, path := range paths {
		a, err := txtar.ParseFile(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range a.Files {
			if file.Name == "state.json" {
				f.Add(file.Data)
			}
		}
	}
	f.Add([]byte(`{"format_version": 1, "lineage": "l", "serial": 3, "leases": {"a": {"id": "x"}}, "intents": [{"key": "b", "name": "n", "time": "2026-12-01T09:00:00Z"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := decode(data)
		if err != nil {
			return
		}
		want, err := st.canonical(0)
		if err != nil {
			return // decoded content JSON cannot write back (a time past year 9999)
		}
		path := filepath.Join(t.TempDir(), DefaultFileName)
		st.baseline = nil // as if new: Save writes unchanged content only for a new file
		if err := st.Save(path); err != nil {
			t.Fatalf("a state that decoded does not save: %v", err)
		}
		again, err := Load(path)
		if err != nil {
			t.Fatalf("a saved state does not load: %v", err)
		}
		got, err := again.canonical(0)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want, got) {
			t.Fatalf("save/load changed the content:\n%s\n---\n%s", want, got)
		}
	})
}
