package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/chameleoncloud/leasefile/state"
)

// ErrNewerFormat is wrapped by Read's error for a plan written by a newer leasefile.
var ErrNewerFormat = errors.New("plan format is newer than this leasefile")

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
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("read plan: more than one JSON document (at byte %d)", dec.InputOffset())
	}
	switch {
	case p.FormatVersion == 0:
		return nil, errors.New("read plan: not a leasefile plan (no format_version)")
	case p.FormatVersion > FormatVersion:
		return nil, fmt.Errorf("read plan: format_version %d, this leasefile reads up to %d: %w", p.FormatVersion, FormatVersion, ErrNewerFormat)
	}
	normalizeNumbers(&p)
	return &p, nil
}

// normalizeNumbers turns the JSON numbers of request bodies back into ints, as Build made
// them, so that a plan read back equals the plan written.
func normalizeNumbers(p *Plan) {
	fix := func(m map[string]any) {
		for k, v := range m {
			if n, ok := v.(json.Number); ok {
				if i, err := n.Int64(); err == nil {
					m[k] = int(i)
				} else if f, err := n.Float64(); err == nil {
					m[k] = f
				}
			}
			if l, ok := v.([]any); ok {
				s := make([]string, 0, len(l))
				for _, x := range l {
					if str, ok := x.(string); ok {
						s = append(s, str)
					}
				}
				if len(s) == len(l) {
					m[k] = s
				}
			}
		}
	}
	for i := range p.Changes {
		if cs := p.Changes[i].Create; cs != nil {
			for j := range cs.Reservations {
				fix(cs.Reservations[j].Body)
			}
		}
		if u := p.Changes[i].Update; u != nil {
			for j := range u.Reservations {
				fix(u.Reservations[j].Body)
			}
		}
	}
}
