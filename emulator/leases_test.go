package emulator_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/google/go-cmp/cmp"
)

func TestLeaseShapesMatchRecorded(t *testing.T) {
	v := newEnv(t, emulator.Config{Blazar: emulator.BlazarUpstream})
	tok := v.login("CHI@UC", "demo")
	r := v.call("POST", v.blazar("CHI@UC")+"/leases", tok, hostLease("golden", "2030-01-01 10:00", "2030-01-02 10:00", "compute_skylake", 1))
	if r.status != 201 {
		t.Fatalf("create %d %s", r.status, r.raw)
	}
	for h, want := range map[string]string{"Content-Type": "application/json", "Openstack-Api-Version": "reservation 1.0", "Vary": "OpenStack-API-Version"} {
		if got := r.header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	if id := r.header.Get("X-Openstack-Request-Id"); len(id) != 40 || id[:4] != "req-" {
		t.Errorf("request id %q", id)
	}
	if d := cmp.Diff(keyTree(loadFixture(t, "blazar-lease-create.json")), keyTree(r.body)); d != "" {
		t.Errorf("create (-recorded +emulator):\n%s", d)
	}
	l := r.body["lease"].(map[string]any)
	id := l["id"].(string)
	if got := []any{l["status"], l["start_date"], l["end_date"], resv(l, 0)["status"], resv(l, 0)["resource_properties"]}; !cmp.Equal(got,
		[]any{"PENDING", "2030-01-01T10:00:00.000000", "2030-01-02T10:00:00.000000", "pending", `["==", "$node_type", "compute_skylake"]`}) {
		t.Errorf("create fields %v", got)
	}
	if _, err := time.Parse("2006-01-02 15:04:05", l["created_at"].(string)); err != nil {
		t.Errorf("created_at: %v", err)
	}
	// CHI@UC places before_end_lease 48 h before the end, clamped to the start.
	if got := eventsByType(l)["before_end_lease"]["time"]; got != "2030-01-01T10:00:00.000000" {
		t.Errorf("before_end_lease at %v", got)
	}
	r = v.call("GET", v.blazar("CHI@UC")+"/leases", tok, nil)
	if d := cmp.Diff(keyTree(loadFixture(t, "blazar-lease-list.json")), keyTree(r.body)); d != "" {
		t.Errorf("list (-recorded +emulator):\n%s", d)
	}
	r = v.call("GET", v.blazar("CHI@UC")+"/leases/"+id+".json", tok, nil)
	if r.status != 200 || r.body["lease"].(map[string]any)["id"] != id {
		t.Errorf(".json suffix: %d", r.status)
	}
	r = v.call("PUT", v.blazar("CHI@UC")+"/leases/"+id, tok, map[string]any{"end_date": "2030-01-02 12:00"})
	if d := cmp.Diff(keyTree(loadFixture(t, "blazar-lease-update-end.json")), keyTree(r.body)); d != "" {
		t.Errorf("update (-recorded +emulator):\n%s", d)
	}
	l = r.body["lease"].(map[string]any)
	if l["status"] != "UPDATING" || l["end_date"] != "2030-01-02T12:00:00.000000" || eventsByType(l)["end_lease"]["time"] != "2030-01-02T12:00:00.000000" {
		t.Errorf("update: %v %v", l["status"], l["end_date"])
	}
	if got := v.get("CHI@UC", tok, id)["status"]; got != "PENDING" {
		t.Errorf("after update reads %v", got)
	}
	r = v.call("GET", v.blazar("CHI@UC")+"/leases/golden", tok, nil)
	want := map[string]any{"error_code": 404.0, "error_message": "Object with {'lease_id': 'golden'} not found", "error_name": 404.0}
	if d := cmp.Diff(want, r.body); r.status != 404 || d != "" {
		t.Errorf("by name: %d %s", r.status, d)
	}
	r = v.call("DELETE", v.blazar("CHI@UC")+"/leases/"+id, tok, nil)
	if r.status != 204 || len(r.raw) != 0 {
		t.Errorf("delete: %d %q", r.status, r.raw)
	}
	if r := v.call("GET", v.blazar("CHI@UC")+"/leases/"+id, tok, nil); r.status != 404 {
		t.Errorf("after delete: %d", r.status)
	}
}

func TestVersions(t *testing.T) {
	v := newEnv(t, emulator.Config{})
	// As recorded, the root's 401 has no WWW-Authenticate header; the API's has.
	r := v.call("GET", v.base("CHI@UC")+"/reservation/", "", nil)
	eq(t, []any{401, false}, []any{r.status, r.header.Values("WWW-Authenticate") != nil})
	r = v.call("GET", v.blazar("CHI@UC")+"/leases", "", nil)
	eq(t, []any{401, `Keystone uri="` + v.base("CHI@UC") + `/identity/v3"`}, []any{r.status, r.header.Get("WWW-Authenticate")})
	recorded, err := os.ReadFile("testdata/blazar-versions.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal([]byte(strings.ReplaceAll(string(recorded), "http://127.0.0.1:11235", v.base("CHI@UC")+"/reservation")), &want); err != nil {
		t.Fatal(err)
	}
	tok := v.login("CHI@UC", "demo")
	for _, p := range []string{"/reservation/", "/reservation/versions"} {
		r := v.call("GET", v.base("CHI@UC")+p, tok, nil)
		if d := cmp.Diff(want, r.body); r.status != 300 || d != "" {
			t.Errorf("%s: %d (-recorded +emulator):\n%s", p, r.status, d)
		}
	}
	r = v.call("GET", v.blazar("CHI@UC")+"/nothing-here", tok, nil)
	if r.status != 404 || r.body["error"] != 404.0 {
		t.Errorf("unknown route: %d %s", r.status, r.raw)
	}
}

func TestStatusMachine(t *testing.T) {
	v := newEnv(t, emulator.Config{StartDelay: 30 * time.Second})
	tok := v.login("CHI@UC", "demo")
	body := hostLease("sm", "2030-01-01 10:00", "2030-01-01 12:00", "compute_skylake", 1)
	body["reservations"] = append(body["reservations"].([]any), map[string]any{"resource_type": "virtual:floatingip",
		"network_id": v.publicNetID("CHI@UC", tok), "amount": 1, "required_floatingips": []any{}})
	id := v.create("CHI@UC", tok, body)["id"].(string)
	type snap struct{ Lease, Host, FIP, Start, End, BeforeEnd string }
	look := func() snap {
		l := v.get("CHI@UC", tok, id)
		ev := eventsByType(l)
		return snap{l["status"].(string), resv(l, 0)["status"].(string), resv(l, 1)["status"].(string),
			ev["start_lease"]["status"].(string), ev["end_lease"]["status"].(string), ev["before_end_lease"]["status"].(string)}
	}
	steps := []struct {
		at   time.Time
		want snap
	}{
		{t0, snap{"PENDING", "pending", "pending", "UNDONE", "UNDONE", "UNDONE"}},
		{t0.Add(time.Hour), snap{"STARTING", "pending", "pending", "IN_PROGRESS", "UNDONE", "UNDONE"}},
		{t0.Add(time.Hour + 30*time.Second), snap{"ACTIVE", "active", "active", "DONE", "UNDONE", "DONE"}},
		// Past end_date it stays ACTIVE until the manager's poll picks end_lease up, then
		// TERMINATING (recorded 148-*, 149-*, 204-active-*).
		{t0.Add(3*time.Hour - time.Second), snap{"ACTIVE", "active", "active", "DONE", "UNDONE", "DONE"}},
		{t0.Add(3 * time.Hour), snap{"TERMINATING", "active", "active", "DONE", "IN_PROGRESS", "DONE"}},
		{t0.Add(3*time.Hour + 30*time.Second), snap{"TERMINATED", "deleted", "deleted", "DONE", "DONE", "DONE"}},
	}
	for _, s := range steps {
		v.clock.Set(s.at)
		if d := cmp.Diff(s.want, look()); d != "" {
			t.Errorf("at %v:\n%s", s.at, d)
		}
	}
	if got := v.emu.Leases("CHI@UC"); len(got) != 1 || got[0].Status != "TERMINATED" {
		t.Errorf("Leases: %+v", got)
	}
}

func TestForbiddenTransitions(t *testing.T) {
	v := newEnv(t, emulator.Config{Blazar: emulator.BlazarUpstream, StartDelay: time.Minute})
	tok := v.login("CHI@UC", "demo")
	id := v.create("CHI@UC", tok, hostLease("s", "2030-01-01 10:00", "2030-01-01 12:00", "compute_skylake", 1))["id"].(string)
	v.clock.Set(t0.Add(time.Hour + time.Second)) // STARTING
	r := v.call("PUT", v.blazar("CHI@UC")+"/leases/"+id, tok, map[string]any{"name": "x"})
	if r.status != 500 || errMsg(r) != "Invalid lease status." {
		t.Errorf("update while STARTING: %d %s", r.status, r.raw)
	}
	// STARTING -> DELETING is allowed.
	if r := v.call("DELETE", v.blazar("CHI@UC")+"/leases/"+id, tok, nil); r.status != 204 {
		t.Errorf("delete while STARTING: %d %s", r.status, r.raw)
	}
}

func TestFailOnStart(t *testing.T) {
	v := newEnv(t, emulator.Config{StartDelay: -1})
	tok := v.login("CHI@UC", "demo")
	id := v.create("CHI@UC", tok, hostLease("f", "2030-01-01 10:00", "2030-01-01 12:00", "compute_skylake", 1))["id"].(string)
	v.emu.FailOnStart("CHI@UC", id)
	v.clock.Set(t0.Add(90 * time.Minute))
	l := v.get("CHI@UC", tok, id)
	if got := []any{l["status"], resv(l, 0)["status"], eventsByType(l)["start_lease"]["status"]}; !cmp.Equal(got, []any{"ERROR", "error", "ERROR"}) {
		t.Errorf("got %v", got)
	}
}

func TestCreateValidation(t *testing.T) {
	v := newEnv(t, emulator.Config{Blazar: emulator.BlazarUpstream})
	tok := v.login("CHI@UC", "demo")
	edge := v.login("CHI@Edge", "demo")
	v.clock.Set(time.Date(2030, 1, 1, 9, 0, 30, 0, time.UTC))
	host := func(mod func(r map[string]any)) map[string]any {
		b := hostLease("v", "2030-01-01 10:00", "2030-01-02 10:00", "compute_skylake", 1)
		mod(b["reservations"].([]any)[0].(map[string]any))
		return b
	}
	lease := func(mod func(b map[string]any)) map[string]any {
		b := hostLease("v", "2030-01-01 10:00", "2030-01-02 10:00", "compute_skylake", 1)
		mod(b)
		return b
	}
	fip := func(r map[string]any) map[string]any {
		return map[string]any{"name": "f", "start_date": "now", "end_date": "2030-01-02 10:00", "reservations": []any{r}}
	}
	net := v.publicNetID("CHI@UC", tok)
	tests := []struct {
		name   string
		site   string
		body   map[string]any
		status int
		msg    string
	}{
		{"missing end", "", lease(func(b map[string]any) { delete(b, "end_date") }), 400, "Missing parameter end_date"},
		{"missing all", "", map[string]any{}, 400, "Missing parameter end_date, name, start_date"},
		{"seconds", "", lease(func(b map[string]any) { b["start_date"] = "2030-01-01 10:00:00" }), 400, "2030-01-01 10:00:00 is an invalid date. Required format: %Y-%m-%d %H:%M"},
		{"T", "", lease(func(b map[string]any) { b["end_date"] = "2030-01-02T12:00:00" }), 400, "2030-01-02T12:00:00 is an invalid date. Required format: %Y-%m-%d %H:%M"},
		{"past", "", lease(func(b map[string]any) { b["start_date"] = "2030-01-01 08:59" }), 400, "Start date must be later than current date"},
		{"end before start", "", lease(func(b map[string]any) { b["end_date"] = "2030-01-01 09:30" }), 400, "End date must be later than start date."},
		{"before_end outside", "", lease(func(b map[string]any) { b["before_end_date"] = "2030-01-03 10:00" }), 403, "Datetime is out of lease limits"},
		{"no resource_type", "", host(func(r map[string]any) { delete(r, "resource_type") }), 400, "Missing parameter resource_type"},
		{"unsupported type", "", host(func(r map[string]any) { r["resource_type"] = "flavor:instance" }), 500, "The flavor:instance resource type is not supported"},
		{"device at UC", "", host(func(r map[string]any) { r["resource_type"] = "device" }), 500, "The device resource type is not supported"},
		{"missing min", "", host(func(r map[string]any) { delete(r, "min") }), 400, "Missing parameter min"},
		{"bad max", "", host(func(r map[string]any) { r["max"] = "two" }), 400, "Malformed parameter max"},
		{"float min", "", host(func(r map[string]any) { r["min"] = 1.5 }), 400, "Malformed parameter min"},
		{"zero", "", host(func(r map[string]any) { r["min"], r["max"] = 0, 0 }), 400, "Malformed parameter min and max (must be greater than or equal to 1)"},
		{"max below min", "", host(func(r map[string]any) { r["min"], r["max"] = 3, 2 }), 400, "Invalid values for min/max of hosts. Max must be equal to or larger than min."},
		{"no hypervisor_properties", "", host(func(r map[string]any) { delete(r, "hypervisor_properties") }), 400, "Missing parameter hypervisor_properties"},
		{"no resource_properties", "", host(func(r map[string]any) { delete(r, "resource_properties") }), 400, "Missing parameter resource_properties"},
		{"bad before_end", "", host(func(r map[string]any) { r["before_end"] = "reboot" }), 400, "Malformed parameter before_end"},
		{"bad json", "", host(func(r map[string]any) { r["resource_properties"] = `["==", "$node_type"` }), 400, `Malformed requirements ["==", "$node_type"`},
		{"number value", "", host(func(r map[string]any) { r["resource_properties"] = `[">", "$architecture.smt_size", 40]` }), 400, "Malformed requirements ['>', '$architecture.smt_size', 40]"},
		{"no dollar", "", host(func(r map[string]any) { r["resource_properties"] = `["==", "node_type", "x"]` }), 400, "Malformed requirements ['==', 'node_type', 'x']"},
		{"or", "", host(func(r map[string]any) { r["resource_properties"] = `["or", ["==", "$a", "b"], ["==", "$c", "d"]]` }), 400, "Malformed requirements ['or', ['==', '$a', 'b'], ['==', '$c', 'd']]"},
		{"bad element in and", "", host(func(r map[string]any) {
			r["resource_properties"] = `["and", ["==", "$node_type", "compute_skylake"], ["==", "$x", 4]]`
		}), 400, "Malformed requirements ['==', '$x', 4]"},
		{"empty element in and", "", host(func(r map[string]any) {
			r["resource_properties"] = `["and", ["==", "$node_type", "compute_skylake"], []]`
		}), 400, "Malformed requirements ['and', ['==', '$node_type', 'compute_skylake'], []]"},
		{"nested and takes its first", "", host(func(r map[string]any) {
			r["resource_properties"] = `["and", ["and", ["==", "$node_type", "compute_nehalem"], ["==", "$colour", "blue"]], ["==", "$node_type", "compute_skylake"]]`
		}), 500, "Not enough hosts available"},
		{"unknown property", "", host(func(r map[string]any) { r["resource_properties"] = `["==", "$colour", "blue"]` }), 500, "colour ComputeHostExtraCapability was not found"},
		{"no match", "", host(func(r map[string]any) { r["resource_properties"] = `["==", "$node_type", "compute_nehalem"]` }), 500, "Not enough hosts available"},
		{"too many gpus", "", host(func(r map[string]any) {
			r["resource_properties"], r["min"], r["max"] = `["==", "$gpu.gpu_model", "A100-PCIE-40GB"]`, 3, 3
		}), 500, "Not enough hosts available"},
		{"fip no network", "", fip(map[string]any{"resource_type": "virtual:floatingip", "amount": 1}), 400, "Missing parameter network_id"},
		{"fip no amount", "", fip(map[string]any{"resource_type": "virtual:floatingip", "network_id": net}), 400, "Missing parameter amount"},
		{"fip bad ip", "", fip(map[string]any{"resource_type": "virtual:floatingip", "network_id": net, "amount": 1, "required_floatingips": []any{"1.2.3"}}), 400, "IP address 1.2.3 is invalid form."},
		{"fip more required than amount", "", fip(map[string]any{"resource_type": "virtual:floatingip", "network_id": net, "amount": 1, "required_floatingips": []any{"192.0.2.101", "192.0.2.102"}}), 400,
			"Invalid values for required_floatingips and amount. The amount must be equal to or larger than length of required_floatingips."},
		{"fip wrong network", "", fip(map[string]any{"resource_type": "virtual:floatingip", "network_id": "nope", "amount": 1}), 500, "Not enough floating IPs available"},
		{"fip too many", "", fip(map[string]any{"resource_type": "virtual:floatingip", "network_id": net, "amount": 21}), 500, "Not enough floating IPs available"},
		{"fip required outside pool", "", fip(map[string]any{"resource_type": "virtual:floatingip", "network_id": net, "amount": 1, "required_floatingips": []any{"203.0.113.5"}}), 500, "Not enough floating IPs available"},
		{"network no name", "", fip(map[string]any{"resource_type": "network", "network_properties": "", "resource_properties": ""}), 400, "Missing parameter network_name"},
		{"network no segment", "", fip(map[string]any{"resource_type": "network", "network_name": "n", "network_properties": "", "resource_properties": `["==", "$physical_network", "physnet9"]`}), 500, "Not enough networks available"},
		{"too long", "", lease(func(b map[string]any) { b["end_date"] = "2030-01-09 11:00" }), 403,
			"Lease duration of 694800 seconds must be less than or equal to the maximum lease duration of 604800 seconds."},
		// Allocation candidates are computed before the duration policy.
		{"too long and bad min", "", lease(func(b map[string]any) {
			b["end_date"] = "2030-01-09 11:00"
			b["reservations"].([]any)[0].(map[string]any)["min"] = 0
		}), 400, "Malformed parameter min and max (must be greater than or equal to 1)"},
		{"too long and too many", "", lease(func(b map[string]any) {
			b["end_date"] = "2030-01-09 11:00"
			r := b["reservations"].([]any)[0].(map[string]any)
			r["min"], r["max"] = 9, 9
		}), 500, "Not enough hosts available"},
		{"device missing properties", "CHI@Edge", fip(map[string]any{"resource_type": "device", "min": 1, "max": 1}), 400, "Missing parameter resource_properties"},
		{"too many jetsons", "CHI@Edge", fip(map[string]any{"resource_type": "device", "min": 5, "max": 5, "resource_properties": `["==", "$machine_name", "jetson-nano"]`}), 500, "Not enough hosts available"},
		{"host at edge", "CHI@Edge", lease(func(map[string]any) {}), 500, "The physical:host resource type is not supported"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			site, token := "CHI@UC", tok
			if tc.site == "CHI@Edge" {
				site, token = tc.site, edge
			}
			r := v.call("POST", v.blazar(site)+"/leases", token, tc.body)
			want := map[string]any{"error_code": float64(tc.status), "error_message": tc.msg, "error_name": float64(tc.status)}
			if d := cmp.Diff(want, r.body); r.status != tc.status || d != "" {
				t.Errorf("status %d (want %d):\n%s", r.status, tc.status, d)
			}
		})
	}
	if got := v.emu.Leases("CHI@UC"); len(got) != 0 {
		t.Errorf("failed creates left leases: %+v", got)
	}
}

