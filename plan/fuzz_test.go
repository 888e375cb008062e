package plan

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// FuzzRead feeds the saved-plan reader arbitrary bytes, seeded with every golden plan: it
// never panics, and a plan it accepts writes and reads back to the same bytes. Crashers
// found by `go test -fuzz FuzzRead` land in testdata/fuzz/FuzzRead and stay as seeds.
func FuzzRead(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.txtar")
	for _, path := range paths {
		a, err := txtar.ParseFile(path)
		if err != nil {
			f.Fatal(err)
		}
		if data, ok := section(a, "plan.json"); ok {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"format_version": 1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		var once, twice bytes.Buffer
		if err := Write(&once, p); err != nil {
			return // a plan Read accepts may hold what JSON cannot write back (a time past year 9999)
		}
		q, err := Read(bytes.NewReader(once.Bytes()))
		if err != nil {
			t.Fatalf("a plan written by Write does not read back: %v\n%s", err, once.Bytes())
		}
		if err := Write(&twice, q); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(once.Bytes(), twice.Bytes()) {
			t.Fatalf("write/read/write is not stable:\n%s\n---\n%s", once.Bytes(), twice.Bytes())
		}
	})
}
