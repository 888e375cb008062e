package emulator

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// forkQuery renders a reservation request as the fork's manager holds it when it looks for
// resources, in Python's repr, for its capacity error: the client's keys in the client's
// order, then what the manager adds. It is "" under upstream and for floating IPs, whose
// error does not quote it.
func (e *Emulator) forkQuery(m map[string]any, order []string, r *reservation, start, end time.Time, project string) string {
	if !e.fork() || r.ResourceType == "virtual:floatingip" || r.ResourceType == "flavor:instance" {
		return ""
	}
	keys := slices.Clone(order)
	vals := map[string]string{}
	for _, k := range order {
		vals[k] = pyRepr(m[k])
	}
	set := func(k, v string) {
		if _, ok := vals[k]; !ok {
			keys = append(keys, k)
		}
		vals[k] = v
	}
	setDefault := func(k, v string) {
		if _, ok := vals[k]; !ok {
			set(k, v)
		}
	}
	setDefault("resource_type", pyRepr(r.ResourceType))
	set("start_date", pyDatetime(start))
	set("end_date", pyDatetime(end))
	set("project_id", pyRepr(project))
	hosts := r.ResourceType == "physical:host" || r.ResourceType == "device"
	if hosts {
		set("count_range", pyRepr(fmt.Sprintf("%s-%s", pyStr(m["min"]), pyStr(m["max"]))))
	}
	setDefault("before_end", pyRepr("default"))
	if hosts {
		setDefault("on_start", pyRepr("default"))
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = pyRepr(k) + ": " + vals[k]
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// pyStr is Python's str() of a decoded JSON scalar.
func pyStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return pyRepr(v)
}

// pyDatetime is the repr of a naive Python datetime to the minute: trailing zero seconds
// and microseconds are left out, hours and minutes never.
func pyDatetime(t time.Time) string {
	t = t.UTC()
	out := fmt.Sprintf("datetime.datetime(%d, %d, %d, %d, %d", t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute())
	if us := t.Nanosecond() / 1000; us != 0 {
		out += fmt.Sprintf(", %d, %d", t.Second(), us)
	} else if t.Second() != 0 {
		out += fmt.Sprintf(", %d", t.Second())
	}
	return out + ")"
}

// notEnough is the capacity error for a reservation: the fork quotes the query for hosts and
// devices, and for networks when no segment matches at all.
func (k resKind) notEnoughErr(r *reservation, matched int) *apiError {
	if r.query != "" && (r.ResourceType != "network" || matched == 0) {
		return blazarErr(500, "Not enough resources available with query %s", r.query)
	}
	return blazarErr(500, "%s", k.notEnough)
}
