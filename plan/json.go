package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
)

// ErrNewerFormat is wrapped by Read's error for a plan written by a newer leasefile.
var ErrNewerFormat = errors.New("plan format is newer than this leasefile")

// ErrOlderFormat is wrapped by Read's error for a plan written by an older leasefile, in a
// format this one no longer applies (format_version 1 displayed values as strings).
var ErrOlderFormat = errors.New("plan format is older than this leasefile")

// RenderJSON writes the plan as versioned JSON (indent 2), the format of -json and of saved
// plans. Field names only ever get added within a FormatVersion.
func RenderJSON(w io.Writer, p *Plan) error {
	c := *p
	if c.FormatVersion == 0 {
		c.FormatVersion = FormatVersion
	}
	if c.Changes == nil {
		c.Changes = []Change{}
	}
	if c.Observed == nil {
		c.Observed = []Observed{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(&c)
}

// Write saves a plan for a later apply PLANFILE; it is RenderJSON under the name callers of
// saved plans look for.
func Write(w io.Writer, p *Plan) error { return RenderJSON(w, p) }

// Read loads a saved plan. It refuses a plan from a newer leasefile rather than apply
// something it may misunderstand, and anything that is not a plan at all.
func Read(r io.Reader) (*Plan, error) {
	data, err := state.ReadBounded(r)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	// The version first: an older plan's fields may not decode as this version's.
	var v struct {
		FormatVersion int `json:"format_version"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("read plan: more than one JSON document (at byte %d)", dec.InputOffset())
	}
	p := Plan{FormatVersion: v.FormatVersion}
	if p.FormatVersion == FormatVersion {
		if err := json.Unmarshal(data, &p); err != nil {
			return nil, fmt.Errorf("read plan: %w", err)
		}
	}
	switch {
	case p.FormatVersion == 0:
		return nil, errors.New("read plan: not a leasefile plan (no format_version)")
	case p.FormatVersion > FormatVersion:
		return nil, fmt.Errorf("read plan: format_version %d, this leasefile reads up to %d: %w", p.FormatVersion, FormatVersion, ErrNewerFormat)
	case p.FormatVersion < FormatVersion:
		return nil, fmt.Errorf("read plan: format_version %d was written by an older leasefile, this one reads %d: %w", p.FormatVersion, FormatVersion, ErrOlderFormat)
	}
	return &p, nil
}

// The typed JSON of a plan (format_version 2). In memory, a FieldChange holds its values as
// displayed (what the text and markdown plans print, and what -diff compares); in JSON each
// value has its type: counts are numbers, addresses and queries arrays, times RFC 3339, so
// that a CI job reads them without parsing display strings. Durations are written as a
// Leasefile writes them ("1d12h"). The conversion is exact both ways: a plan read back
// equals the plan written (the golden tests check it).

// fieldJSON is FieldChange as JSON, its values typed by fieldKind.
type fieldJSON struct {
	Path     string          `json:"path"`
	Old      json.RawMessage `json:"old,omitempty"`
	New      json.RawMessage `json:"new,omitempty"`
	Computed bool            `json:"computed,omitempty"`
}

type valueKind int

const (
	kindString valueKind = iota
	kindNumber           // count, min, max
	kindList             // addresses, resource_properties: JSON arrays
	kindTime             // start, end
)

// fieldKind is the type of a displayed field's values, from the last element of its path.
func fieldKind(path string) valueKind {
	last := path[strings.LastIndexByte(path, '.')+1:]
	switch {
	case path == "start" || path == "end":
		return kindTime
	case last == "count" || last == "min" || last == "max":
		return kindNumber
	case last == "addresses" || last == "resource_properties":
		return kindList
	}
	return kindString
}

// MarshalJSON writes the field with typed values.
func (f FieldChange) MarshalJSON() ([]byte, error) {
	return marshal(fieldJSON{Path: f.Path, Old: typedValue(f.Path, f.Old), New: typedValue(f.Path, f.New), Computed: f.Computed})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (f *FieldChange) UnmarshalJSON(b []byte) error {
	var j fieldJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	old, err := displayValue(j.Path, j.Old)
	if err != nil {
		return err
	}
	nw, err := displayValue(j.Path, j.New)
	if err != nil {
		return err
	}
	*f = FieldChange{Path: j.Path, Old: old, New: nw, Computed: j.Computed}
	return nil
}

// typedValue is a displayed value as typed JSON; nil for "" (no value). A value that is not
// of its field's kind (a malformed query read from Blazar) stays a string.
func typedValue(path, s string) json.RawMessage {
	if s == "" {
		return nil
	}
	switch fieldKind(path) {
	case kindNumber:
		if _, err := strconv.Atoi(s); err == nil {
			return json.RawMessage(s)
		}
	case kindList:
		var l []any
		if json.Unmarshal([]byte(s), &l) == nil {
			b, _ := marshal(l)
			return b
		}
	case kindTime:
		if t, err := time.Parse(TimeLayout, s); err == nil {
			b, _ := marshal(t.UTC().Format(time.RFC3339))
			return b
		}
	}
	b, _ := marshal(s)
	return b
}

// displayValue turns a typed JSON value back into its display string.
func displayValue(path string, raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		if fieldKind(path) == kindTime {
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				return fmtTime(t), nil
			}
		}
		return s, nil
	case '[':
		q, err := spec.ParseQuery(string(raw))
		if err != nil {
			return "", fmt.Errorf("field %s: %w", path, err)
		}
		return q.Encode(), nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", fmt.Errorf("field %s: %w", path, err)
	}
	return n.String(), nil
}

// listText displays a list of strings as its JSON array, the way queries display, so that
// a list reads back from the typed plan as it was written.
func listText(l []string) string {
	if len(l) == 0 {
		return ""
	}
	a := make([]any, len(l))
	for i, s := range l {
		a[i] = s
	}
	return spec.Query(a).Encode()
}

// queryText displays a query read from Blazar in the canonical encoding leasefile sends, so
// that its display does not depend on who wrote it (and reads back from the typed plan).
func queryText(s string) string {
	q, err := spec.ParseQuery(s)
	if err != nil || strings.TrimSpace(s) == "" {
		return s
	}
	return q.Encode()
}

// stampJSON is a Blazar timestamp ("2006-01-02 15:04:05", UTC) as RFC 3339, and back.
func stampJSON(s string) string {
	if t, err := time.Parse(blazar.TimestampLayout, s); err == nil {
		return t.Format(time.RFC3339)
	}
	return s
}

func stampFromJSON(s string) string {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Format(blazar.TimestampLayout)
	}
	return s
}

type changeAlias Change

// changeJSON is a Change with its updated_at as RFC 3339 (the field shadows the alias's).
type changeJSON struct {
	changeAlias
	UpdatedAt string `json:"updated_at,omitempty"`
}

// MarshalJSON writes the change with RFC 3339 times.
func (c Change) MarshalJSON() ([]byte, error) {
	return marshal(changeJSON{changeAlias(c), stampJSON(c.UpdatedAt)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (c *Change) UnmarshalJSON(b []byte) error {
	var j changeJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*c = Change(j.changeAlias)
	c.UpdatedAt = stampFromJSON(j.UpdatedAt)
	return nil
}

type leaseAlias state.Lease

type observedJSON struct {
	Key   string `json:"key"`
	Lease struct {
		leaseAlias
		UpdatedAt string `json:"updated_at,omitempty"`
	} `json:"lease"`
}

// MarshalJSON writes the observed lease with RFC 3339 times.
func (o Observed) MarshalJSON() ([]byte, error) {
	j := observedJSON{Key: o.Key}
	j.Lease.leaseAlias, j.Lease.UpdatedAt = leaseAlias(o.Lease), stampJSON(o.Lease.UpdatedAt)
	return marshal(j)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (o *Observed) UnmarshalJSON(b []byte) error {
	var j observedJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*o = Observed{Key: j.Key, Lease: state.Lease(j.Lease.leaseAlias)}
	o.Lease.UpdatedAt = stampFromJSON(j.Lease.UpdatedAt)
	return nil
}

type createAlias CreateSpec

type createJSON struct {
	createAlias
	Duration string `json:"duration,omitempty"`
}

// MarshalJSON writes the create with its duration as a Leasefile writes it.
func (c CreateSpec) MarshalJSON() ([]byte, error) {
	j := createJSON{createAlias: createAlias(c)}
	if c.Duration > 0 {
		j.Duration = spec.FormatDuration(c.Duration)
	}
	return marshal(j)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (c *CreateSpec) UnmarshalJSON(b []byte) error {
	var j createJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*c = CreateSpec(j.createAlias)
	c.Duration = 0
	if j.Duration != "" {
		d, err := spec.ParseDuration(j.Duration)
		if err != nil {
			return fmt.Errorf("create %s: %w", c.Name, err)
		}
		c.Duration = d
	}
	return nil
}

// marshal is json.Marshal without HTML escaping: queries hold < and >.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
