package blazar

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	th "github.com/gophercloud/gophercloud/v2/testhelper"
	"github.com/gophercloud/gophercloud/v2/testhelper/client"
)

// A Nova flavor list as /flavors/detail answers it (api-ref compute, "List Flavors With
// Details"), trimmed to what FlavorID reads.
const flavorsBody = `{"flavors": [
 {"id": "1", "name": "m1.tiny", "ram": 512, "disk": 1, "vcpus": 1, "swap": "", "OS-FLV-EXT-DATA:ephemeral": 0, "os-flavor-access:is_public": true},
 {"id": "3", "name": "m1.medium", "ram": 4096, "disk": 40, "vcpus": 2, "swap": "", "os-flavor-access:is_public": true},
 {"id": "7", "name": "dup", "ram": 4096, "disk": 40, "vcpus": 2, "swap": "", "os-flavor-access:is_public": true},
 {"id": "8", "name": "dup", "ram": 4096, "disk": 40, "vcpus": 2, "swap": "", "os-flavor-access:is_public": true}]}`

func TestFlavorID(t *testing.T) {
	fake := th.SetupHTTP()
	defer fake.Teardown()
	fake.Mux.HandleFunc("/flavors/detail", func(w http.ResponseWriter, r *http.Request) {
		th.TestMethod(t, r, "GET")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, flavorsBody)
	})
	c := client.ServiceClient(fake)
	cases := []struct {
		nameOrID, wantID string
		wantKind         Kind
		wantMsg          string
	}{
		{nameOrID: "m1.medium", wantID: "3"},
		{nameOrID: "1", wantID: "1"},
		{nameOrID: "nope", wantKind: NotFound, wantMsg: `no Nova flavor named "nope" is visible to this project`},
		{nameOrID: "dup", wantKind: Conflict, wantMsg: `2 Nova flavors are named "dup" (7, 8): use the flavor id instead`},
	}
	for _, tc := range cases {
		id, err := FlavorID(context.Background(), c, tc.nameOrID)
		if tc.wantMsg == "" {
			if err != nil || id != tc.wantID {
				t.Errorf("FlavorID(%q) = %q, %v; want %q", tc.nameOrID, id, err, tc.wantID)
			}
			continue
		}
		e, ok := AsError(err)
		if !ok || e.Kind != tc.wantKind || e.Message != tc.wantMsg {
			t.Errorf("FlavorID(%q) error = %v (%v), want %v %q", tc.nameOrID, err, e, tc.wantKind, tc.wantMsg)
		}
	}
}
