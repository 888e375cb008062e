package outputs

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// Value is one leaf of the outputs at its address: a string, an int, a time or a list of
// strings.
type Value struct {
	Path  []string // lease key, [reservation key,] field
	Value any
}

// Flatten lists every leaf of the outputs under addr ("" for all), in a fixed order: leases
// by key, their fields, then their reservations by key. A zero time is left out; a node
// reservation's hosts become two lists, hosts (names) and host_uuids.
func Flatten(outs map[string]*Lease, addr string) []Value {
	var all []Value
	for _, k := range slices.Sorted(maps.Keys(outs)) {
		o := outs[k]
		for _, f := range []struct {
			name string
			v    any
		}{{"id", o.ID}, {"name", o.Name}, {"site", o.Site}, {"status", o.Status}, {"start", o.Start}, {"end", o.End}} {
			if t, ok := f.v.(time.Time); ok && t.IsZero() {
				continue
			}
			all = append(all, Value{[]string{k, f.name}, f.v})
		}
		for _, rk := range slices.Sorted(maps.Keys(o.Reservations)) {
			all = append(all, flattenReservation(k, rk, o.Reservations[rk])...)
		}
	}
	if addr == "" {
		return all
	}
	want := strings.Split(addr, ".")
	var out []Value
	for _, v := range all {
		if len(v.Path) >= len(want) && slices.Equal(v.Path[:len(want)], want) {
			out = append(out, v)
		}
	}
	return out
}

func flattenReservation(k, rk string, r *Reservation) []Value {
	p := func(f string) []string { return []string{k, rk, f} }
	all := []Value{{p("id"), r.ID}, {p("type"), r.Type}}
	if r.Count > 0 {
		all = append(all, Value{p("count"), r.Count})
	}
	if r.Type == "virtual:floatingip" {
		all = append(all, Value{p("addresses"), append([]string{}, r.Addresses...)})
	}
	if r.NetworkName != "" {
		all = append(all, Value{p("network_name"), r.NetworkName})
	}
	if r.NetworkID != "" {
		all = append(all, Value{p("network_id"), r.NetworkID})
	}
	if r.SegmentationID != 0 {
		all = append(all, Value{p("segmentation_id"), r.SegmentationID})
	}
	if r.Hosts != nil {
		names, uuids := []string{}, []string{}
		for _, h := range r.Hosts {
			names, uuids = append(names, h.Name), append(uuids, h.UUID)
		}
		all = append(all, Value{p("hosts"), names}, Value{p("host_uuids"), uuids})
	}
	if r.Devices != nil {
		all = append(all, Value{p("devices"), r.Devices})
	}
	if r.FlavorID != "" {
		all = append(all, Value{p("flavor_id"), r.FlavorID})
	}
	return all
}