func TestNowStartAndNoReservations(t *testing.T) {
	v := newEnv(t, emulator.Config{})
	v.clock.Set(time.Date(2030, 1, 1, 9, 0, 42, 0, time.UTC))
	tok := v.login("CHI@TACC", "demo")
	l := v.create("CHI@TACC", tok, map[string]any{"name": "n", "start_date": "now", "end_date": "2030-01-01 10:00", "reservations": []any{}})
	if l["start_date"] != "2030-01-01T09:00:00.000000" || l["status"] != "PENDING" || len(l["reservations"].([]any)) != 0 {
		t.Errorf("got %v %v", l["start_date"], l["status"])
	}
	// The manager polls its events every 10 s: the start is picked up at 09:00:50.
	for _, step := range []struct {
		after time.Duration
		want  string
	}{{5 * time.Second, "PENDING"}, {15 * time.Second, "STARTING"}, {25 * time.Second, "ACTIVE"}} {
		v.clock.Set(time.Date(2030, 1, 1, 9, 0, 42, 0, time.UTC).Add(step.after))
		if got := v.get("CHI@TACC", tok, l["id"].(string))["status"]; got != step.want {
			t.Errorf("%s after a now-lease: %v, want %s", step.after, got, step.want)
		}
	}
}

func TestDeleteReturnsEmptyObject(t *testing.T) {
	inv := emulator.DefaultInventory()
	inv.Sites[0].DeleteReturnsEmptyObject = true
	v := newEnv(t, emulator.Config{Inventory: inv})
	tok := v.login("CHI@UC", "demo")
	id := v.create("CHI@UC", tok, hostLease("d", "2030-01-01 10:00", "2030-01-01 12:00", "compute_skylake", 1))["id"].(string)
	r := v.call("DELETE", v.blazar("CHI@UC")+"/leases/"+id, tok, nil)
	if r.status != 200 || string(r.raw) != "{}" {
		t.Errorf("delete: %d %q", r.status, r.raw)
	}
}

