package plan

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
)

// matched pairs the reservation keys of a tracked lease with its live reservations (Match),
// d being its declaration. When Match cannot, only the keys the state records by ID are
// paired, and the error says why. The answer is kept on t: callers only read it.
func (b *builder) matched(d *spec.Lease, t *tracked) (pairs, error) {
	if t.paired && t.pairsOf == d {
		return t.pairs, t.pairsErr
	}
	var recorded map[string]state.Reservation
	if t.st != nil {
		recorded = t.st.Reservations
	}
	m, err := matchPairs(wantedUnrecorded(d, recorded), recorded, t.live.Reservations)
	if err != nil {
		m, _ = matchPairs(nil, recorded, t.live.Reservations)
	}
	t.pairs, t.pairsErr, t.pairsOf, t.paired = m, err, d, true
	return m, err
}

// reservationType is what plan knows of one reservation type. Adding a type is one entry in
// reservationTypes; spec compiles its request (Reservation.Body, Constraints), Match pairs it
// by its body, and capacity.go's request says whether its availability can be checked.
type reservationType struct {
	// fields are what a new reservation r displays, under the path prefix p
	// ("reservations.KEY.").
	fields func(r *spec.Reservation, p string) []FieldChange
	// diff compares a declared reservation with the live one Match paired it with.
	diff func(c resCompare) resDiff
	// frozen marks a type whose leases Blazar refuses to update at all: any change to a
	// lease holding one is a replacement.
	frozen bool
}

var reservationTypes = map[spec.Type]reservationType{
	spec.Node:       {fields: hostFields, diff: diffHosts},
	spec.Device:     {fields: hostFields, diff: diffHosts},
	spec.Network:    {fields: networkFields, diff: diffNetwork},
	spec.FloatingIP: {fields: floatingIPFields, diff: diffFloatingIP},
	spec.Flavor:     {fields: flavorFields, diff: diffFlavor, frozen: true},
}

// resCompare is one declared reservation r of lease d, the live reservation lr paired with
// it, and what comparing them needs.
type resCompare struct {
	b       *builder
	d       *spec.Lease
	t       *tracked
	r       *spec.Reservation
	lr      *leases.Reservation
	started bool   // the lease has started: its resources can only grow
	p       string // "reservations.KEY"
}

// resDiff is what comparing one reservation finds: the fields that change, for display;
// the fields that force a replacement, each with its reason; and the body of the in-place
// update, nil when Blazar has nothing to change.
type resDiff struct {
	fields  []FieldChange
	forced  []string
	reasons []string
	body    *spec.ReservationBody
}

func (rd *resDiff) change(path, old, new string) {
	rd.fields = append(rd.fields, FieldChange{Path: path, Old: old, New: new})
}

func (rd *resDiff) force(path, reason string) {
	rd.forced = append(rd.forced, path)
	rd.reasons = append(rd.reasons, reason)
}

// forceBeforeEnd records a before_end change: Blazar's update does not take before_end (a
// PUT keeps the value given at create), so only a new lease can have another.
func (rd *resDiff) forceBeforeEnd(p, key, old, want string) {
	rd.change(p+".before_end", old, want)
	rd.force(p+".before_end", fmt.Sprintf("reservation %s changes before_end from %s to %s, which Blazar cannot update", key, old, want))
}

