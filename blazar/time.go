package blazar

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// InputLayout is the only date format Blazar accepts on create and update
// (UTC, minute precision; seconds are rejected with a 400).
const InputLayout = "2006-01-02 15:04"

// OutputLayout is how Blazar writes lease, event and allocation dates.
// Formatting with it keeps the six zeros Blazar always sends.
const OutputLayout = "2006-01-02T15:04:05.000000"

// TimestampLayout is how Blazar writes created_at and updated_at.
const TimestampLayout = "2006-01-02 15:04:05"

// parseLayouts are tried in order; Go's ".999999999" fraction is optional
// when parsing, so each covers the with- and without-fraction forms.
var parseLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	InputLayout,
	"2006-01-02T15:04",
}

// FormatInput renders t the way Blazar wants dates in a request body:
// "YYYY-MM-DD HH:MM" in UTC. Seconds are dropped (truncated, as Blazar itself
// truncates "now").
func FormatInput(t time.Time) string {
	return t.UTC().Format(InputLayout)
}

// ParseTime reads any date format Blazar emits: "2006-01-02T15:04:05.000000"
// with or without a fraction, "2006-01-02 15:04:05", or RFC 3339. Naive
// times are UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range parseLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("blazar: unrecognised date %q", s)
}

// JSONTime decodes a Blazar date in any of its output formats; JSON null and
// "" decode to the zero time. It encodes in OutputLayout. Resource packages
// use it in their unmarshalling structs.
type JSONTime time.Time

// UnmarshalJSON implements json.Unmarshaler.
func (jt *JSONTime) UnmarshalJSON(data []byte) error {
	if bytes.Equal(data, []byte("null")) {
		*jt = JSONTime{}
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("blazar: date: %w", err)
	}
	if s == "" {
		*jt = JSONTime{}
		return nil
	}
	t, err := ParseTime(s)
	if err != nil {
		return err
	}
	*jt = JSONTime(t)
	return nil
}

// MarshalJSON implements json.Marshaler.
func (jt JSONTime) MarshalJSON() ([]byte, error) {
	t := time.Time(jt)
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(OutputLayout))
}

// Time returns the decoded time.
func (jt JSONTime) Time() time.Time { return time.Time(jt) }

// Ptr returns nil for the zero time (a JSON null) and the time otherwise,
// for nullable fields such as updated_at.
func (jt JSONTime) Ptr() *time.Time {
	t := time.Time(jt)
	if t.IsZero() {
		return nil
	}
	return &t
}

// FormatTimestamp renders a created_at or updated_at the way Blazar writes
// it, in TimestampLayout and UTC, so that a recorded value compares equal to
// a freshly listed one; "" for nil (a lease never updated).
func FormatTimestamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(TimestampLayout)
}