// TestNowLeaseEvents: the create response of a "now" lease is PENDING, so
// its events are UNDONE (status.py COMBINATIONS); an event that ran is not
// stamped before the lease was created.
func TestNowLeaseEvents(t *testing.T) {
	tests := []struct {
		name  string
		delay time.Duration
		wait  time.Duration // after create, before the GET (-1: the create response)
		want  map[string][2]any
	}{
		{"create response", 0, -1, map[string][2]any{
			"start_lease": {"UNDONE", nil}, "end_lease": {"UNDONE", nil}, "before_end_lease": {"UNDONE", nil}}},
		{"create response, immediate start", -1, -1, map[string][2]any{
			"start_lease": {"UNDONE", nil}, "end_lease": {"UNDONE", nil}, "before_end_lease": {"UNDONE", nil}}},
		{"active", -1, time.Minute, map[string][2]any{
			"start_lease":      {"DONE", "2030-01-01 09:00:50"}, // the next event poll
			"end_lease":        {"UNDONE", nil},
			"before_end_lease": {"DONE", "2030-01-01 09:00:50"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newEnv(t, emulator.Config{StartDelay: tc.delay})
			v.clock.Set(time.Date(2030, 1, 1, 9, 0, 42, 0, time.UTC))
			tok := v.login("CHI@UC", "demo")
			l := v.create("CHI@UC", tok, hostLease("n", "now", "2030-01-01 10:00", "compute_skylake", 1))
			if tc.wait >= 0 {
				v.clock.Advance(tc.wait)
				l = v.get("CHI@UC", tok, l["id"].(string))
			}
			got := map[string][2]any{}
			for k, ev := range eventsByType(l) {
				got[k] = [2]any{ev["status"], ev["updated_at"]}
			}
			eq(t, tc.want, got)
		})
	}
}
