package emulator_test

import (
	"sort"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/google/go-cmp/cmp"
)

func TestSchedulingWindows(t *testing.T) {
	tests := []struct {
		name       string
		gap        int
		start, end string
		wantStatus int
	}{
		{"overlap", 0, "2030-01-01 11:00", "2030-01-01 13:00", 500},
		{"inside", 0, "2030-01-01 10:30", "2030-01-01 11:00", 500},
		{"adjacent after", 0, "2030-01-01 12:00", "2030-01-01 14:00", 201},
		{"adjacent before", 0, "2030-01-01 09:00", "2030-01-01 10:00", 201},
		{"adjacent with gap", 30, "2030-01-01 12:00", "2030-01-01 14:00", 500},
		{"clear of gap", 30, "2030-01-01 12:30", "2030-01-01 14:00", 201},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := emulator.DefaultInventory()
			inv.Sites[0].CleaningGapMinutes = tc.gap
			v := newEnv(t, emulator.Config{Blazar: emulator.BlazarUpstream, Inventory: inv})
			tok := v.login("CHI@UC", "demo")
			other := v.login("CHI@UC", "other")
			// Both A100 nodes 10:00-12:00, held by the other project.
			v.create("CHI@UC", other, hostLease("a", "2030-01-01 10:00", "2030-01-01 12:00", "gpu_a100_pcie", 2))
			r := v.call("POST", v.blazar("CHI@UC")+"/leases", tok, hostLease("b", tc.start, tc.end, "gpu_a100_pcie", 1))
			if r.status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, tc.wantStatus, r.raw)
			}
			if r.status == 500 {
				eq(t, map[string]any{"error_code": 500.0, "error_message": "Not enough hosts available", "error_name": 500.0}, r.body)
			}
		})
	}
}

func hostsOf(v *env, site, token, leaseID string) []string {
	v.t.Helper()
	r := v.call("GET", v.blazar(site)+"/leases/"+leaseID+"/hosts", token, nil)
	var out []string
	for _, h := range r.body["hosts"].([]any) {
		m := h.(map[string]any)
		out = append(out, m["node_type"].(string)+"/"+m["gpu.gpu"].(string))
	}
	sort.Strings(out)
	return out
}

func TestSchedulingFilters(t *testing.T) {
	v := newEnv(t, emulator.Config{Blazar: emulator.BlazarUpstream})
	tok := v.login("CHI@UC", "demo")
	tests := []struct {
		name  string
		props string
		count int
		want  []string
	}{
		{"single =", `["=", "$node_type", "gpu_rtx_6000"]`, 2, []string{"gpu_rtx_6000/true", "gpu_rtx_6000/true"}},
		{"and", `["and", ["==", "$gpu.gpu", "True"], ["!=", "$node_type", "gpu_rtx_6000"]]`, 1, nil},
		{"and lower-case", `["and", ["==", "$gpu.gpu", "true"], ["!=", "$node_type", "gpu_rtx_6000"]]`, 2, []string{"gpu_a100_pcie/true", "gpu_a100_pcie/true"}},
		{"string compare", `[">=", "$architecture.smt_size", "96"]`, 1, []string{"compute_cascadelake_r/false"}},
		{"column compare", `[">=", "$vcpus", "160"]`, 1, []string{"compute_icelake_r650/false"}},
		{"empty list", `[]`, 1, []string{"compute_skylake/false"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := hostLease(tc.name, "2030-01-01 10:00", "2030-01-01 11:00", "", tc.count)
			body["start_date"] = time.Date(2030, 1, 2+i, 10, 0, 0, 0, time.UTC).Format("2006-01-02 15:04")
			body["end_date"] = time.Date(2030, 1, 2+i, 11, 0, 0, 0, time.UTC).Format("2006-01-02 15:04")
			body["reservations"].([]any)[0].(map[string]any)["resource_properties"] = tc.props
			r := v.call("POST", v.blazar("CHI@UC")+"/leases", tok, body)
			if tc.want == nil {
				if r.status != 500 || errMsg(r) != "Not enough hosts available" {
					t.Fatalf("want not enough hosts, got %d %s", r.status, r.raw)
				}
				return
			}
			if r.status != 201 {
				t.Fatalf("%d %s", r.status, r.raw)
			}
			eq(t, tc.want, hostsOf(v, "CHI@UC", tok, r.body["lease"].(map[string]any)["id"].(string)))
		})
	}
}

