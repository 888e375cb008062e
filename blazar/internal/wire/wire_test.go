package wire

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScalars(t *testing.T) {
	var s struct {
		A, B, C Int
		D, E, F String
	}
	in := `{"A": 3, "B": "4", "C": null, "D": "x", "E": 151, "F": null}`
	if err := json.Unmarshal([]byte(in), &s); err != nil {
		t.Fatal(err)
	}
	if s.A.P == nil || *s.A.P != 3 || s.B.P == nil || *s.B.P != 4 || s.C.P != nil {
		t.Errorf("ints %v %v %v", s.A.P, s.B.P, s.C.P)
	}
	if s.D != "x" || s.E != "151" || s.F != "" {
		t.Errorf("strings %q %q %q", s.D, s.E, s.F)
	}
	for _, bad := range []string{`{"A": "two"}`, `{"A": 1.5}`, `{"D": {}}`} {
		if err := json.Unmarshal([]byte(bad), &s); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
}

func TestExtra(t *testing.T) {
	type model struct {
		ID   string `json:"id"`
		Name string `json:"name,omitempty"`
		Skip string `json:"-"`
	}
	got, err := Extra([]byte(`{"id": "1", "name": "n", "node_type": "x", "-": 1, "n": 2}`), model{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"node_type": "x", "-": 1.0, "n": 2.0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Extra (-want +got):\n%s", diff)
	}
	if got, _ := Extra([]byte(`{"id": "1"}`), &model{}); got != nil {
		t.Errorf("Extra with nothing extra = %v, want nil", got)
	}
}
