package emulator_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/google/go-cmp/cmp"
)

// TestUpdateRules gives each update rule of Blazar one accepted and one
// refused case. Every case starts from a fresh lease at CHI@UC (policy on)
// or CHI@Edge (policy off).
func TestUpdateRules(t *testing.T) {
	type setup struct {
		site    string
		start   string
		end     string
		fip     bool
		advance time.Duration // clock move after create (t0 = 09:00)
	}
	pending := setup{site: "CHI@UC", start: "2030-01-01 10:00", end: "2030-01-02 10:00"}
	active := setup{site: "CHI@UC", start: "2030-01-01 10:00", end: "2030-01-02 10:00", advance: 2 * time.Hour}
	ended := setup{site: "CHI@UC", start: "2030-01-01 10:00", end: "2030-01-01 11:00", advance: 3 * time.Hour}
	withFIP := setup{site: "CHI@UC", start: "2030-01-01 10:00", end: "2030-01-02 10:00", fip: true}
	long := setup{site: "CHI@UC", start: "2030-01-01 10:00", end: "2030-01-05 10:00"}
	farEdge := setup{site: "CHI@Edge", start: "2030-02-01 10:00", end: "2030-02-02 10:00"}
	tests := []struct {
		name   string
		setup  setup
		body   func(hostRes, fipRes string) map[string]any
		status int
		msg    string                               // for errors
		check  func(t *testing.T, l map[string]any) // for successes, on the GET after
	}{
		{"rename pending", pending, func(string, string) map[string]any { return map[string]any{"name": "renamed"} }, 200, "",
			func(t *testing.T, l map[string]any) { eq(t, "renamed", l["name"]) }},
		{"rename terminated", ended, func(string, string) map[string]any { return map[string]any{"name": "renamed"} }, 200, "",
			func(t *testing.T, l map[string]any) {
				eq(t, []any{"renamed", "TERMINATED"}, []any{l["name"], l["status"]})
			}},
		{"terminated dates", ended, func(string, string) map[string]any { return map[string]any{"end_date": "2030-01-01 13:00"} }, 400,
			"Terminated leases can only be renamed", nil},
		{"extend active", active, func(string, string) map[string]any { return map[string]any{"end_date": "2030-01-02 12:00"} }, 200, "",
			func(t *testing.T, l map[string]any) {
				eq(t, []any{"ACTIVE", "2030-01-02T12:00:00.000000"}, []any{l["status"], l["end_date"]})
			}},
		{"end now on active", active, func(string, string) map[string]any { return map[string]any{"end_date": "now"} }, 200, "",
			func(t *testing.T, l map[string]any) { eq(t, "TERMINATED", l["status"]) }},
		{"start of started lease", active, func(string, string) map[string]any { return map[string]any{"start_date": "2030-01-01 10:30"} }, 400,
			"Cannot modify the start date of already started leases", nil},
		{"defer pending", pending, func(string, string) map[string]any { return map[string]any{"start_date": "2030-01-01 11:00"} }, 200, "",
			func(t *testing.T, l map[string]any) {
				eq(t, []any{"2030-01-01T11:00:00.000000", "2030-01-01T11:00:00.000000"}, []any{l["start_date"], eventsByType(l)["start_lease"]["time"]})
			}},
		{"start in past", pending, func(string, string) map[string]any { return map[string]any{"start_date": "2030-01-01 08:00"} }, 400,
			"Start date must be later than current date", nil},
		{"end before start", pending, func(string, string) map[string]any { return map[string]any{"end_date": "2030-01-01 09:30"} }, 400,
			"End date must be later than current and start date", nil},
		{"bad date", pending, func(string, string) map[string]any { return map[string]any{"end_date": "2030-01-02T12:00:00"} }, 400,
			"2030-01-02T12:00:00 is an invalid date. Required format: %Y-%m-%d %H:%M", nil},
		{"before_end out of limits", pending, func(string, string) map[string]any {
			return map[string]any{"end_date": "2030-01-02 10:00", "before_end_date": "2030-01-05 10:00"}
		}, 403, "Datetime is out of lease limits", nil},
		{"grow hosts", pending, func(h, _ string) map[string]any {
			return map[string]any{"reservations": []any{map[string]any{"id": h, "min": 2, "max": 2}}}
		}, 200, "", func(t *testing.T, l map[string]any) {
			eq(t, []any{2.0, 2.0}, []any{resv(l, 0)["min"], resv(l, 0)["max"]})
		}},
		{"change properties", pending, func(h, _ string) map[string]any {
			return map[string]any{"reservations": []any{map[string]any{"id": h, "resource_properties": `["==", "$node_type", "compute_cascadelake_r"]`}}}
		}, 200, "", func(t *testing.T, l map[string]any) {
			eq(t, `["==", "$node_type", "compute_cascadelake_r"]`, resv(l, 0)["resource_properties"])
		}},
		{"before_end not updatable", pending, func(h, _ string) map[string]any {
			return map[string]any{"reservations": []any{map[string]any{"id": h, "before_end": "snapshot"}}}
		}, 200, "", func(t *testing.T, l map[string]any) { eq(t, "default", resv(l, 0)["before_end"]) }},
		{"too many hosts", pending, func(h, _ string) map[string]any {
			return map[string]any{"reservations": []any{map[string]any{"id": h, "min": 9, "max": 9}}}
		}, 500, "Not enough hosts available", nil},
		{"shrink active", active, func(h, _ string) map[string]any {
			return map[string]any{"reservations": []any{map[string]any{"id": h, "resource_properties": `["==", "$node_type", "storage_hierarchy"]`}}}
		}, 500, "Not enough hosts available", nil},
		{"bad min", pending, func(h, _ string) map[string]any {
			return map[string]any{"reservations": []any{map[string]any{"id": h, "min": 0}}}
		}, 400, "Malformed parameter min and max (must be greater than or equal to 1)", nil},
		{"missing reservation id", pending, func(string, string) map[string]any {
			return map[string]any{"reservations": []any{map[string]any{"min": 1}}}
		}, 400, "Missing parameter reservation ID", nil},
		{"unknown reservation id", pending, func(string, string) map[string]any {
			return map[string]any{"reservations": []any{map[string]any{"id": "nope", "min": 1, "max": 1}}}
		}, 400, "Please enter valid reservation IDs. Invalid reservation IDs are: nope", nil},
		{"resource_type change", pending, func(h, _ string) map[string]any {
			return map[string]any{"reservations": []any{map[string]any{"id": h, "resource_type": "virtual:floatingip"}}}
		}, 409, "resource_type cannot be updated", nil},
		{"fip amount", withFIP, func(_, f string) map[string]any {
			return map[string]any{"reservations": []any{map[string]any{"id": f, "amount": 3}}}
		}, 200, "", func(t *testing.T, l map[string]any) { eq(t, 3.0, resv(l, 1)["amount"]) }},
		{"fip network change", withFIP, func(_, f string) map[string]any {
			return map[string]any{"reservations": []any{map[string]any{"id": f, "network_id": "other-net"}}}
		}, 400, "Floating IP reservation cannot be updated with requested parameters. Updating network_id is not supported", nil},
		{"extension window", long, func(string, string) map[string]any { return map[string]any{"end_date": "2030-01-05 11:00"} }, 400,
			"Lease can only be extended within 172800 seconds of the leases current end time.", nil},
		{"shorten outside window", farEdge, func(string, string) map[string]any { return map[string]any{"end_date": "2030-02-01 12:00"} }, 200, "",
			func(t *testing.T, l map[string]any) { eq(t, "2030-02-01T12:00:00.000000", l["end_date"]) }},
		{"extend without policy", farEdge, func(string, string) map[string]any { return map[string]any{"end_date": "2030-02-20 10:00"} }, 200, "",
			func(t *testing.T, l map[string]any) { eq(t, "2030-02-20T10:00:00.000000", l["end_date"]) }},
		{"extension too long", active, func(string, string) map[string]any { return map[string]any{"end_date": "2030-01-09 11:00"} }, 400,
			"Lease duration of 608400 seconds must be less than or equal to the maximum lease duration of 604800 seconds.", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newEnv(t, emulator.Config{Blazar: emulator.BlazarUpstream, StartDelay: -1})
			tok := v.login(tc.setup.site, "demo")
			body := hostLease("u", tc.setup.start, tc.setup.end, "compute_skylake", 1)
			if tc.setup.site == "CHI@Edge" {
				body["reservations"] = []any{map[string]any{"resource_type": "device", "min": 1, "max": 1, "resource_properties": `["==", "$machine_name", "raspberrypi4-64"]`}}
			}
			if tc.setup.fip {
				body["reservations"] = append(body["reservations"].([]any), map[string]any{"resource_type": "virtual:floatingip",
					"network_id": v.publicNetID("CHI@UC", tok), "amount": 1})
			}
			l := v.create(tc.setup.site, tok, body)
			id := l["id"].(string)
			fipRes := ""
			if tc.setup.fip {
				fipRes = resv(l, 1)["id"].(string)
			}
			// Another lease holds the storage nodes while this one runs, so
			// swapping to them is impossible.
			if tc.setup.site == "CHI@UC" {
				v.create(tc.setup.site, tok, hostLease("blocker", "2030-01-01 09:30", "2030-01-03 10:00", "storage_hierarchy", 3))
			}
			v.clock.Advance(tc.setup.advance)
			r := v.call("PUT", v.blazar(tc.setup.site)+"/leases/"+id, tok, tc.body(resv(l, 0)["id"].(string), fipRes))
			if tc.status != 200 {
				want := map[string]any{"error_code": float64(tc.status), "error_message": tc.msg, "error_name": float64(tc.status)}
				if d := cmp.Diff(want, r.body); r.status != tc.status || d != "" {
					t.Fatalf("status %d:\n%s", r.status, d)
				}
				return
			}
			if r.status != 200 || r.body["lease"].(map[string]any)["status"] != "UPDATING" {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			tc.check(t, v.get(tc.setup.site, tok, id))
		})
	}
}

