// Package wire holds the JSON decoding helpers the Blazar resource packages
// share: lenient scalars (Blazar and its forks send ids and counts either as
// strings or numbers) and the split of a JSON object into the keys a struct
// models and the rest, which is kept rather than dropped.
package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// String decodes a JSON string, number or null into a string.
type String string

// UnmarshalJSON implements json.Unmarshaler.
func (s *String) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, []byte("null")) {
		*s = ""
		return nil
	}
	if len(data) > 0 && data[0] == '"' {
		var v string
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		*s = String(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(data, &n); err != nil {
		return fmt.Errorf("want a string or a number, got %s", data)
	}
	*s = String(n.String())
	return nil
}

// Int decodes a JSON number, an int-like string or null (nil).
type Int struct{ P *int }

// UnmarshalJSON implements json.Unmarshaler.
func (i *Int) UnmarshalJSON(data []byte) error {
	var s String
	if err := s.UnmarshalJSON(data); err != nil {
		return err
	}
	if s == "" {
		i.P = nil
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(s)))
	if err != nil {
		f, ferr := strconv.ParseFloat(string(s), 64)
		if ferr != nil || f != float64(int(f)) {
			return fmt.Errorf("want an integer, got %s", data)
		}
		n = int(f)
	}
	i.P = &n
	return nil
}

// Extra decodes the object in data and returns the members whose names are
// not json tags of the struct type of model; nil if there are none.
func Extra(data []byte, model any) (map[string]any, error) {
	var all map[string]any
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	known := Keys(model)
	var extra map[string]any
	for k, v := range all {
		if known[k] {
			continue
		}
		if extra == nil {
			extra = make(map[string]any)
		}
		extra[k] = v
	}
	return extra, nil
}

// Keys returns the json names of the exported fields of model's struct type.
func Keys(model any) map[string]bool {
	t := reflect.TypeOf(model)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	keys := make(map[string]bool)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		keys[name] = true
	}
	return keys
}
