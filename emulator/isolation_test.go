package emulator_test

import (
	"testing"

	"github.com/chameleoncloud/leasefile/emulator"
)

func TestProjectIsolation(t *testing.T) {
	v := newEnv(t, emulator.Config{})
	demo := v.login("CHI@UC", "demo")
	other := v.login("CHI@UC", "other")
	id := v.create("CHI@UC", demo, hostLease("mine", "2030-01-01 10:00", "2030-01-01 12:00", "compute_skylake", 1))["id"].(string)
	if r := v.call("GET", v.blazar("CHI@UC")+"/leases", other, nil); len(r.body["leases"].([]any)) != 0 {
		t.Errorf("other lists demo's lease: %s", r.raw)
	}
	want := "Object with {'lease_id': '" + id + "'} not found"
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		r := v.call(m, v.blazar("CHI@UC")+"/leases/"+id, other, map[string]any{"name": "stolen"})
		if r.status != 404 || errMsg(r) != want {
			t.Errorf("%s by other: %d %s", m, r.status, r.raw)
		}
	}
	if r := v.call("GET", v.blazar("CHI@UC")+"/leases/"+id+"/hosts", other, nil); r.status != 404 {
		t.Errorf("hosts of demo's lease by other: %d", r.status)
	}
	if got := v.get("CHI@UC", demo, id)["name"]; got != "mine" {
		t.Errorf("name changed to %v", got)
	}
	if r := v.call("GET", v.blazar("CHI@UC")+"/leases", demo, nil); len(r.body["leases"].([]any)) != 1 {
		t.Errorf("demo's list: %s", r.raw)
	}
}