func TestSchedulingRollsBackWholeLease(t *testing.T) {
	v := newEnv(t, emulator.Config{})
	tok := v.login("CHI@UC", "demo")
	body := hostLease("two", "2030-01-01 10:00", "2030-01-01 12:00", "gpu_a100_pcie", 2)
	body["reservations"] = append(body["reservations"].([]any), map[string]any{"resource_type": "physical:host", "min": 1, "max": 1,
		"hypervisor_properties": "", "resource_properties": `["==", "$node_type", "gpu_a100_pcie"]`})
	if r := v.call("POST", v.blazar("CHI@UC")+"/leases", tok, body); r.status != 500 {
		t.Fatalf("second reservation of the same lease must not reuse the first one's hosts: %d %s", r.status, r.raw)
	}
	// Nothing is held: the two nodes are still free.
	v.create("CHI@UC", tok, hostLease("ok", "2030-01-01 10:00", "2030-01-01 12:00", "gpu_a100_pcie", 2))
	r := v.call("GET", v.blazar("CHI@UC")+"/os-hosts/allocations", tok, nil)
	busy := 0
	for _, a := range r.body["allocations"].([]any) {
		busy += len(a.(map[string]any)["reservations"].([]any))
	}
	eq(t, 2, busy)
}

func TestDevicesNetworksFloatingIPs(t *testing.T) {
	v := newEnv(t, emulator.Config{Blazar: emulator.BlazarUpstream, StartDelay: -1})
	edge := v.login("CHI@Edge", "demo")
	dev := map[string]any{"name": "d", "start_date": "2030-01-01 10:00", "end_date": "2030-01-01 12:00", "reservations": []any{
		map[string]any{"resource_type": "device", "min": 4, "max": 4, "resource_properties": `["==", "$machine_name", "jetson-nano"]`}}}
	l := v.create("CHI@Edge", edge, dev)
	r := v.call("GET", v.blazar("CHI@Edge")+"/leases/"+l["id"].(string)+"/devices", edge, nil)
	if n := len(r.body["devices"].([]any)); n != 4 {
		t.Errorf("devices of lease: %d", n)
	}
	dev["reservations"].([]any)[0].(map[string]any)["min"] = 1
	dev["reservations"].([]any)[0].(map[string]any)["max"] = 1
	if r := v.call("POST", v.blazar("CHI@Edge")+"/leases", edge, dev); r.status != 500 || errMsg(r) != "Not enough hosts available" {
		t.Errorf("fifth jetson: %d %s", r.status, r.raw)
	}

	tok := v.login("CHI@UC", "demo")
	net := v.publicNetID("CHI@UC", tok)
	body := map[string]any{"name": "n", "start_date": "2030-01-01 10:00", "end_date": "2030-01-01 12:00", "reservations": []any{
		map[string]any{"resource_type": "network", "network_name": "exp-net", "network_description": "", "network_properties": "",
			"resource_properties": `["==", "$physical_network", "physnet1"]`},
		map[string]any{"resource_type": "virtual:floatingip", "network_id": net, "amount": 2, "required_floatingips": []any{"192.0.2.110"}},
	}}
	l = v.create("CHI@UC", tok, body)
	eq(t, map[string]any{"amount": 2.0, "network_id": net, "required_floatingips": []any{"192.0.2.110"}},
		map[string]any{"amount": resv(l, 1)["amount"], "network_id": resv(l, 1)["network_id"], "required_floatingips": resv(l, 1)["required_floatingips"]})
	// Network reservations show only the common fields, as on Chameleon.
	if _, ok := resv(l, 0)["network_name"]; ok {
		t.Error("network reservation shows network_name")
	}
	infos := v.emu.Leases("CHI@UC")
	eq(t, []string{"192.0.2.110", "192.0.2.101"}, infos[0].Reservations[1].Addresses)
	eq(t, "exp-net", infos[0].Reservations[0].NetworkName)

	// Neutron: nothing before the start, the objects while active, nothing after.
	neutron := func() (fips []string, netSeg []any) {
		r := v.call("GET", v.base("CHI@UC")+"/network/v2.0/floatingips?tags=reservation:"+resv(l, 1)["id"].(string), tok, nil)
		for _, f := range r.body["floatingips"].([]any) {
			m := f.(map[string]any)
			fips = append(fips, m["floating_ip_address"].(string))
			eq(t, []any{"blazar", "reservation:" + resv(l, 1)["id"].(string)}, m["tags"])
		}
		r = v.call("GET", v.base("CHI@UC")+"/network/v2.0/networks?name=exp-net", tok, nil)
		for _, n := range r.body["networks"].([]any) {
			m := n.(map[string]any)
			netSeg = append(netSeg, m["provider:network_type"], m["provider:physical_network"], m["provider:segmentation_id"])
		}
		sort.Strings(fips)
		return fips, netSeg
	}
	f, n := neutron()
	if len(f) != 0 || len(n) != 0 {
		t.Errorf("before start: %v %v", f, n)
	}
	v.clock.Set(t0.Add(90 * time.Minute))
	f, n = neutron()
	eq(t, []string{"192.0.2.101", "192.0.2.110"}, f)
	eq(t, []any{"vlan", "physnet1", 3000.0}, n)
	other := v.login("CHI@UC", "other")
	if r := v.call("GET", v.base("CHI@UC")+"/network/v2.0/floatingips", other, nil); len(r.body["floatingips"].([]any)) != 0 {
		t.Errorf("other project sees demo's floating IPs: %s", r.raw)
	}
	v.clock.Set(t0.Add(4 * time.Hour))
	f, n = neutron()
	if len(f) != 0 || len(n) != 0 {
		t.Errorf("after end: %v %v", f, n)
	}
}

