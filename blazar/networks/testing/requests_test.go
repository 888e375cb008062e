package testing

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/networks"
	"github.com/google/go-cmp/cmp"
	th "github.com/gophercloud/gophercloud/v2/testhelper"
	"github.com/gophercloud/gophercloud/v2/testhelper/client"
)

// NetworkListBody is a segment list in the CHI fork's shape (blazar-api.md §1.5).
const NetworkListBody = `{"networks": [{"id": "3", "network_type": "vlan", "physical_network": "physnet1", "segment_id": 3001,
 "created_at": "2024-01-10 12:00:00", "updated_at": "2024-02-01 08:00:00", "usage_type": "storage"}]}`

// NetworkAllocationBody is one segment's allocation.
const NetworkAllocationBody = `{"allocation": {"resource_id": 3, "reservations": []}}`

func TestNetworks(t *testing.T) {
	fake := th.SetupHTTP()
	defer fake.Teardown()
	for path, body := range map[string]string{"/networks": NetworkListBody, "/networks/3/allocation": NetworkAllocationBody,
		"/networks/allocations": `{"allocations": []}`} {
		fake.Mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			th.TestMethod(t, r, "GET")
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, body)
		})
	}
	c := client.ServiceClient(fake)
	got, err := networks.ListAll(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	upd := time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC)
	want := []networks.Network{{ID: "3", NetworkType: "vlan", PhysicalNetwork: "physnet1", SegmentID: 3001,
		CreatedAt: time.Date(2024, 1, 10, 12, 0, 0, 0, time.UTC), UpdatedAt: &upd,
		ExtraCapabilities: map[string]any{"usage_type": "storage"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListAll (-want +got):\n%s", diff)
	}
	alloc, err := networks.GetAllocation(context.Background(), c, "3", blazar.AllocationListOpts{}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	// A numeric resource_id is read as a string.
	if diff := cmp.Diff(blazar.Allocation{ResourceID: "3", Reservations: []blazar.AllocatedReservation{}}, *alloc); diff != "" {
		t.Errorf("GetAllocation (-want +got):\n%s", diff)
	}
	all, err := networks.ListAllAllocations(context.Background(), c, blazar.AllocationListOpts{})
	if err != nil || len(all) != 0 {
		t.Errorf("ListAllAllocations = %v, %v; want none", all, err)
	}
}
