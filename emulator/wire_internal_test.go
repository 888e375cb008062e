package emulator

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// TestAppendJSONMatchesEncodingJSON: the fast writer must produce what encoding/json would,
// byte for byte, for every kind of value the wire shapes hold.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	values := []any{
		nil, true, false, 0, -7, 1234567, 3.5, "plain", `quote " and \ back`, "<html> & co", "naïve ✓", "tab\tnew\nline",
		[]string{"a", "b"}, []string{}, []any{}, map[string]any{}, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		[]any{1, "x", nil, []any{true}},
		map[string]any{"b": 1, "a": []any{"x"}, "c": map[string]any{"z": nil, "y": "<"}},
		omap{{"id", "1"}, {"nested", omap{{"k", []any{omap{{"deep", 2}}}}}}, {"list", []string{"x"}}},
	}
	for _, v := range values {
		var got bytes.Buffer
		if err := appendJSON(&got, v); err != nil {
			t.Fatalf("appendJSON(%#v): %v", v, err)
		}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("appendJSON(%#v)\n got %s\nwant %s", v, got.Bytes(), want)
		}
	}
}
