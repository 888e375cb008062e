package blazar

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	th "github.com/gophercloud/gophercloud/v2/testhelper"
	"github.com/gophercloud/gophercloud/v2/testhelper/client"
)

// The Neutron answers below ignore the query filters on purpose: the
// lookups must filter again themselves.
const networksBody = `{"networks": [
 {"id": "1e17587e-a7ed-4b82-a17b-4beb32523e28", "name": "public", "status": "ACTIVE", "tags": []},
 {"id": "aaaa0000-0000-4000-8000-000000000001", "name": "sharednet1", "status": "ACTIVE", "tags": []},
 {"id": "bbbb0000-0000-4000-8000-000000000002", "name": "dup", "status": "ACTIVE", "tags": []},
 {"id": "aaaa0000-0000-4000-8000-000000000003", "name": "dup", "status": "ACTIVE", "tags": []}]}`

const floatingIPsBody = `{"floatingips": [
 {"id": "f1", "floating_ip_address": "192.5.87.12", "floating_network_id": "1e17587e-a7ed-4b82-a17b-4beb32523e28", "tags": ["blazar", "reservation:r1"]},
 {"id": "f2", "floating_ip_address": "192.5.87.3", "floating_network_id": "1e17587e-a7ed-4b82-a17b-4beb32523e28", "tags": ["reservation:r1", "blazar"]},
 {"id": "f3", "floating_ip_address": "192.5.87.99", "floating_network_id": "1e17587e-a7ed-4b82-a17b-4beb32523e28", "tags": ["blazar", "reservation:r2"]},
 {"id": "f4", "floating_ip_address": "192.5.87.50", "floating_network_id": "1e17587e-a7ed-4b82-a17b-4beb32523e28", "tags": []}]}`

func neutron(t *testing.T) th.FakeServer {
	fake := th.SetupHTTP()
	for path, body := range map[string]string{"/v2.0/networks": networksBody, "/v2.0/floatingips": floatingIPsBody} {
		fake.Mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			th.TestMethod(t, r, "GET")
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, body)
		})
	}
	fake.Mux.HandleFunc("/broken/v2.0/networks", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	return fake
}

func netClient(fake th.FakeServer, prefix string) *gophercloud.ServiceClient {
	c := client.ServiceClient(fake)
	c.ResourceBase = fake.Endpoint() + prefix + "v2.0/"
	return c
}

func TestNetworkIDByName(t *testing.T) {
	fake := neutron(t)
	defer fake.Teardown()
	c := netClient(fake, "")
	cases := []struct {
		name, wantID string
		wantKind     Kind
		wantMsg      string
	}{
		{name: "public", wantID: "1e17587e-a7ed-4b82-a17b-4beb32523e28"},
		{name: "nope", wantKind: NotFound, wantMsg: `no Neutron network named "nope" is visible to this project`},
		{name: "dup", wantKind: Conflict, wantMsg: `2 Neutron networks are named "dup" (aaaa0000-0000-4000-8000-000000000003, bbbb0000-0000-4000-8000-000000000002): use the network id instead`},
	}
	for _, tc := range cases {
		id, err := NetworkIDByName(context.Background(), c, tc.name)
		if tc.wantMsg == "" {
			if err != nil || id != tc.wantID {
				t.Errorf("NetworkIDByName(%q) = %q, %v; want %q", tc.name, id, err, tc.wantID)
			}
			continue
		}
		e, ok := AsError(err)
		if !ok || e.Kind != tc.wantKind || e.Message != tc.wantMsg {
			t.Errorf("NetworkIDByName(%q) error = %v (%v), want %v %q", tc.name, err, e, tc.wantKind, tc.wantMsg)
		}
	}
	if _, err := NetworkIDByName(context.Background(), netClient(fake, "broken/"), "public"); !IsKind(err, Transient) {
		t.Errorf("503 from Neutron gave %v, want a transient *Error", err)
	}
}