// diffReservations compares d's reservations with the live lease's: what no key owns, what
// was removed, added or retyped (all replacements), then each pair by its type's diff.
func (b *builder) diffReservations(d *spec.Lease, t *tracked, started bool, df *diff) {
	l := t.live
	m, err := b.matched(d, t)
	if err != nil {
		df.matchErr = b.leaseError(d, "reservations", fmt.Sprintf("cannot tell which reservation of lease %s is which: %v", l.ID, err))
	}
	owned := func(id string) bool {
		for _, p := range m {
			if p.res.ID == id {
				return true
			}
		}
		return false
	}
	if t.st != nil {
		var removed []string
		for k := range t.st.Reservations {
			if d.Reservation(k) == nil {
				removed = append(removed, k)
			}
		}
		slices.Sort(removed)
		for _, k := range removed {
			df.fields = append(df.fields, FieldChange{Path: "reservations." + k, Old: t.st.Reservations[k].ResourceType})
			df.force("reservations."+k, fmt.Sprintf("reservation %s was removed, and Blazar cannot remove a reservation from a lease", k))
		}
	}
	for _, r := range l.Reservations {
		if !owned(r.ID) && !recordedID(t.st, r.ID) {
			df.fields = append(df.fields, FieldChange{Path: "reservations", Old: r.ID})
			df.force("reservations", fmt.Sprintf("the lease holds reservation %s (%s) that no key of the Leasefile declares", r.ID, r.ResourceType))
		}
	}
	for _, r := range d.Reservations {
		p := "reservations." + r.Key
		lr := m.get(r.Key)
		if lr == nil {
			df.fields = append(df.fields, FieldChange{Path: p, New: string(r.Type)})
			df.force(p, fmt.Sprintf("reservation %s was added, and Blazar cannot add a reservation to a lease", r.Key))
			continue
		}
		if lr.ResourceType != r.Type.ResourceType() {
			df.fields = append(df.fields, FieldChange{Path: p + ".type", Old: typeOf(lr.ResourceType), New: string(r.Type)})
			df.force(p+".type", fmt.Sprintf("reservation %s changed type, and Blazar cannot change a reservation's type", r.Key))
			continue
		}
		rd := reservationTypes[r.Type].diff(resCompare{b: b, d: d, t: t, r: r, lr: lr, started: started, p: p})
		df.fields = append(df.fields, rd.fields...)
		df.forced = append(df.forced, rd.forced...)
		df.reasons = append(df.reasons, rd.reasons...)
		if rd.body != nil {
			df.updates = true
			df.resBodys = append(df.resBodys, ReservationUpdate{Key: r.Key, ID: lr.ID, Body: *rd.body})
		}
	}
}

// hostFields displays a new node or device reservation.
func hostFields(r *spec.Reservation, p string) []FieldChange {
	var f []FieldChange
	if r.Min == r.Max {
		f = append(f, FieldChange{Path: p + "count", New: strconv.Itoa(r.Max)})
	} else {
		f = append(f, FieldChange{Path: p + "min", New: strconv.Itoa(r.Min)}, FieldChange{Path: p + "max", New: strconv.Itoa(r.Max)})
	}
	return append(f, FieldChange{Path: p + "resource_properties", New: r.Constraints().Encode()})
}

// diffHosts compares a node or device reservation: counts and constraints update in place
// until the lease starts, after which only growth does; before_end never does.
func diffHosts(c resCompare) resDiff {
	var rd resDiff
	r, lr, p := c.r, c.lr, c.p
	var body spec.ReservationBody
	changed := false
	oldMin, oldMax := deref(lr.Min), deref(lr.Max)
	if oldMin != r.Min || oldMax != r.Max {
		changed = true
		asCount := r.Min == r.Max && oldMin == oldMax
		if asCount {
			rd.change(p+".count", strconv.Itoa(oldMax), strconv.Itoa(r.Max))
		} else {
			if oldMin != r.Min {
				rd.change(p+".min", strconv.Itoa(oldMin), strconv.Itoa(r.Min))
			}
			if oldMax != r.Max {
				rd.change(p+".max", strconv.Itoa(oldMax), strconv.Itoa(r.Max))
			}
		}
		// Only a lower max takes resources away; a lower min just accepts fewer.
		if c.started && r.Max < oldMax {
			field := ".count"
			if !asCount {
				field = ".max"
			}
			rd.force(p+field, fmt.Sprintf("reservation %s shrinks from %s to %s after the lease started, and Blazar can only add resources to a started lease",
				r.Key, rangeText(oldMin, oldMax), rangeText(r.Min, r.Max)))
		}
	}
	want := r.Constraints()
	if !want.EqualEncoded(lr.ResourceProperties) {
		changed = true
		rd.change(p+".resource_properties", queryText(lr.ResourceProperties), want.Encode())
		body.ResourceProperties = ref(want.Encode())
		if c.started {
			// Allocated hosts that no longer match would have to leave an active
			// reservation, which Blazar refuses ("Not enough hosts available").
			rd.force(p+".resource_properties", fmt.Sprintf("reservation %s changes its constraints after the lease started, and Blazar cannot swap the resources of a started reservation", r.Key))
		}
	}
	if c.d.BeforeEndSet && lr.BeforeEnd != "" && lr.BeforeEnd != c.d.BeforeEnd {
		rd.forceBeforeEnd(p, r.Key, lr.BeforeEnd, c.d.BeforeEnd)
	}
	if !changed {
		return rd
	}
	// The CHI fork builds allocation candidates from the partial update alone, so the
	// constraints are resent even when unchanged, as min and max are.
	if body.ResourceProperties == nil {
		body.ResourceProperties = ref(lr.ResourceProperties)
	}
	body.Min, body.Max = ref(r.Min), ref(r.Max)
	if r.Type == spec.Node {
		body.HypervisorProperties = ref(lr.HypervisorProperties)
	}
	rd.body = ref(body) // a copy: body itself stays off the heap when nothing changes
	return rd
}

