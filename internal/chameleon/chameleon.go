// Package chameleon holds the rules of Chameleon's Blazar fork (branch
// chameleoncloud/2023.1, recorded in ../shared/recorded/chameleon-2023.1/) that both the
// planner and the emulator apply, so that each rule has one source of truth.
//
// It is a leaf: constants and pure functions of times and counts, importing no other
// package of the project and no client type. That is what lets the emulator, which
// otherwise imports none of the project's packages, share it.
package chameleon

import "time"

// Chameleon's policy filter (MaxLeaseDurationFilter) on its bare-metal sites.
const (
	MaxLeaseSeconds        = 604800 // max_lease_duration: 7 days
	ExtensionWindowSeconds = 172800 // reservation_extension_window: 48 hours
	MinutesBeforeEnd       = 2880   // minutes_before_end_lease: the before_end event
)

// PolicySites are the sites where Chameleon runs the policy filter.
var PolicySites = map[string]bool{"CHI@UC": true, "CHI@TACC": true}

// WindowChecked reports whether the fork's filter checks the extension window for an update
// that moves a lease from [curStart, curEnd] to [start, end]: it skips the check only when
// the new window lies inside the old one on both ends (current.end >= new.end and
// current.start >= new.start), so moving the start later is checked, and moving it earlier
// is not.
func WindowChecked(curStart, curEnd, start, end time.Time) bool {
	return end.After(curEnd) || start.After(curStart)
}

// OutsideExtensionWindow reports whether, at now, a lease ending at curEnd is still further
// than window from its end, so that a checked update is refused with "Lease can only be
// extended within N seconds of the leases current end time."
func OutsideExtensionWindow(now, curEnd time.Time, window time.Duration) bool {
	return window > 0 && now.Before(curEnd.Add(-window))
}

// WindowRefused combines the two for the policy's own window.
func WindowRefused(now, curStart, curEnd, start, end time.Time) bool {
	return WindowChecked(curStart, curEnd, start, end) && OutsideExtensionWindow(now, curEnd, ExtensionWindowSeconds*time.Second)
}

// GrowthNeedsAll reports whether an update from held resources to a new minimum is a growth,
// which the fork allocates as a whole new set with the lease's own resources counted as
// busy: the whole new amount must be free besides what the lease holds.
func GrowthNeedsAll(held, newMin int) bool { return newMin > held }

// Chameleon's idle-lease reaper on its bare-metal sites deletes an ACTIVE lease with host
// reservations when no instance runs on its hosts IdleLeaseSeconds after its start.
const IdleLeaseSeconds = 32400 // 9 hours

// IdleDeadline is when the reaper deletes a bare-metal lease starting at start that has no
// instance by then; ok is false when the lease ends first, so the reaper never sees it idle.
func IdleDeadline(start, end time.Time) (deadline time.Time, ok bool) {
	deadline = start.Add(IdleLeaseSeconds * time.Second)
	return deadline, end.After(deadline)
}