func TestReservedFloatingIPs(t *testing.T) {
	fake := neutron(t)
	defer fake.Teardown()
	c := netClient(fake, "")
	for id, want := range map[string][]string{"r1": {"192.5.87.12", "192.5.87.3"}, "r2": {"192.5.87.99"}, "r3": {}} {
		got, err := ReservedFloatingIPs(context.Background(), c, id)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ReservedFloatingIPs(%s) (-want +got):\n%s", id, diff)
		}
	}
}

// networkIDByPager is NetworkIDByName as first written, through gophercloud's pager: what
// the one-decode reading of the pages must agree with.
func networkIDByPager(ctx context.Context, netClient *gophercloud.ServiceClient, name string) (string, error) {
	page, err := networks.List(netClient, networks.ListOpts{Name: name}).AllPages(ctx)
	if err != nil {
		return "", ConvertError(err)
	}
	all, err := networks.ExtractNetworks(page)
	if err != nil {
		return "", err
	}
	var ids []string
	for _, n := range all {
		if n.Name == name {
			ids = append(ids, n.ID)
		}
	}
	return oneNamed(ids, "Neutron network", "network", name)
}

// NetworkIDByName reads Neutron's pages as gophercloud's pager does: the same requests, to
// the same answer, for one page, several linked ones, an empty last page, 204 and errors.
func TestNetworkIDByNameReadsPagesAsThePager(t *testing.T) {
	net := func(id, name string) string {
		return fmt.Sprintf(`{"id": %q, "name": %q, "status": "ACTIVE"}`, id, name)
	}
	pages := map[string]map[string]string{ // scenario -> query -> body ("" answers 204, "503" fails)
		"one page": {"name=public": `{"networks": [` + net("n1", "public") + `, ` + net("n2", "other") + `]}`},
		"two pages": {"name=public": `{"networks": [` + net("n1", "public") + `], "networks_links": [{"href": "NEXT?marker=n1&name=public", "rel": "next"}]}`,
			"marker=n1&name=public": `{"networks": [` + net("n3", "public") + `], "networks_links": [{"href": "NEXT?marker=n3&name=public", "rel": "previous"}]}`},
		"empty last page": {"name=public": `{"networks": [` + net("n1", "public") + `], "networks_links": [{"href": "NEXT?marker=n1&name=public", "rel": "next"}]}`,
			"marker=n1&name=public": `{"networks": [], "networks_links": [{"href": "NEXT?marker=n9&name=public", "rel": "next"}]}`},
		"no content":   {"name=public": ""},
		"none":         {"name=public": `{"networks": []}`},
		"failing page": {"name=public": `{"networks": [` + net("n1", "public") + `], "networks_links": [{"href": "NEXT?marker=n1&name=public", "rel": "next"}]}`, "marker=n1&name=public": "503"},
	}
	for scenario, bodies := range pages {
		fake := th.SetupHTTP()
		var calls []string
		fake.Mux.HandleFunc("/v2.0/networks", func(w http.ResponseWriter, r *http.Request) {
			calls = append(calls, r.URL.RawQuery)
			body, ok := bodies[r.URL.RawQuery]
			switch {
			case !ok || body == "503":
				w.WriteHeader(http.StatusServiceUnavailable)
			case body == "":
				w.WriteHeader(http.StatusNoContent)
			default:
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, strings.ReplaceAll(body, "NEXT", fake.Endpoint()+"v2.0/networks"))
			}
		})
		c := netClient(fake, "")
		wantID, wantErr := networkIDByPager(context.Background(), c, "public")
		wantCalls := calls
		calls = nil
		id, err := NetworkIDByName(context.Background(), c, "public")
		if id != wantID || fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("%s: NetworkIDByName = %q, %v; the pager's %q, %v", scenario, id, err, wantID, wantErr)
		}
		if diff := cmp.Diff(wantCalls, calls); diff != "" {
			t.Errorf("%s: requests (-pager +NetworkIDByName):\n%s", scenario, diff)
		}
		fake.Teardown()
	}
}