func eq(t *testing.T, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Error(d)
	}
}

func TestUpdateExtendChecksCapacity(t *testing.T) {
	v := newEnv(t, emulator.Config{Blazar: emulator.BlazarUpstream})
	tok := v.login("CHI@UC", "demo")
	// Both A100 nodes, back to back with a second lease.
	a := v.create("CHI@UC", tok, hostLease("a", "2030-01-01 10:00", "2030-01-01 12:00", "gpu_a100_pcie", 2))
	v.create("CHI@UC", tok, hostLease("b", "2030-01-01 12:00", "2030-01-01 14:00", "gpu_a100_pcie", 2))
	r := v.call("PUT", v.blazar("CHI@UC")+"/leases/"+a["id"].(string), tok, map[string]any{"end_date": "2030-01-01 13:00"})
	if r.status != 500 || errMsg(r) != "Not enough hosts available" {
		t.Errorf("extend into a full window: %d %s", r.status, r.raw)
	}
	if got := v.get("CHI@UC", tok, a["id"].(string))["end_date"]; got != "2030-01-01T12:00:00.000000" {
		t.Errorf("refused update changed the lease: end %v", got)
	}
	r = v.call("PUT", v.blazar("CHI@UC")+"/leases/"+a["id"].(string), tok, map[string]any{"end_date": "2030-01-01 11:00"})
	if r.status != 200 {
		t.Errorf("shorten: %d %s", r.status, r.raw)
	}
}

