package plan

import (
	"errors"
	"testing"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/google/go-cmp/cmp"
)

const importEntry = `
version: 1
defaults: {site: CHI@UC}
leases:
  b:
    duration: 6h
    reservations:
      big: {type: node, count: 2, node_type: compute_skylake}
      small: {type: node, count: 1, node_type: compute_skylake}
      ip: {type: floating_ip}
      net: {type: network, network_name: mynet}
`

// TestMatchImport: each reservation of the entry is matched to one of the live lease's by
// type, then by constraints and count when a type repeats; no fit, two fits or one fit for
// two keys is refused with its kind.
func TestMatchImport(t *testing.T) {
	want := mustSpec(t, importEntry).Lease("b")
	skylake := `["==", "$node_type", "compute_skylake"]`
	node := func(id string, n int) leases.Reservation {
		return leases.Reservation{ID: id, ResourceType: "physical:host", Min: ip(n), Max: ip(n), ResourceProperties: skylake}
	}
	fip := leases.Reservation{ID: "R-ip", ResourceType: "virtual:floatingip", Amount: ip(1)}
	net := leases.Reservation{ID: "R-net", ResourceType: "network"}
	tests := []struct {
		name  string
		live  []leases.Reservation
		want  map[string]string // key -> reservation ID
		kind  ImportErrorKind
		error string
	}{
		{"by type, then count", []leases.Reservation{net, node("R-1", 1), fip, node("R-2", 2)},
			map[string]string{"big": "R-2", "small": "R-1", "ip": "R-ip", "net": "R-net"}, 0, ""},
		{"another number of reservations", []leases.Reservation{node("R-1", 1), fip, net}, nil, ImportCount,
			"lease L has 3 reservations (physical:host, virtual:floatingip, network) but leases.b declares 4 (physical:host, virtual:floatingip, network, physical:host)"},
		{"no fit", []leases.Reservation{node("R-1", 1), node("R-3", 3), fip, net}, nil, ImportNoMatch,
			"no reservation of lease L matches leases.b.reservations.big (physical:host)"},
		{"two fits", []leases.Reservation{node("R-1", 2), node("R-2", 2), fip, net}, nil, ImportAmbiguous,
			"reservations R-1, R-2 of lease L all match leases.b.reservations.big"},
		{"a type missing", []leases.Reservation{node("R-1", 1), node("R-2", 2), fip, {ID: "R-ip2", ResourceType: "virtual:floatingip", Amount: ip(2)}}, nil, ImportNoMatch,
			"no reservation of lease L matches leases.b.reservations.net (network)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MatchImport(want, &leases.Lease{ID: "L", Reservations: tt.live})
			var ie *ImportError
			if tt.kind != 0 {
				if !errors.As(err, &ie) || ie.Kind != tt.kind || err.Error() != tt.error {
					t.Fatalf("got %v (%+v), want kind %d: %s", err, ie, tt.kind, tt.error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ids := map[string]string{}
			for k, r := range got {
				ids[k] = r.ID
			}
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("matched (-want +got):\n%s", diff)
			}
			if got["net"].NetworkName != "mynet" {
				t.Errorf("the network name is not taken from the entry: %+v", got["net"])
			}
		})
	}
	// One fit for two keys: two entries the same.
	twin := mustSpec(t, `
version: 1
defaults: {site: CHI@UC}
leases:
  b:
    duration: 6h
    reservations:
      x: {type: floating_ip}
      y: {type: floating_ip}
`).Lease("b")
	_, err := MatchImport(twin, &leases.Lease{ID: "L", Reservations: []leases.Reservation{fip, {ID: "R-ip2", ResourceType: "virtual:floatingip", Amount: ip(2)}}})
	var ie *ImportError
	if !errors.As(err, &ie) || ie.Kind != ImportShared {
		t.Errorf("two keys for one reservation: %v", err)
	}
}

// TestImport: the state must track neither the key nor the lease.
func TestImport(t *testing.T) {
	want := mustSpec(t, importEntry).Lease("b")
	st := state.New()
	st.SetLease("other", &state.Lease{ID: "L-other", Site: "CHI@UC"})
	live := &leases.Lease{ID: "L-new", Name: "b", Status: "ACTIVE"}
	rs := map[string]state.Reservation{"ip": {ID: "R-ip"}}
	l, err := Import(st, want, live, rs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&state.Lease{ID: "L-new", Name: "b", Site: "CHI@UC", Status: "ACTIVE", Reservations: rs}, l); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
	var ie *ImportError
	if _, err := Import(st, want, &leases.Lease{ID: "L-other"}, rs); !errors.As(err, &ie) || ie.Kind != ImportIDTracked || ie.Key != "other" {
		t.Errorf("a lease tracked under another key: %v", err)
	}
	st.SetLease("b", &state.Lease{ID: "L-b"})
	if _, err := Import(st, want, live, rs); !errors.As(err, &ie) || ie.Kind != ImportKeyTracked || ie.Key != "b" {
		t.Errorf("a key already tracked: %v", err)
	}
}
