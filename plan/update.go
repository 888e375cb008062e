package plan

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/spec"
)

// started reports whether Blazar considers the lease started: its start can no longer move.
// Blazar decides by the start date, not the status: an UPDATING lease whose start is still
// ahead can move it.
func (b *builder) started(l *leases.Lease) bool {
	return !l.StartDate.After(b.in.Now)
}

// unfinished reports whether a lease that needs no change has not reached the Leasefile's
// wait goal: `wait: active` and, its start come, still PENDING or STARTING. An apply that
// timed out or was interrupted while waiting left it so; the work is not done until it is
// ACTIVE. A lease starting later cannot get there before its start: nothing to wait for yet.
func (b *builder) unfinished(d *spec.Lease, l *leases.Lease) bool {
	if d == nil || l == nil || d.Wait != "active" || !b.started(l) {
		return false
	}
	return l.Status == "PENDING" || l.Status == "STARTING"
}

// endField is the field that sets d's end: end, or duration (which may be a default).
func endField(d *spec.Lease) string {
	if !d.End.IsZero() {
		return "end"
	}
	return "duration"
}

// diff is the comparison of one existing lease with its declaration.
type diff struct {
	fields   []FieldChange
	forced   []string
	reasons  []string
	upd      UpdateSpec
	updates  bool
	err      error
	matchErr error // the lease's reservations cannot be paired with the keys: no plan
	resBodys []ReservationUpdate
}

func (df *diff) force(path, reason string) {
	df.forced = append(df.forced, path)
	df.reasons = append(df.reasons, reason)
}

// planExisting compares a tracked, live lease with its declaration: the lease itself
// (diffLease), its reservations (diffReservations), then decides between nothing, an
// in-place update and a replacement.
func (b *builder) planExisting(d *spec.Lease, t *tracked) pending {
	l := t.live
	df := &diff{}
	started := b.started(l)
	b.diffLease(d, t, started, df)
	b.diffReservations(d, t, started, df)
	if k := frozenBy(d); k != "" && df.updates && len(df.forced) == 0 {
		df.force("reservations."+k, fmt.Sprintf("the lease holds flavor reservation %s, and Blazar cannot update such a lease", k))
	}
	if b.replace[d.Key] {
		df.reasons = append(df.reasons, "replacement asked for with -replace")
	}
	ch := Change{Key: d.Key, Site: d.Site, Action: NoOp, Name: d.Name, LeaseID: l.ID, UpdatedAt: t.updatedAt(), Status: l.Status,
		Fields: df.fields, ForcedBy: df.forced, Reasons: df.reasons}
	var pd pending
	switch {
	case len(df.forced) > 0 || b.replace[d.Key]:
		pd = b.planReplace(d, t, ch, df)
	case df.updates:
		ch.Action = Update
		upd := df.upd
		upd.Reservations = df.resBodys
		// Blazar re-checks both dates on any date change: send the end with a moved start.
		if upd.Start != nil && upd.End == nil {
			e := minute(l.EndDate)
			upd.End = &e
		}
		ch.Update = &upd
		b.chameleonNotes(d.Key, l, &ch)
		pd = pending{ch: ch, err: df.err}
	default:
		pd = pending{ch: ch}
	}
	pd.err = errors.Join(df.matchErr, pd.err)
	return pd
}

// diffLease compares the lease's own fields: status, site and name, then its times ("now"
// never differs; a duration counts from the effective start).
func (b *builder) diffLease(d *spec.Lease, t *tracked, started bool, df *diff) {
	l := t.live
	if l.Status == "ERROR" {
		msg := "lease is in ERROR"
		if l.StatusReason != "" {
			msg += ": " + l.StatusReason
		}
		df.reasons = append(df.reasons, msg+"; Blazar cannot repair it, so it is replaced")
		df.forced = append(df.forced, "status")
	}
	if t.site != d.Site {
		df.fields = append(df.fields, FieldChange{Path: "site", Old: t.site, New: d.Site})
		df.force("site", fmt.Sprintf("site changed from %s to %s", t.site, d.Site))
	}
	if l.Name != d.Name {
		df.fields = append(df.fields, FieldChange{Path: "name", Old: l.Name, New: d.Name})
		df.upd.Name = ref(d.Name)
		df.updates = true
	}
	effStart := minute(l.StartDate)
	if !d.Start.Now && !d.Start.At.Equal(effStart) {
		df.fields = append(df.fields, FieldChange{Path: "start", Old: fmtTime(l.StartDate), New: fmtTime(d.Start.At)})
		if started {
			df.force("start", "the lease has started, and Blazar cannot move the start of a started lease")
		} else {
			if d.Start.At.Before(b.now) {
				df.err = b.leaseError(d, "start", fmt.Sprintf("start %s is in the past (now is %s): move start later, or write `start: now`",
					fmtTime(d.Start.At), fmtTime(b.now)))
			}
			df.upd.Start = ref(d.Start.At)
			df.updates = true
		}
		effStart = d.Start.At
	}
	wantEnd := minute(d.EndFrom(effStart))
	if !wantEnd.Equal(minute(l.EndDate)) {
		df.fields = append(df.fields, FieldChange{Path: "end", Old: fmtTime(l.EndDate), New: fmtTime(wantEnd)})
		if d.Duration > 0 {
			df.reasons = append(df.reasons, fmt.Sprintf("end follows duration %s from the lease's start %s", spec.FormatDuration(d.Duration), fmtTime(effStart)))
		}
		if !wantEnd.After(b.now) && df.err == nil {
			df.err = b.leaseError(d, endField(d), fmt.Sprintf("the Leasefile's end %s is already past (the lease now ends %s): set a later end or duration, or remove the lease to delete it",
				fmtTime(wantEnd), fmtTime(l.EndDate)))
		}
		df.upd.End = ref(wantEnd)
		df.updates = true
	}
}

// planReplace makes ch a replacement of the tracked lease, refused when the new lease could
// not start when declared or prevent_destroy is set.
func (b *builder) planReplace(d *spec.Lease, t *tracked, ch Change, df *diff) pending {
	ch.Action = DeleteThenCreate
	if d.CreateBeforeDestroy {
		ch.Action = CreateThenDelete
	}
	ch.DestroysActive = b.destroysActive(t.live)
	ch.Wait = d.Wait
	if t.site != d.Site {
		ch.FromSite = t.site
	}
	why := cmp.Or(strings.Join(df.forced, ", "), "-replace")
	cs, err := b.createSpec(d)
	ch.Create = cs
	if err != nil && !d.Start.Now && d.Start.At.Before(b.now) {
		err = b.leaseError(d, "start", fmt.Sprintf("the lease must be replaced (forced by %s), but its start %s is in the past and a new lease cannot start then: write `start: now` or a later start, or undo the change",
			why, fmtTime(d.Start.At)))
	}
	if d.PreventDestroy {
		err = errors.Join(b.leaseError(d, "prevent_destroy", fmt.Sprintf("prevent_destroy is set, but this plan would replace the lease (forced by %s): remove prevent_destroy from the Leasefile first, or undo the change", why)), err)
	}
	return pending{ch: ch, err: err}
}