func TestInventoryReads(t *testing.T) {
	v := newEnv(t, emulator.Config{})
	tok := v.login("CHI@UC", "other")
	first := v.call("GET", v.blazar("CHI@UC")+"/os-hosts", tok, nil).body["hosts"].([]any)[0].(map[string]any)
	host1 := first["id"].(string)
	if len(host1) != 36 || first["disabled"] != false {
		t.Errorf("Chameleon's hosts have UUID ids and disabled: %v %v", host1, first["disabled"])
	}
	r := v.call("GET", v.blazar("CHI@UC")+"/os-hosts/"+host1, tok, nil)
	recorded := keyTree(loadFixture(t, "blazar-host-show-admin.json")).(map[string]any)["host"].(map[string]any)
	got := keyTree(r.body).(map[string]any)["host"].(map[string]any)
	for k := range recorded {
		if k != "node_type" && got[k] != recorded[k] {
			t.Errorf("host key %s: %v, recorded %v", k, got[k], recorded[k])
		}
	}
	for _, k := range []string{"node_type", "node_name", "uid", "architecture.platform_type", "su_factor"} {
		if got[k] != "string" {
			t.Errorf("extra capability %s: %v", k, got[k])
		}
	}
	r = v.call("GET", v.blazar("CHI@UC")+"/os-hosts/999", tok, nil)
	eq(t, []any{404, "Object with {'host_id': '999'} not found"}, []any{r.status, errMsg(r)})
	r = v.call("GET", v.blazar("CHI@UC")+"/os-hosts/properties?detail=True", tok, nil)
	// The recording is upstream's; Chameleon's fork adds is_unique.
	props := keyTree(loadFixture(t, "blazar-properties-admin.json"))
	props.(map[string]any)["resource_properties"].([]any)[0].(map[string]any)["is_unique"] = "bool"
	if d := cmp.Diff(props, keyTree(r.body)); d != "" {
		t.Errorf("properties (-recorded +emulator):\n%s", d)
	}
	if got := r.body["resource_properties"].([]any)[0].(map[string]any)["is_unique"]; got != false {
		t.Errorf("is_unique: %v", got)
	}
	r = v.call("GET", v.blazar("CHI@UC")+"/os-hosts/properties", tok, nil)
	if p := r.body["resource_properties"].([]any)[0].(map[string]any); len(p) != 1 {
		t.Errorf("plain properties: %v", p)
	}
	v.create("CHI@UC", tok, hostLease("x", "2030-01-01 10:00", "2030-01-01 12:00", "compute_skylake", 1))
	r = v.call("GET", v.blazar("CHI@UC")+"/os-hosts/allocations", tok, nil)
	want := keyTree(loadFixture(t, "blazar-allocations-admin.json"))
	// The recording is upstream's; the fork adds empty extras to a member's list.
	want.(map[string]any)["allocations"].([]any)[0].(map[string]any)["reservations"].([]any)[0].(map[string]any)["extras"] = map[string]any{}
	if d := cmp.Diff(want, keyTree(r.body)); d != "" {
		t.Errorf("allocations (-recorded +emulator):\n%s", d)
	}
	r = v.call("GET", v.blazar("CHI@UC")+"/os-hosts/"+host1+"/allocation", tok, nil)
	eq(t, 1, len(r.body["allocation"].(map[string]any)["reservations"].([]any))) // the fork's one-resource view has no extras
	// Past leases drop out of allocations unless asked for by lease id.
	v.clock.Set(t0.Add(5 * time.Hour))
	r = v.call("GET", v.blazar("CHI@UC")+"/os-hosts/"+host1+"/allocation", tok, nil)
	eq(t, 0, len(r.body["allocation"].(map[string]any)["reservations"].([]any)))
	for _, p := range []string{"/networks", "/networks/allocations", "/floatingips"} {
		if r := v.call("GET", v.blazar("CHI@UC")+p, tok, nil); r.status != 200 {
			t.Errorf("%s: %d", p, r.status)
		}
	}
	if r := v.call("POST", v.blazar("CHI@UC")+"/os-hosts", tok, map[string]any{"name": "x"}); r.status != 403 {
		t.Errorf("create host as member: %d", r.status)
	}
	edge := v.login("CHI@Edge", "demo")
	r = v.call("GET", v.blazar("CHI@Edge")+"/devices", edge, nil)
	d := r.body["devices"].([]any)[0].(map[string]any)
	for _, k := range []string{"name", "machine_name", "model", "vendor", "uid", "device_type", "device_driver"} {
		if _, ok := d[k].(string); !ok {
			t.Errorf("device key %s missing", k)
		}
	}
}

// TestDeviceAllocationBroken: Chameleon's per-device allocation route is
// broken (500 from an unexpected exception); the list route works.
func TestDeviceAllocationBroken(t *testing.T) {
	v := newEnv(t, emulator.Config{})
	tok := v.login("CHI@Edge", "demo")
	id := v.call("GET", v.blazar("CHI@Edge")+"/devices", tok, nil).body["devices"].([]any)[0].(map[string]any)["id"].(string)
	r := v.call("GET", v.blazar("CHI@Edge")+"/devices/"+id+"/allocation", tok, nil)
	want := map[string]any{"error_code": 500.0, "error_message": "Internal Server Error", "error_name": "INTERNAL_SERVER_ERROR"}
	if d := cmp.Diff(want, r.body); r.status != 500 || d != "" {
		t.Errorf("device allocation: %d (-want +got):\n%s", r.status, d)
	}
	if r := v.call("GET", v.blazar("CHI@Edge")+"/devices/allocations", tok, nil); r.status != 200 {
		t.Errorf("device allocations: %d %s", r.status, r.raw)
	}
}
