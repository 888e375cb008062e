package avail

import (
	"fmt"
	"strconv"
	"time"

	"github.com/chameleoncloud/leasefile/internal/chameleon"
)

// Policy is a site's lease policy, Chameleon's MaxLeaseDurationFilter: a lease lasts at most
// MaxDuration, and an extension (a later end, or with the fork a later start) is allowed only
// within ExtensionWindow of the current end. Zero durations turn a rule off.
type Policy struct {
	MaxDuration     time.Duration
	ExtensionWindow time.Duration
}

// Chameleon's configuration (chi-in-a-box: max_lease_duration, reservation_extension_window),
// from internal/chameleon, the rules the emulator enforces too.
var chameleonPolicy = Policy{MaxDuration: chameleon.MaxLeaseSeconds * time.Second, ExtensionWindow: chameleon.ExtensionWindowSeconds * time.Second}

// Defaults are the built-in policies per site: Chameleon's at its policy sites
// (chameleon.PolicySites), none elsewhere (KVM@TACC runs upstream Blazar without the filter,
// CHI@Edge as the emulator models it). A Leasefile's policy section overrides them.
var Defaults = func() map[string]Policy {
	out := map[string]Policy{"KVM@TACC": {}, "CHI@Edge": {}}
	for site := range chameleon.PolicySites {
		out[site] = chameleonPolicy
	}
	return out
}()

// PolicyFor returns the site's policy: the override if given, else the default (none for an
// unknown site).
func PolicyFor(site string, overrides map[string]Policy) Policy {
	if p, ok := overrides[site]; ok {
		return p
	}
	return Defaults[site]
}

// CheckCreate returns the policy's words for a new lease over [start, end] that breaks it, or "".
func (p Policy) CheckCreate(start, end time.Time) string {
	if d := end.Sub(start); p.MaxDuration > 0 && d > p.MaxDuration {
		return fmt.Sprintf("Lease duration of %d seconds must be less than or equal to the maximum lease duration of %d seconds.",
			int(d.Seconds()), int(p.MaxDuration.Seconds()))
	}
	return ""
}

// CheckUpdate returns the policy's words for changing a lease from [curStart, curEnd] to
// [newStart, newEnd] at now, or "". The fork skips the window rule only when neither the end
// nor the start moves later.
func (p Policy) CheckUpdate(now, curStart, curEnd, newStart, newEnd time.Time) string {
	if !chameleon.WindowChecked(curStart, curEnd, newStart, newEnd) {
		return ""
	}
	if chameleon.OutsideExtensionWindow(now, curEnd, p.ExtensionWindow) {
		return fmt.Sprintf("Lease can only be extended within %d seconds of the leases current end time.", int(p.ExtensionWindow.Seconds()))
	}
	if d := newEnd.Sub(curEnd); p.MaxDuration > 0 && d > p.MaxDuration {
		return fmt.Sprintf("Lease duration of %d seconds must be less than or equal to the maximum lease duration of %d seconds.",
			int(d.Seconds()), int(p.MaxDuration.Seconds()))
	}
	return ""
}

// SUFactor is a resource's service-unit rate per hour: its su_factor capability, else 1 for
// a host and 0 for anything else.
func (r *Resource) SUFactor() float64 {
	if v, err := strconv.ParseFloat(r.Extra["su_factor"], 64); err == nil {
		return v
	}
	if r.Kind == Host {
		return 1
	}
	return 0
}

// SU estimates what a window costs: hours times the sum of the resources' su_factor
// (floating IPs, which are not resources here, cost 0).
func SU(start, end time.Time, rs []*Resource) float64 {
	sum := 0.0
	for _, r := range rs {
		sum += r.SUFactor()
	}
	return end.Sub(start).Hours() * sum
}

// Resource returns the resource of kind k with id, or nil.
func (s *Site) Resource(k Kind, id string) *Resource {
	for _, r := range s.Resources {
		if r.Kind == k && r.ID == id {
			return r
		}
	}
	return nil
}