// TestUpdateRaisingMaxAllocates: like Blazar's _update_allocations, an
// update keeps the allocated resources and looks for up to max - kept more,
// failing only below min, whether the lease is pending or active.
func TestUpdateRaisingMaxAllocates(t *testing.T) {
	skylake := `["==", "$node_type", "compute_skylake"]`
	host := func(min, max int) map[string]any {
		return map[string]any{"resource_type": "physical:host", "min": min, "max": max, "hypervisor_properties": "", "resource_properties": skylake}
	}
	tests := []struct {
		name    string
		res     []any // reservations of the lease under test
		blocked int   // of the 8 compute_skylake at CHI@UC, held by another lease
		advance time.Duration
		change  func(ids []string) []any
		status  int
		want    []int // allocated per reservation after the update
	}{
		{"pending max up", []any{host(1, 1)}, 5, 0, func(ids []string) []any {
			return []any{map[string]any{"id": ids[0], "min": 1, "max": 4}}
		}, 200, []int{3}},
		{"pending min not met", []any{host(1, 1)}, 5, 0, func(ids []string) []any {
			return []any{map[string]any{"id": ids[0], "min": 4, "max": 4}}
		}, 500, []int{1}},
		{"active max up", []any{host(1, 1)}, 5, 2 * time.Hour, func(ids []string) []any {
			return []any{map[string]any{"id": ids[0], "max": 3}}
		}, 200, []int{3}},
		{"sibling keeps its host", []any{host(1, 1), host(1, 1)}, 6, 0, func(ids []string) []any {
			return []any{map[string]any{"id": ids[0], "max": 2}}
		}, 200, []int{1, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newEnv(t, emulator.Config{Blazar: emulator.BlazarUpstream, StartDelay: -1})
			tok := v.login("CHI@UC", "demo")
			body := hostLease("u", "2030-01-01 10:00", "2030-01-02 10:00", "compute_skylake", 1)
			body["reservations"] = tc.res
			l := v.create("CHI@UC", tok, body)
			v.create("CHI@UC", tok, hostLease("blocker", "2030-01-01 09:30", "2030-01-03 10:00", "compute_skylake", tc.blocked))
			var ids []string
			for i := range tc.res {
				ids = append(ids, resv(l, i)["id"].(string))
			}
			v.clock.Advance(tc.advance)
			r := v.call("PUT", v.blazar("CHI@UC")+"/leases/"+l["id"].(string), tok, map[string]any{"reservations": tc.change(ids)})
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			var got []int
			for _, li := range v.emu.Leases("CHI@UC") {
				if li.ID == l["id"] {
					for _, ri := range li.Reservations {
						got = append(got, ri.Allocated)
					}
				}
			}
			eq(t, tc.want, got)
		})
	}
}

