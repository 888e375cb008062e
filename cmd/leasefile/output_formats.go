package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// outputFormats are the -format values of output: the human listing, JSON, and the hand-off
// formats a next step reads without parsing JSON.
var outputFormats = []string{"text", "json", "env", "tfvars", "github"}

// outputValue is one leaf of the outputs, at its address: a string, an int, a time or a list.
type outputValue struct {
	path  []string // lease key, [reservation key,] field
	value any
}

// flatOutputs lists every leaf of the outputs under addr ("" for all), in a fixed order:
// leases by key, their fields, then their reservations by key.
func flatOutputs(outs map[string]*leaseOutput, addr string) []outputValue {
	var all []outputValue
	for _, k := range slices.Sorted(maps.Keys(outs)) {
		o := outs[k]
		for _, f := range []struct {
			name string
			v    any
		}{{"id", o.ID}, {"name", o.Name}, {"site", o.Site}, {"status", o.Status}, {"start", o.Start}, {"end", o.End}} {
			if t, ok := f.v.(time.Time); ok && t.IsZero() {
				continue
			}
			all = append(all, outputValue{[]string{k, f.name}, f.v})
		}
		for _, rk := range slices.Sorted(maps.Keys(o.Reservations)) {
			r := o.Reservations[rk]
			p := func(f string) []string { return []string{k, rk, f} }
			all = append(all, outputValue{p("id"), r.ID}, outputValue{p("type"), r.Type})
			if r.Count > 0 {
				all = append(all, outputValue{p("count"), r.Count})
			}
			if r.Type == "virtual:floatingip" {
				all = append(all, outputValue{p("addresses"), append([]string{}, r.Addresses...)})
			}
			if r.NetworkName != "" {
				all = append(all, outputValue{p("network_name"), r.NetworkName})
			}
			if r.NetworkID != "" {
				all = append(all, outputValue{p("network_id"), r.NetworkID})
			}
			if r.SegmentationID != 0 {
				all = append(all, outputValue{p("segmentation_id"), r.SegmentationID})
			}
			if r.Hosts != nil {
				names, uuids := []string{}, []string{}
				for _, h := range r.Hosts {
					names, uuids = append(names, h.Name), append(uuids, h.UUID)
				}
				all = append(all, outputValue{p("hosts"), names}, outputValue{p("host_uuids"), uuids})
			}
			if r.Devices != nil {
				all = append(all, outputValue{p("devices"), r.Devices})
			}
		}
	}
	if addr == "" {
		return all
	}
	want := strings.Split(addr, ".")
	var out []outputValue
	for _, v := range all {
		if len(v.path) >= len(want) && slices.Equal(v.path[:len(want)], want) {
			out = append(out, v)
		}
	}
	return out
}

// handoffName is a leaf's variable name: its path joined by "_", with every character that
// is not a letter or digit made "_" (upper case for env); a name that would start with a
// digit gets a leading "_", as shells and Terraform require.
func handoffName(path []string, upper bool) string {
	s := strings.Join(path, "_")
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			if upper {
				b[i] = c - 'a' + 'A'
			}
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		default:
			b[i] = '_'
		}
	}
	if len(b) > 0 && b[0] >= '0' && b[0] <= '9' {
		return "_" + string(b)
	}
	return string(b)
}

// writeHandoff writes the outputs in one of the hand-off formats:
//
//	env     COMPUTE_NODES_ID=... lines, safe to source (shellQuote; lists space-separated)
//	tfvars  compute_nodes_id = "..." Terraform variable assignments (lists, numbers typed)
//	github  compute_nodes_id=... lines for $GITHUB_OUTPUT (lists as JSON arrays)
//
// Two paths that would make the same name are an error, never a silent overwrite.
func writeHandoff(w io.Writer, format string, vals []outputValue) error {
	upper := format == "env"
	seen := map[string]string{}
	for _, v := range vals {
		name := handoffName(v.path, upper)
		dotted := strings.Join(v.path, ".")
		if prev, ok := seen[name]; ok {
			return fmt.Errorf("-format %s: %s and %s both make the name %s: rename one of the keys, or use -json", format, prev, dotted, name)
		}
		seen[name] = dotted
	}
	for _, v := range vals {
		name := handoffName(v.path, upper)
		var line string
		switch format {
		case "env":
			line = name + "=" + shellQuote(envText(v.value))
		case "tfvars":
			line = name + " = " + hclValue(v.value)
		case "github":
			line = githubLine(name, githubText(v.value))
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func envText(v any) string {
	switch v := v.(type) {
	case int:
		return strconv.Itoa(v)
	case time.Time:
		return rfc3339(v)
	case []string:
		return strings.Join(v, " ")
	}
	return fmt.Sprint(v)
}

// hclString quotes s as an HCL string: JSON's escapes, plus $${ and %%{ so that Terraform
// does not read a template in it.
func hclString(s string) string {
	b, _ := json.Marshal(s)
	q := strings.ReplaceAll(string(b), "${", "$${")
	return strings.ReplaceAll(q, "%{", "%%{")
}

func hclValue(v any) string {
	switch v := v.(type) {
	case int:
		return strconv.Itoa(v)
	case time.Time:
		return hclString(rfc3339(v))
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = hclString(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	return hclString(fmt.Sprint(v))
}

func githubText(v any) string {
	switch v := v.(type) {
	case []string:
		b, _ := json.Marshal(v) // fromJSON() in a workflow reads it back
		return string(b)
	}
	return envText(v)
}

// githubLine is one $GITHUB_OUTPUT entry: name=value, or GitHub's delimited form when the
// value has a line break (which would otherwise end it early or forge another output).
func githubLine(name, value string) string {
	if !strings.ContainsAny(value, "\r\n") {
		return name + "=" + value
	}
	delim := "LEASEFILE_EOF"
	for strings.Contains(value, delim) {
		delim += "_"
	}
	return name + "<<" + delim + "\n" + value + "\n" + delim
}
