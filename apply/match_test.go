package apply

import (
	"testing"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/plan"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/google/go-cmp/cmp"
)

func TestMapReservations(t *testing.T) {
	n := func(i int) *int { return &i }
	host := func(key string, count float64, props string) plan.ReservationSpec {
		// float64, as a saved plan's JSON decodes it.
		return plan.ReservationSpec{Key: key, Body: map[string]any{"resource_type": "physical:host", "min": count, "max": count, "resource_properties": props}}
	}
	specs := []plan.ReservationSpec{
		host("gpus", 2, `["==","$node_type","gpu_rtx_6000"]`),
		host("cpus", 2, `["==","$node_type","compute_skylake"]`),
		{Key: "ip", Body: map[string]any{"resource_type": "virtual:floatingip", "amount": 1}},
		{Key: "net", Body: map[string]any{"resource_type": "network", "network_name": "exp-net"}},
	}
	for _, tc := range []struct {
		name string
		got  []leases.Reservation
		want map[string]state.Reservation
	}{
		{
			name: "answer in another order",
			got: []leases.Reservation{
				{ID: "r-net", ResourceType: "network", Extra: map[string]any{"network_name": "exp-net"}},
				{ID: "r-cpu", ResourceType: "physical:host", Min: n(2), Max: n(2), ResourceProperties: `["==","$node_type","compute_skylake"]`},
				{ID: "r-ip", ResourceType: "virtual:floatingip", Amount: n(1)},
				{ID: "r-gpu", ResourceType: "physical:host", Min: n(2), Max: n(2), ResourceProperties: `["==","$node_type","gpu_rtx_6000"]`},
			},
			want: map[string]state.Reservation{
				"gpus": {ID: "r-gpu", ResourceType: "physical:host"}, "cpus": {ID: "r-cpu", ResourceType: "physical:host"},
				"ip": {ID: "r-ip", ResourceType: "virtual:floatingip"}, "net": {ID: "r-net", ResourceType: "network", NetworkName: "exp-net"},
			},
		},
		{
			name: "fields rewritten by the server: fall back to type and order",
			got: []leases.Reservation{
				{ID: "r1", ResourceType: "physical:host", Min: n(2), Max: n(2), ResourceProperties: "x"},
				{ID: "r2", ResourceType: "physical:host", Min: n(2), Max: n(2), ResourceProperties: "y"},
				{ID: "r-ip", ResourceType: "virtual:floatingip", Amount: n(1)},
			},
			want: map[string]state.Reservation{
				"gpus": {ID: "r1", ResourceType: "physical:host"}, "cpus": {ID: "r2", ResourceType: "physical:host"},
				"ip": {ID: "r-ip", ResourceType: "virtual:floatingip"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, mapReservations(tc.got, specs)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}
