package testing

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/devices"
	"github.com/google/go-cmp/cmp"
	th "github.com/gophercloud/gophercloud/v2/testhelper"
	"github.com/gophercloud/gophercloud/v2/testhelper/client"
)

// DeviceListBody is a CHI@Edge device list in the fork's shape
// (blazar-api.md §1.5).
const DeviceListBody = `{"devices": [{"id": "8a7f4c4e-0000-4000-8000-000000000001", "name": "rpi4-01", "device_type": "container",
 "device_driver": "zun", "reservable": true, "created_at": "2024-01-10 12:00:00", "updated_at": null,
 "uid": "u-01", "machine_name": "raspberrypi4-64", "model": "4B", "vendor": "Raspberry Pi", "authorized_projects": ""}]}`

// DeviceAllocationsBody lists one device held by one lease.
const DeviceAllocationsBody = `{"allocations": [{"resource_id": "8a7f4c4e-0000-4000-8000-000000000001", "reservations": [
 {"id": "r1", "lease_id": "l1", "start_date": "2024-05-01T10:31:00.000000", "end_date": "2024-05-02T10:31:00.000000", "extras": {}}]}]}`

func TestDevices(t *testing.T) {
	fake := th.SetupHTTP()
	defer fake.Teardown()
	for path, body := range map[string]string{"/devices": DeviceListBody, "/devices/allocations": DeviceAllocationsBody} {
		fake.Mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			th.TestMethod(t, r, "GET")
			th.TestHeader(t, r, "X-Auth-Token", client.TokenID)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, body)
		})
	}
	c := client.ServiceClient(fake)
	got, err := devices.ListAll(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	want := []devices.Device{{
		ID: "8a7f4c4e-0000-4000-8000-000000000001", Name: "rpi4-01", DeviceType: "container", DeviceDriver: "zun",
		Reservable: true, CreatedAt: time.Date(2024, 1, 10, 12, 0, 0, 0, time.UTC),
		ExtraCapabilities: map[string]any{"uid": "u-01", "machine_name": "raspberrypi4-64", "model": "4B",
			"vendor": "Raspberry Pi", "authorized_projects": ""},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListAll (-want +got):\n%s", diff)
	}
	allocs, err := devices.ListAllAllocations(context.Background(), c, blazar.AllocationListOpts{})
	if err != nil {
		t.Fatal(err)
	}
	wantAllocs := []blazar.Allocation{{ResourceID: "8a7f4c4e-0000-4000-8000-000000000001", Reservations: []blazar.AllocatedReservation{{
		ID: "r1", LeaseID: "l1", StartDate: time.Date(2024, 5, 1, 10, 31, 0, 0, time.UTC),
		EndDate: time.Date(2024, 5, 2, 10, 31, 0, 0, time.UTC), Extras: map[string]any{},
	}}}}
	if diff := cmp.Diff(wantAllocs, allocs); diff != "" {
		t.Errorf("ListAllAllocations (-want +got):\n%s", diff)
	}
}

func TestNotFound(t *testing.T) {
	fake := th.SetupHTTP()
	defer fake.Teardown()
	fake.Mux.HandleFunc("/devices/nope", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(404)
		fmt.Fprint(w, `{"error_code": 404, "error_message": "Object with {'device_id': 'nope'} not found", "error_name": 404}`)
	})
	_, err := devices.Get(context.Background(), client.ServiceClient(fake), "nope").Extract()
	if !blazar.IsKind(err, blazar.NotFound) || err.Error() != "Object with {'device_id': 'nope'} not found" {
		t.Errorf("Get = %v, want Blazar's not-found message", err)
	}
}
