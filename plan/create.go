package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/chameleoncloud/leasefile/spec"
)

// createSpec compiles the lease into a create, and refuses a start in the past.
func (b *builder) createSpec(d *spec.Lease) (*CreateSpec, error) {
	cs := &CreateSpec{Name: d.Name, End: d.End, Duration: d.Duration}
	if !d.Start.Now {
		cs.Start = d.Start.At
		if d.Start.At.Before(b.now) {
			return cs, b.leaseError(d, "start", fmt.Sprintf("start %s is in the past (now is %s): move start later, or write `start: now`",
				fmtTime(d.Start.At), fmtTime(b.now)))
		}
	}
	if !d.End.IsZero() && !d.End.After(b.now) {
		return cs, b.leaseError(d, "end", fmt.Sprintf("end %s is in the past (now is %s): move end later, or use duration", fmtTime(d.End), fmtTime(b.now)))
	}
	for _, r := range specificFirst(d.Reservations) {
		rs := ReservationSpec{Key: r.Key, Type: string(r.Type), Body: r.Body(d.BeforeEnd, d.BeforeEndSet)}
		switch r.Type {
		case spec.FloatingIP:
			rs.FloatingNetwork = r.FloatingNetwork
		case spec.Flavor:
			rs.Flavor = r.FlavorName
		}
		cs.Reservations = append(cs.Reservations, rs)
	}
	return cs, nil
}

// createFields lists every field of a new lease, for display.
func createFields(d *spec.Lease) []FieldChange {
	f := []FieldChange{{Path: "id", Computed: true}, {Path: "name", New: d.Name}, {Path: "site", New: d.Site}}
	if d.Start.Now {
		f = append(f, FieldChange{Path: "start", Computed: true})
	} else {
		f = append(f, FieldChange{Path: "start", New: fmtTime(d.Start.At)})
	}
	switch {
	case d.Duration > 0 && !d.Start.Now:
		f = append(f, FieldChange{Path: "duration", New: spec.FormatDuration(d.Duration)}, FieldChange{Path: "end", New: fmtTime(d.EndFrom(d.Start.At))})
	case d.Duration > 0:
		f = append(f, FieldChange{Path: "duration", New: spec.FormatDuration(d.Duration)}, FieldChange{Path: "end", Computed: true})
	default:
		f = append(f, FieldChange{Path: "end", New: fmtTime(d.End)})
	}
	for _, r := range d.Reservations {
		p := "reservations." + r.Key + "."
		f = append(f, FieldChange{Path: p + "id", Computed: true}, FieldChange{Path: p + "type", New: string(r.Type)})
		f = append(f, reservationTypes[r.Type].fields(r, p)...)
	}
	return f
}

func (b *builder) planCreate(d *spec.Lease, why string) pending {
	ch := Change{Key: d.Key, Site: d.Site, Action: Create, Name: d.Name, Wait: d.Wait}
	if why != "" {
		ch.Reasons = []string{why}
	}
	cs, err := b.createSpec(d)
	ch.Create = cs
	ch.Fields = createFields(d)
	if b.replace[d.Key] {
		ch.Reasons = append(ch.Reasons, "-replace asked for, but there is no lease to replace")
	}
	if err == nil {
		err = b.duplicates(d)
	}
	return pending{ch: ch, err: err}
}

// duplicates refuses to create d when a live lease of the same project at its site already
// has d's name and no state entry tracks it: most likely it is this very lease, left by a
// `state rm` or a lost state file, and creating it again would hold the resources twice.
// With AllowDuplicateName it is a warning instead.
func (b *builder) duplicates(d *spec.Lease) error {
	project := b.in.Identity[d.Site].ProjectID
	var found []string
	var first string
	for _, l := range b.sameName(d.Site, d.Name) {
		if l.Status == "DELETING" || l.Status == "TERMINATED" || b.isTracked(d.Site, l.ID) {
			continue
		}
		if project != "" && l.ProjectID != "" && l.ProjectID != project {
			continue
		}
		if first == "" {
			first = l.ID
		}
		found = append(found, fmt.Sprintf("%s (%s, %s to %s)", l.ID, l.Status, fmtTime(l.StartDate), fmtTime(l.EndDate)))
	}
	if len(found) == 0 {
		return nil
	}
	slices.Sort(found)
	what, is := "lease "+found[0], "is"
	if len(found) > 1 {
		what, is = "leases "+strings.Join(found, ", "), "are"
	}
	if b.in.AllowDuplicateName {
		b.p.Warnings = append(b.p.Warnings, fmt.Sprintf("lease %q: %s on %s %s already named %q and not tracked by the state; another lease of that name is created, as -allow-duplicate-name asks",
			d.Key, what, d.Site, is, d.Name))
		return nil
	}
	return fmt.Errorf("lease %q: %s on %s %s already named %q and not tracked by this state (after a `state rm`, with a lost state file, or another state's lease): "+
		"creating would make a second lease of that name; run `leasefile import %s %s` if it is this lease, or plan with -allow-duplicate-name to create another",
		d.Key, what, d.Site, is, d.Name, d.Key, first)
}
