package emulator_test

import (
	"testing"

	"github.com/chameleoncloud/leasefile/emulator"
)

// TestProjectIsolation: a list shows only the caller's project's leases under both profiles;
// by id, Chameleon's fork lets any user read, change and delete another project's lease (200,
// recorded 50-* to 53-*), upstream refuses with its policy 403.
func TestProjectIsolation(t *testing.T) {
	for _, tc := range []struct {
		profile string
		status  map[string]int
	}{
		{emulator.BlazarChameleon, map[string]int{"GET": 200, "PUT": 200, "DELETE": 200}},
		{emulator.BlazarUpstream, map[string]int{"GET": 403, "PUT": 403, "DELETE": 403}},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			v := newEnv(t, emulator.Config{Blazar: tc.profile})
			demo := v.login("CHI@UC", "demo")
			other := v.login("CHI@UC", "other")
			id := v.create("CHI@UC", demo, hostLease("mine", "2030-01-01 10:00", "2030-01-01 12:00", "compute_skylake", 1))["id"].(string)
			if r := v.call("GET", v.blazar("CHI@UC")+"/leases", other, nil); len(r.body["leases"].([]any)) != 0 {
				t.Errorf("other lists demo's lease: %s", r.raw)
			}
			if r := v.call("GET", v.blazar("CHI@UC")+"/leases/"+id+"/hosts", other, nil); r.status != 404 {
				t.Errorf("hosts of demo's lease by other: %d", r.status)
			}
			for _, m := range []string{"GET", "PUT", "DELETE"} {
				r := v.call(m, v.blazar("CHI@UC")+"/leases/"+id, other, map[string]any{"name": "stolen"})
				if r.status != tc.status[m] {
					t.Errorf("%s by other: %d %s", m, r.status, r.raw)
				}
				if r.status == 403 && errMsg(r) != "Policy doesn't allow blazar:leases:"+map[string]string{"GET": "get", "PUT": "put", "DELETE": "delete"}[m]+" to be performed" {
					t.Errorf("%s by other: %s", m, r.raw)
				}
			}
			if r := v.call("GET", v.blazar("CHI@UC")+"/leases", demo, nil); len(r.body["leases"].([]any)) != map[string]int{emulator.BlazarChameleon: 0, emulator.BlazarUpstream: 1}[tc.profile] {
				t.Errorf("demo's list after the other's calls: %s", r.raw)
			}
		})
	}
}
