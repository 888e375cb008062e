package spec

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// BlazarLayout is the date format Blazar accepts on input (UTC, to the minute).
const BlazarLayout = "2006-01-02 15:04"

// Time is a lease start or end as written: "now", or an absolute UTC time to the minute.
type Time struct {
	Now bool
	At  time.Time // UTC, whole minutes; zero when Now
}

// String renders the time as a user would write it in a Leasefile.
func (t Time) String() string {
	if t.Now {
		return "now"
	}
	return t.At.Format(BlazarLayout)
}

// ParseTime reads "now", RFC 3339 (offsets converted to UTC) or Blazar's "2006-01-02 15:04"
// (UTC). Blazar works to the minute, so seconds are refused rather than silently dropped.
func ParseTime(s string) (Time, error) {
	s = strings.TrimSpace(s)
	if s == "now" {
		return Time{Now: true}, nil
	}
	var t time.Time
	var err error
	switch {
	case strings.ContainsAny(s, "Tt") && len(s) > 10:
		t, err = time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return Time{}, fmt.Errorf("invalid time %s: RFC 3339 times need a date, a time and a zone, e.g. 2026-12-01T09:00:00Z", quote(s))
		}
	default:
		t, err = time.Parse(BlazarLayout, s)
		if err != nil {
			t2, err2 := time.Parse("2006-01-02 15:04:05", s)
			if err2 != nil {
				return Time{}, fmt.Errorf("invalid time %s: use now, RFC 3339 (2026-12-01T09:00:00Z) or \"2026-12-01 09:00\" (UTC)", quote(s))
			}
			t = t2
		}
	}
	t = t.UTC()
	if t.Second() != 0 || t.Nanosecond() != 0 {
		return Time{}, fmt.Errorf("time %q has seconds: Blazar works to the minute, use %s", s, t.Truncate(time.Minute).Format(BlazarLayout))
	}
	return Time{At: t}, nil
}

// durationParts splits s as ^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$ does, the regexp's match
// and its groups (TestDurationParts holds it to the regexp); ok is false when s does not
// match. An array, not a slice: a Leasefile's every duration is read with no allocation.
func durationParts(s string) (m [4]string, ok bool) {
	m[0] = s
	i := 0
	for g, unit := range []byte{'d', 'h', 'm'} {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j > i && j < len(s) && s[j] == unit {
			m[g+1], i = s[i:j], j+1
		}
	}
	if i != len(s) {
		return [4]string{}, false
	}
	return m, true
}

// ParseDuration reads a lease length in days, hours and minutes: 1d, 6h, 90m, 1d12h.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	m, ok := durationParts(s)
	if s == "" || !ok {
		if strings.HasSuffix(s, "s") {
			return 0, fmt.Errorf("invalid duration %s: Blazar works to the minute, use m, h and d (e.g. 90m)", quote(s))
		}
		return 0, fmt.Errorf("invalid duration %s: use days, hours and minutes, e.g. 1d, 6h, 90m, 1d12h", quote(s))
	}
	var total time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute} {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.ParseInt(m[i+1], 10, 32)
		if err != nil || n > 100000 {
			return 0, fmt.Errorf("invalid duration %s: number too large", quote(s))
		}
		total += time.Duration(n) * unit
	}
	if total <= 0 {
		return 0, fmt.Errorf("invalid duration %s: must be longer than zero", quote(s))
	}
	return total, nil
}

// FormatDuration renders d the way a Leasefile writes it (1d12h, 90m -> 1h30m).
func FormatDuration(d time.Duration) string {
	if d <= 0 {
		return "0m"
	}
	var b strings.Builder
	if days := d / (24 * time.Hour); days > 0 {
		fmt.Fprintf(&b, "%dd", days)
		d -= days * 24 * time.Hour
	}
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	return b.String()
}
