package apply

import (
	"testing"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/plan"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/google/go-cmp/cmp"
)

// TestRecordReservations: a created lease's reservations are paired with the specs by
// plan.Match, whatever order Blazar answers in; alike specs take Blazar's order; when Match
// cannot tell them apart, none is recorded rather than a wrong one.
func TestRecordReservations(t *testing.T) {
	n := func(i int) *int { return &i }
	s := func(v string) *string { return &v }
	host := func(key string, count int, props string) plan.ReservationSpec {
		return plan.ReservationSpec{Key: key, Body: spec.ReservationBody{ResourceType: "physical:host", Min: n(count), Max: n(count), ResourceProperties: s(props)}}
	}
	specs := []plan.ReservationSpec{
		host("gpus", 2, `["==","$node_type","gpu_rtx_6000"]`),
		host("cpus", 2, `["==","$node_type","compute_skylake"]`),
		{Key: "ip", Body: spec.ReservationBody{ResourceType: "virtual:floatingip", Amount: n(1)}},
		{Key: "net", Body: spec.ReservationBody{ResourceType: "network", NetworkName: s("exp-net")}},
	}
	twins := []plan.ReservationSpec{host("a", 1, ""), host("b", 1, "")}
	for _, tc := range []struct {
		name  string
		specs []plan.ReservationSpec
		got   []leases.Reservation
		want  map[string]state.Reservation
	}{
		{
			name:  "answer in another order",
			specs: specs,
			got: []leases.Reservation{
				{ID: "r-net", ResourceType: "network", Extra: map[string]any{"network_name": "exp-net"}},
				{ID: "r-cpu", ResourceType: "physical:host", Min: n(2), Max: n(2), ResourceProperties: `["==","$node_type","compute_skylake"]`},
				{ID: "r-ip", ResourceType: "virtual:floatingip", Amount: n(1)},
				{ID: "r-gpu", ResourceType: "physical:host", Min: n(2), Max: n(2), ResourceProperties: `["==", "$node_type", "gpu_rtx_6000"]`},
			},
			want: map[string]state.Reservation{
				"gpus": {ID: "r-gpu", ResourceType: "physical:host"}, "cpus": {ID: "r-cpu", ResourceType: "physical:host"},
				"ip": {ID: "r-ip", ResourceType: "virtual:floatingip"}, "net": {ID: "r-net", ResourceType: "network", NetworkName: "exp-net"},
			},
		},
		{
			name:  "alike specs in Blazar's order",
			specs: twins,
			got: []leases.Reservation{
				{ID: "r1", ResourceType: "physical:host", Min: n(1), Max: n(1)},
				{ID: "r2", ResourceType: "physical:host", Min: n(1), Max: n(1)},
			},
			want: map[string]state.Reservation{"a": {ID: "r1", ResourceType: "physical:host"}, "b": {ID: "r2", ResourceType: "physical:host"}},
		},
		{
			name:  "fields rewritten by the server: nothing fits, nothing recorded",
			specs: specs,
			got: []leases.Reservation{
				{ID: "r1", ResourceType: "physical:host", Min: n(2), Max: n(2), ResourceProperties: "x"},
				{ID: "r2", ResourceType: "physical:host", Min: n(2), Max: n(2), ResourceProperties: "y"},
				{ID: "r-ip", ResourceType: "virtual:floatingip", Amount: n(1)},
			},
			want: nil,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, recordReservations(tc.got, tc.specs)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}
