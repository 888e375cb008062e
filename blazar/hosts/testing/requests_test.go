package testing

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/hosts"
	"github.com/google/go-cmp/cmp"
	th "github.com/gophercloud/gophercloud/v2/testhelper"
	"github.com/gophercloud/gophercloud/v2/testhelper/client"
)

func handle(t *testing.T, fake th.FakeServer, path, query string, status int, body string) {
	fake.Mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		th.TestMethod(t, r, "GET")
		th.TestHeader(t, r, "X-Auth-Token", client.TokenID)
		if r.URL.RawQuery != query {
			t.Errorf("query %q, want %q", r.URL.RawQuery, query)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	})
}

func day(h, m int) time.Time { return time.Date(2030, 1, 1, h, m, 0, 0, time.UTC) }

var host1 = hosts.Host{
	ID: "1", HypervisorHostname: "compute-1", HypervisorType: "QEMU", HypervisorVersion: 2010001,
	VCPUs: 4, MemoryMB: 8192, LocalGB: 100, CPUInfo: "{}", ServiceName: "compute-1", AvailabilityZone: "nova",
	TrustID: "5f2010c521314812955e55d0342eecec", Reservable: true,
	CreatedAt:         time.Date(2026, 11, 24, 18, 49, 10, 0, time.UTC),
	ExtraCapabilities: map[string]any{"node_type": "compute_skylake"},
}

func TestListAll(t *testing.T) {
	fake := th.SetupHTTP()
	defer fake.Teardown()
	handle(t, fake, "/os-hosts", "", 200, HostsListBody)
	got, err := hosts.ListAll(context.Background(), client.ServiceClient(fake))
	if err != nil {
		t.Fatal(err)
	}
	host2 := hosts.Host{
		ID: "2", HypervisorHostname: "compute-2", HypervisorType: "QEMU", HypervisorVersion: 2010001,
		VCPUs: 8, MemoryMB: 16384, LocalGB: 200, CPUInfo: "{}", ServiceName: "compute-2", AvailabilityZone: "nova",
		TrustID: "249e4427b3c5481882ec67c97cad25ad", Reservable: true,
		CreatedAt:         time.Date(2026, 11, 24, 18, 49, 18, 0, time.UTC),
		ExtraCapabilities: map[string]any{"node_type": "compute_haswell"},
	}
	if diff := cmp.Diff([]hosts.Host{host1, host2}, got); diff != "" {
		t.Errorf("ListAll (-want +got):\n%s", diff)
	}
}

func TestGet(t *testing.T) {
	fake := th.SetupHTTP()
	defer fake.Teardown()
	handle(t, fake, "/os-hosts/1", "", 200, HostShowBody)
	got, err := hosts.Get(context.Background(), client.ServiceClient(fake), "1").Extract()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(host1, *got); diff != "" {
		t.Errorf("Get (-want +got):\n%s", diff)
	}
}

func TestForbidden(t *testing.T) {
	fake := th.SetupHTTP()
	defer fake.Teardown()
	handle(t, fake, "/os-hosts", "", 403, HostsMember403Body)
	_, err := hosts.ListAll(context.Background(), client.ServiceClient(fake))
	if !blazar.IsKind(err, blazar.Forbidden) || err.Error() != "Policy doesn't allow blazar:oshosts:get to be performed" {
		t.Errorf("ListAll as member = %v, want Blazar's policy message as a Forbidden error", err)
	}
}

func TestListAllocations(t *testing.T) {
	fake := th.SetupHTTP()
	defer fake.Teardown()
	handle(t, fake, "/os-hosts/allocations", "lease_id=59afa8a5-369e-42ee-8c67-32ce7e2848e8", 200, AllocationsBody)
	got, err := hosts.ListAllAllocations(context.Background(), client.ServiceClient(fake),
		blazar.AllocationListOpts{LeaseID: "59afa8a5-369e-42ee-8c67-32ce7e2848e8"})
	if err != nil {
		t.Fatal(err)
	}
	want := []blazar.Allocation{
		{ResourceID: "1", Reservations: []blazar.AllocatedReservation{{
			ID: "0f355157-a458-40e1-9a10-8fe849da6d89", LeaseID: "59afa8a5-369e-42ee-8c67-32ce7e2848e8",
			StartDate: day(10, 0), EndDate: day(10, 0).Add(26 * time.Hour),
		}}},
		{ResourceID: "2", Reservations: []blazar.AllocatedReservation{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListAllAllocations (-want +got):\n%s", diff)
	}
}

func TestGetAllocation(t *testing.T) {
	fake := th.SetupHTTP()
	defer fake.Teardown()
	handle(t, fake, "/os-hosts/151/allocation", "", 200, ChameleonAllocationBody)
	got, err := hosts.GetAllocation(context.Background(), client.ServiceClient(fake), "151", blazar.AllocationListOpts{}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	want := blazar.Allocation{ResourceID: "151", Reservations: []blazar.AllocatedReservation{{
		ID: "r1", LeaseID: "l1",
		StartDate: time.Date(2021, 12, 16, 17, 11, 0, 0, time.UTC), EndDate: time.Date(2021, 12, 16, 17, 13, 0, 0, time.UTC),
		Extras: map[string]any{"user_name": "alice"},
	}}}
	if diff := cmp.Diff(want, *got); diff != "" {
		t.Errorf("GetAllocation (-want +got):\n%s", diff)
	}
}

func TestListProperties(t *testing.T) {
	fake := th.SetupHTTP()
	defer fake.Teardown()
	handle(t, fake, "/os-hosts/properties", "detail=True", 200, PropertiesBody)
	got, err := hosts.ListProperties(context.Background(), client.ServiceClient(fake), blazar.PropertyListOpts{Detail: true}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	want := []blazar.ResourceProperty{{Property: "node_type", Values: []string{"compute_skylake", "compute_haswell"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListProperties (-want +got):\n%s", diff)
	}
}
