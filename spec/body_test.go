package spec

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReservationBodyJSON: a body encodes as the object Blazar gets, keys sorted as a map's
// were, an empty address list kept and unset fields left out; ToMap is that object.
func TestReservationBodyJSON(t *testing.T) {
	b := ReservationBody{ResourceType: "virtual:floatingip", Amount: ref(2), RequiredFloatingIPs: []string{}, NetworkID: ref("")}
	raw, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"amount":2,"network_id":"","required_floatingips":[],"resource_type":"virtual:floatingip"}`; string(raw) != want {
		t.Errorf("JSON = %s, want %s", raw, want)
	}
	if d := cmp.Diff(map[string]any{"amount": 2.0, "network_id": "", "required_floatingips": []any{}, "resource_type": "virtual:floatingip"}, b.ToMap()); d != "" {
		t.Errorf("ToMap (-want +got):\n%s", d)
	}
	var back ReservationBody
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(b, back); d != "" {
		t.Errorf("read back (-want +got):\n%s", d)
	}
}

func TestReservationBodyWith(t *testing.T) {
	held := ReservationBody{ResourceType: "physical:host", Min: ref(1), Max: ref(2), ResourceProperties: ref("a")}
	got := held.With(ReservationBody{Max: ref(3), ResourceProperties: ref("")})
	want := ReservationBody{ResourceType: "physical:host", Min: ref(1), Max: ref(3), ResourceProperties: ref("")}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("With (-want +got):\n%s", d)
	}
	if *held.Max != 2 {
		t.Error("With changed the body it was called on")
	}
}
