package plan

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/internal/chameleon"
	"github.com/chameleoncloud/leasefile/spec"
)

// chameleonNotes explains, before apply, what Chameleon's Blazar fork does with an in-place
// update, with the rules the emulator enforces (internal/chameleon): a growth needs the
// whole new amount free besides what the lease holds, and the policy sites refuse a window
// change the extension filter checks while the lease ends more than 48 hours from now.
func (b *builder) chameleonNotes(key string, l *leases.Lease, ch *Change) {
	for _, g := range ch.Growths() {
		ch.Reasons = append(ch.Reasons, fmt.Sprintf("reservation %s grows from %d to %d in place: Chameleon needs %d free for the whole window besides the %d the lease holds; if that is refused, replace the lease (-replace %s) or add a second lease for the extra resources",
			g.Reservation, g.From, g.To, g.To, g.From, key))
	}
	u := ch.Update
	if u == nil || (u.Start == nil && u.End == nil) || !chameleon.PolicySites[ch.Site] {
		return
	}
	curStart, curEnd := minute(l.StartDate), minute(l.EndDate)
	start, end := curStart, curEnd
	if u.Start != nil {
		start = *u.Start
	}
	if u.End != nil {
		end = *u.End
	}
	if !chameleon.WindowRefused(b.now, curStart, curEnd, start, end) {
		return
	}
	from := curEnd.Add(-chameleon.ExtensionWindowSeconds * time.Second)
	b.p.Warnings = append(b.p.Warnings, fmt.Sprintf("lease %q: %s will refuse this update (\"Lease can only be extended within %d seconds of the leases current end time.\"): "+
		"Chameleon's policy checks any later start or later end until the lease is within 48 hours of its end (%s); move the start earlier or the end earlier instead, apply after %s, or replace the lease (-replace %s)",
		key, ch.Site, chameleon.ExtensionWindowSeconds, fmtTime(curEnd), fmtTime(from), key))
}

// Growth is a reservation an in-place update grows: From resources held, To wanted (the
// new count, min or floating-IP amount).
type Growth struct {
	Reservation string
	From, To    int
}

// Growths lists the reservations the change grows in place, which Chameleon's fork
// allocates as a whole new set with the lease's own resources counted as busy.
func (c Change) Growths() []Growth {
	if c.Action != Update {
		return nil
	}
	var out []Growth
	for _, f := range c.Fields {
		what, ok := strings.CutPrefix(f.Path, "reservations.")
		if !ok {
			continue
		}
		res, field, _ := strings.Cut(what, ".")
		if field != "count" && field != "min" && field != "amount" {
			continue
		}
		old, err1 := strconv.Atoi(f.Old)
		n, err2 := strconv.Atoi(f.New)
		if err1 == nil && err2 == nil && chameleon.GrowthNeedsAll(old, n) {
			out = append(out, Growth{Reservation: res, From: old, To: n})
		}
	}
	return out
}

// specificFirst orders a lease's reservations as they are sent: Blazar allocates them in
// that order, so one naming its node or device (node_name, device_name) goes before the
// generic ones, which could otherwise take the very resource it names. The order is
// otherwise the Leasefile's.
func specificFirst(rs []*spec.Reservation) []*spec.Reservation {
	out := make([]*spec.Reservation, 0, len(rs))
	for _, specific := range []bool{true, false} {
		for _, r := range rs {
			if (r.NodeName != "" || r.DeviceName != "") == specific {
				out = append(out, r)
			}
		}
	}
	return out
}

// ended says whether a lease's end has run: TERMINATED, or TERMINATING, which Chameleon's
// Blazar shows for several seconds after the manager picks the end up.
func ended(status string) bool { return status == "TERMINATED" || status == "TERMINATING" }
