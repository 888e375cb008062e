package testing

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/blazar/floatingips"
	"github.com/google/go-cmp/cmp"
	th "github.com/gophercloud/gophercloud/v2/testhelper"
	"github.com/gophercloud/gophercloud/v2/testhelper/client"
)

// FloatingIPListBody follows upstream's doc/api_samples/floatingips.
const FloatingIPListBody = `{"floatingips": [{"id": "84c4d37e-1f8b-45ce-897b-16ad7f49b0e9",
 "floating_network_id": "3b80198d-4f7b-4f77-9ef5-774d54e17126", "subnet_id": "ed27a5b1-9ad4-4a4a-82da-1aa9ff3e1d4b",
 "floating_ip_address": "172.24.4.101", "reservable": true, "created_at": "2019-01-28 07:11:19", "updated_at": null}]}`

func TestListAll(t *testing.T) {
	fake := th.SetupHTTP()
	defer fake.Teardown()
	fake.Mux.HandleFunc("/floatingips", func(w http.ResponseWriter, r *http.Request) {
		th.TestMethod(t, r, "GET")
		th.TestHeader(t, r, "X-Auth-Token", client.TokenID)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, FloatingIPListBody)
	})
	got, err := floatingips.ListAll(context.Background(), client.ServiceClient(fake))
	if err != nil {
		t.Fatal(err)
	}
	want := []floatingips.FloatingIP{{ID: "84c4d37e-1f8b-45ce-897b-16ad7f49b0e9",
		FloatingNetworkID: "3b80198d-4f7b-4f77-9ef5-774d54e17126", SubnetID: "ed27a5b1-9ad4-4a4a-82da-1aa9ff3e1d4b",
		FloatingIPAddress: "172.24.4.101", Reservable: true, CreatedAt: time.Date(2019, 1, 28, 7, 11, 19, 0, time.UTC)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListAll (-want +got):\n%s", diff)
	}
}