// TestEndedLeaseStaysTerminated: once end_lease has run, Blazar keeps the
// lease TERMINATED (its end event stays DONE) even in the minute it ended,
// refuses date changes, and a later move of the end does not revive it,
// across a reload of the data file too.
func TestEndedLeaseStaysTerminated(t *testing.T) {
	file := filepath.Join(t.TempDir(), "emu.json")
	clock := emulator.NewFakeClock(t0)
	v := newEnv(t, emulator.Config{Clock: clock, DataFile: file, StartDelay: -1, Blazar: emulator.BlazarUpstream})
	tok := v.login("CHI@UC", "demo")
	id := v.create("CHI@UC", tok, hostLease("e", "2030-01-01 10:00", "2030-01-01 11:00", "compute_skylake", 1))["id"].(string)
	url := v.blazar("CHI@UC") + "/leases/" + id
	clock.Set(time.Date(2030, 1, 1, 11, 0, 30, 0, time.UTC)) // the minute it ended

	r := v.call("PUT", url, tok, map[string]any{"end_date": "2030-01-01 12:00"})
	eq(t, []any{400, "Terminated leases can only be renamed"}, []any{r.status, errMsg(r)})
	r = v.call("PUT", url, tok, map[string]any{"name": "renamed"})
	eq(t, 200, r.status)
	// An operator moving the end later does not rerun the lease.
	if err := v.emu.SetLeaseEnd("CHI@UC", id, time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	l := v.get("CHI@UC", tok, id)
	end := eventsByType(l)["end_lease"]
	want := []any{"renamed", "TERMINATED", "2030-01-01T12:00:00.000000", "DONE", "2030-01-01 11:00:00"}
	eq(t, want, []any{l["name"], l["status"], l["end_date"], end["status"], end["updated_at"]})
	r = v.call("PUT", url, tok, map[string]any{"end_date": "2030-01-01 13:00"})
	eq(t, []any{400, "Terminated leases can only be renamed"}, []any{r.status, errMsg(r)})

	w, err := emulator.New(emulator.Config{Clock: clock, DataFile: file, StartDelay: -1, Blazar: emulator.BlazarUpstream})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, li := range w.Leases("CHI@UC") {
		got = append(got, li.Status)
	}
	eq(t, []string{"TERMINATED"}, got)
}

// TestForkTerminatedMinute: the fork compares the end to the minute, so in the minute a
// lease ended its end can still be moved (recorded 205-short-2: 200 UPDATING), and the lease
// stays TERMINATED with its end_lease DONE; a minute later it is refused.
func TestForkTerminatedMinute(t *testing.T) {
	clock := emulator.NewFakeClock(t0)
	v := newEnv(t, emulator.Config{Clock: clock, StartDelay: -1, EventInterval: -1})
	tok := v.login("CHI@UC", "demo")
	id := v.create("CHI@UC", tok, hostLease("e", "2030-01-01 10:00", "2030-01-01 11:00", "compute_skylake", 1))["id"].(string)
	url := v.blazar("CHI@UC") + "/leases/" + id
	clock.Set(time.Date(2030, 1, 1, 11, 0, 30, 0, time.UTC))
	eq(t, "TERMINATED", v.get("CHI@UC", tok, id)["status"])
	r := v.call("PUT", url, tok, map[string]any{"end_date": "2030-01-01 12:00"})
	eq(t, []any{200, "UPDATING"}, []any{r.status, r.body["lease"].(map[string]any)["status"]})
	l := v.get("CHI@UC", tok, id)
	eq(t, []any{"TERMINATED", "DONE"}, []any{l["status"], eventsByType(l)["end_lease"]["status"]})
	clock.Set(time.Date(2030, 1, 1, 12, 1, 0, 0, time.UTC))
	r = v.call("PUT", url, tok, map[string]any{"end_date": "2030-01-01 13:00"})
	eq(t, []any{400, "Terminated leases can only be renamed"}, []any{r.status, errMsg(r)})
}
