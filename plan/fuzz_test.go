package plan

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/chameleoncloud/leasefile/state"
	"golang.org/x/tools/txtar"
)

// FuzzRead: reading any saved-plan file never panics, and a plan it accepts writes back to a
// file it reads again; checking it against a state never panics either. Seeded with the
// golden plans; crashers found go to testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.txtar")
	for _, p := range paths {
		a, err := txtar.ParseFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if data, ok := section(a, "plan.json"); ok {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"format_version": 2, "changes": [{"key": "a", "action": "delete", "lease_id": "x"}], "adopt": [{"key": "a"}]}`))
	st := state.New()
	st.SetLease("a", &state.Lease{ID: "x", Site: "CHI@UC"})
	st.AddIntent(state.Intent{Key: "b", Name: "b"})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		_ = p.CheckOwned(st)
		var b bytes.Buffer
		if err := Write(&b, p); err != nil {
			t.Fatalf("a plan read back does not write: %v", err)
		}
		if _, err := Read(&b); err != nil {
			t.Fatalf("a plan written from one read does not read: %v\n%s", err, b.String())
		}
	})
}
