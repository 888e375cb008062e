package outputs

import (
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/devices"
	"github.com/chameleoncloud/leasefile/blazar/hosts"
	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/blazar/networks"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/google/go-cmp/cmp"
)

var (
	start = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	end   = start.Add(6 * time.Hour)
)

func sample() *state.File {
	st := state.New()
	st.SetLease("train", &state.Lease{ID: "L1", Name: "u-train", Site: "CHI@UC", Status: "PENDING", Start: start, End: end,
		Reservations: map[string]state.Reservation{
			"gpus": {ID: "R-gpus", ResourceType: "physical:host"},
			"ip":   {ID: "R-ip", ResourceType: "virtual:floatingip"},
			"net":  {ID: "R-net", ResourceType: "network", NetworkName: "mynet"},
			"dev":  {ID: "R-dev", ResourceType: "device"},
			"vms":  {ID: "R-vms", ResourceType: "flavor:instance"},
		}})
	st.SetLease("edge", &state.Lease{ID: "L2", Name: "u-edge", Site: "CHI@Edge", Status: "ACTIVE", Start: start, End: end,
		Reservations: map[string]state.Reservation{}})
	return st
}

func TestNeedsLive(t *testing.T) {
	for addr, want := range map[string]bool{
		"": true, "train": true, "train.id": false, "train.name": false, "train.site": false, "train.start": false,
		"train.end": false, "train.status": true, "train.gpus": true, "train.gpus.id": false, "train.gpus.type": false,
		"train.net.network_name": false, "train.ip.addresses": true, "train.gpus.count": true, "train.gpus.hosts": true,
		"train.dev.devices": true, "train.net.network_id": true, "train.net.segmentation_id": true,
		"train.vms.flavor_id": true,
	} {
		if got := NeedsLive(addr); got != want {
			t.Errorf("NeedsLive(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestCovered(t *testing.T) {
	outs := FromState(sample())
	for _, tt := range []struct {
		addr        string
		keys, sites []string
	}{
		{"", []string{"edge", "train"}, []string{"CHI@Edge", "CHI@UC"}},
		{"train.gpus.hosts", []string{"train"}, []string{"CHI@UC"}},
		{"nosuch", nil, nil},
	} {
		keys, sites := Covered(outs, tt.addr)
		if diff := cmp.Diff(tt.keys, keys); diff != "" {
			t.Errorf("%q keys (-want +got):\n%s", tt.addr, diff)
		}
		if diff := cmp.Diff(tt.sites, sites); diff != "" {
			t.Errorf("%q sites (-want +got):\n%s", tt.addr, diff)
		}
	}
}

// TestObserveAndLookup: the live lease sets status, window and counts; a lease Blazar no
// longer lists is DELETED; Lookup walks addresses and says what is missing.
func TestObserveAndLookup(t *testing.T) {
	outs := FromState(sample())
	two, one := 2, 1
	later := end.Add(time.Hour)
	fips := outs["train"].Observe(&leases.Lease{ID: "L1", Status: "ACTIVE", StartDate: start, EndDate: later, Reservations: []leases.Reservation{
		{ID: "R-gpus", ResourceType: "physical:host", Max: &two}, {ID: "R-ip", ResourceType: "virtual:floatingip", Amount: &one},
		{ID: "R-vms", ResourceType: "flavor:instance", Amount: &two, Extra: map[string]any{"flavor_id": "f-medium"}},
	}})
	if len(fips) != 1 || fips[0] != outs["train"].Reservations["ip"] {
		t.Errorf("floating IP reservations = %v", fips)
	}
	if outs["edge"].Observe(nil) != nil || outs["edge"].Status != "DELETED" {
		t.Errorf("a lease Blazar does not list: %+v", outs["edge"])
	}
	for _, tt := range []struct {
		addr string
		want any
		err  string
	}{
		{"train.status", "ACTIVE", ""},
		{"train.end", later, ""},
		{"train.gpus.count", 2, ""},
		{"train.ip.count", 1, ""},
		{"train.vms.flavor_id", "f-medium", ""},
		{"train.vms.count", 2, ""},
		{"train.net.network_name", "mynet", ""},
		{"train.gpus", outs["train"].Reservations["gpus"], ""},
		{"nosuch", nil, `no lease "nosuch" in the state (have: edge, train)`},
		{"train.nosuch", nil, `lease train has no output or reservation "nosuch"`},
		{"train.gpus.nosuch", nil, `reservation train.gpus has no output "nosuch" (id, type, addresses`},
	} {
		got, err := Lookup(outs, tt.addr)
		if tt.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
				t.Errorf("Lookup(%q) error %v, want %q", tt.addr, err, tt.err)
			}
			continue
		}
		if err != nil || !cmp.Equal(tt.want, got) {
			t.Errorf("Lookup(%q) = %v, %v; want %v", tt.addr, got, err, tt.want)
		}
	}
}

// TestResources: hosts, devices and segments come from the allocations of this lease's
// reservation only, sorted, with names where Blazar has them.
func TestResources(t *testing.T) {
	o := FromState(sample())["train"]
	alloc := func(resource string, rs ...blazar.AllocatedReservation) blazar.Allocation {
		return blazar.Allocation{ResourceID: resource, Reservations: rs}
	}
	mine := func(id string) blazar.AllocatedReservation { return blazar.AllocatedReservation{ID: id, LeaseID: "L1"} }
	o.SetHosts([]blazar.Allocation{alloc("h2", mine("R-gpus")), alloc("h1", mine("R-gpus")), alloc("h3", blazar.AllocatedReservation{ID: "R-gpus", LeaseID: "other"})},
		map[string]hosts.Host{"h1": {HypervisorHostname: "hv-1", ExtraCapabilities: map[string]any{"node_name": "P3-01", "uid": "u-1"}}, "h2": {HypervisorHostname: "hv-2"}})
	o.SetDevices([]blazar.Allocation{alloc("d1", mine("R-dev")), alloc("d2", mine("R-dev"))}, map[string]devices.Device{"d1": {Name: "rpi-1"}})
	o.SetSegments([]blazar.Allocation{alloc("s1", mine("R-net"))}, map[string]networks.Network{"s1": {SegmentID: 3210}})
	if diff := cmp.Diff([]Host{{Name: "P3-01", UUID: "u-1"}, {Name: "hv-2", UUID: "hv-2"}}, o.Reservations["gpus"].Hosts); diff != "" {
		t.Errorf("hosts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"d2", "rpi-1"}, o.Reservations["dev"].Devices); diff != "" {
		t.Errorf("devices (-want +got):\n%s", diff)
	}
	if got := o.Reservations["net"].SegmentationID; got != 3210 {
		t.Errorf("segmentation id %d", got)
	}
}

func TestFlatten(t *testing.T) {
	outs := FromState(sample())
	outs["train"].Reservations["gpus"].Hosts = []Host{{Name: "a", UUID: "ua"}}
	var got []string
	for _, v := range Flatten(outs, "train.gpus") {
		got = append(got, strings.Join(v.Path, "."))
	}
	want := []string{"train.gpus.id", "train.gpus.type", "train.gpus.hosts", "train.gpus.host_uuids"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	if n := len(Flatten(outs, "")); n < 20 {
		t.Errorf("Flatten of everything: %d values", n)
	}
}