// floatingIPFields displays a new floating IP reservation.
func floatingIPFields(r *spec.Reservation, p string) []FieldChange {
	f := []FieldChange{{Path: p + "count", New: strconv.Itoa(r.Max)}, {Path: p + "network", New: r.FloatingNetwork}}
	if len(r.Addresses) > 0 {
		f = append(f, FieldChange{Path: p + "addresses", New: listText(r.Addresses)})
	}
	return f
}

// diffFloatingIP compares a floating IP reservation: the amount updates in place (growing
// only, once started), the addresses only to "any", the network never.
func diffFloatingIP(c resCompare) resDiff {
	var rd resDiff
	r, lr, p := c.r, c.lr, c.p
	var body spec.ReservationBody
	changed := false
	// Network IDs are per site; a site move is a replacement anyway.
	if id, ok := c.b.in.Networks[c.d.Site][r.FloatingNetwork]; ok && c.t.site == c.d.Site && lr.NetworkID != "" && id != lr.NetworkID {
		rd.change(p+".network", lr.NetworkID, r.FloatingNetwork)
		rd.force(p+".network", fmt.Sprintf("reservation %s moves to network %s, and Blazar cannot change a floating IP reservation's network", r.Key, r.FloatingNetwork))
	}
	have, want := slices.Sorted(slices.Values(lr.RequiredFloatingIPs)), slices.Sorted(slices.Values(r.Addresses))
	if !slices.Equal(have, want) {
		rd.change(p+".addresses", listText(have), listText(want))
		if len(r.Addresses) > 0 {
			rd.force(p+".addresses", fmt.Sprintf("reservation %s asks for other addresses, and Blazar cannot change them", r.Key))
		} else {
			// The one change Blazar accepts: required_floatingips set to [].
			changed = true
			body.RequiredFloatingIPs = []string{}
			body.Amount = ref(r.Max)
			body.NetworkID = ref(lr.NetworkID)
		}
	}
	if amount := deref(lr.Amount); amount != r.Max {
		changed = true
		rd.change(p+".count", strconv.Itoa(amount), strconv.Itoa(r.Max))
		if c.started && r.Max < amount {
			rd.force(p+".count", fmt.Sprintf("reservation %s shrinks from %d to %d floating IPs after the lease started, and Blazar can only add resources to a started lease",
				r.Key, amount, r.Max))
		}
		body.Amount = ref(r.Max)
		body.NetworkID = ref(lr.NetworkID)
	}
	if changed {
		rd.body = ref(body) // a copy, as in diffHosts
	}
	return rd
}

// networkFields displays a new network reservation.
func networkFields(r *spec.Reservation, p string) []FieldChange {
	f := []FieldChange{{Path: p + "network_name", New: r.NetworkName}, {Path: p + "resource_properties", New: r.Constraints().Encode()}}
	if desc := r.NetworkDescription(); desc != "" {
		f = append(f, FieldChange{Path: p + "description", New: desc})
	}
	return f
}

// diffNetwork compares a network reservation: only its constraints update in place, and
// not its physical network. Chameleon's Blazar returns no network fields: each is compared
// with what Blazar shows, else with what apply recorded at create (rec.NetworkName is set
// when it recorded).
func diffNetwork(c resCompare) resDiff {
	var rd resDiff
	r, lr, p := c.r, c.lr, c.p
	var rec state.Reservation
	if c.t.st != nil {
		rec = c.t.st.Reservations[r.Key]
	}
	recorded := rec.NetworkName != ""
	name, ok := lr.Extra["network_name"].(string)
	if !ok && recorded {
		name, ok = rec.NetworkName, true
	}
	if ok && name != r.NetworkName {
		rd.change(p+".network_name", name, r.NetworkName)
		rd.force(p+".network_name", fmt.Sprintf("reservation %s renames its network, which Blazar cannot update", r.Key))
	}
	desc, ok := lr.Extra["network_description"].(string)
	if !ok && recorded {
		desc, ok = rec.NetworkDescription, true
	}
	if ok && desc != r.NetworkDescription() {
		rd.change(p+".description", desc, r.NetworkDescription())
		rd.force(p+".description", fmt.Sprintf("reservation %s changes its network description, which Blazar cannot update", r.Key))
	}
	if c.d.BeforeEndSet && recorded {
		// Blazar stores "default" when the create did not send before_end.
		if have := cmp.Or(rec.BeforeEnd, "default"); have != c.d.BeforeEnd {
			rd.forceBeforeEnd(p, r.Key, have, c.d.BeforeEnd)
		}
	}
	props := lr.ResourceProperties
	if props == "" && recorded {
		props = rec.ResourceProperties
	}
	if props == "" && !recorded {
		return rd
	}
	want := r.Constraints()
	have, err := spec.ParseQuery(props)
	if props == "" {
		have, err = nil, nil
	}
	if err == nil && want.Equal(have) {
		return rd
	}
	rd.change(p+".resource_properties", queryText(props), want.Encode())
	if pn := physnet(have); pn != r.PhysicalNetwork {
		rd.force(p+".physical_network", fmt.Sprintf("reservation %s moves from physical network %s to %s, which Blazar cannot update", r.Key, pn, r.PhysicalNetwork))
	} else {
		rd.body = &spec.ReservationBody{ResourceProperties: ref(want.Encode())}
	}
	return rd
}

// physnet finds the physical network a network query asks for.
func physnet(q spec.Query) string {
	var walk func(v any) string
	walk = func(v any) string {
		t, ok := v.([]any)
		if !ok {
			if q, ok := v.(spec.Query); ok {
				t = q
			} else {
				return ""
			}
		}
		if len(t) == 3 {
			if k, _ := t[1].(string); k == "$physical_network" {
				s, _ := t[2].(string)
				return s
			}
		}
		if len(t) > 0 && t[0] == "and" {
			for _, sub := range t[1:] {
				if s := walk(sub); s != "" {
					return s
				}
			}
		}
		return ""
	}
	return walk([]any(q))
}

func rangeText(lo, hi int) string {
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return fmt.Sprintf("%d-%d", lo, hi)
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// typeOf names a Blazar resource_type the way a Leasefile writes it.
func typeOf(resourceType string) string {
	for _, t := range spec.Types {
		if t.ResourceType() == resourceType {
			return string(t)
		}
	}
	return resourceType
}

// flavorFields displays a new flavor reservation.
func flavorFields(r *spec.Reservation, p string) []FieldChange {
	return []FieldChange{{Path: p + "count", New: strconv.Itoa(r.Max)}, {Path: p + "flavor", New: r.FlavorName}}
}

// diffFlavor compares a flavor reservation: its amount and flavor. Blazar updates no lease
// holding a flavor reservation ("Updating leases for 'flavor:instance' type reservations is
// not yet supported"), so every change replaces the lease.
func diffFlavor(c resCompare) resDiff {
	var rd resDiff
	r, lr, p := c.r, c.lr, c.p
	if amount := deref(lr.Amount); amount != r.Max {
		rd.change(p+".count", strconv.Itoa(amount), strconv.Itoa(r.Max))
		rd.force(p+".count", fmt.Sprintf("reservation %s changes its count of instances, and Blazar cannot update a lease with flavor reservations", r.Key))
	}
	// Flavor IDs are per site; a site move is a replacement anyway.
	have, _ := lr.Extra["flavor_id"].(string)
	if id, ok := c.b.in.Flavors[c.d.Site][r.FlavorName]; ok && c.t.site == c.d.Site && have != "" && id != have {
		rd.change(p+".flavor", have, r.FlavorName)
		rd.force(p+".flavor", fmt.Sprintf("reservation %s changes its flavor to %s, and Blazar cannot update a lease with flavor reservations", r.Key, r.FlavorName))
	}
	return rd
}

// frozenBy names a reservation of d whose type Blazar updates no lease with (frozen), or "".
func frozenBy(d *spec.Lease) string {
	for _, r := range d.Reservations {
		if reservationTypes[r.Type].frozen {
			return r.Key
		}
	}
	return ""
}
