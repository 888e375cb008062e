package testing

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	gcleases "github.com/gophercloud/gophercloud/v2/openstack/reservation/v1/leases"
	"github.com/gophercloud/gophercloud/v2/pagination"
	th "github.com/gophercloud/gophercloud/v2/testhelper"
	"github.com/gophercloud/gophercloud/v2/testhelper/client"
)

func TestListAll(t *testing.T) {
	fake := th.SetupHTTP()
	defer fake.Teardown()
	serve(t, fake, "GET", "/leases", http.StatusOK, LeaseListBody, nil)

	got, err := leases.ListAll(context.Background(), client.ServiceClient(fake))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]leases.Lease{goldenLease()}, got); diff != "" {
		t.Errorf("ListAll (-want +got):\n%s", diff)
	}
}

func TestListEmpty(t *testing.T) {
	fake := th.SetupHTTP()
	defer fake.Teardown()
	serve(t, fake, "GET", "/leases", http.StatusOK, LeaseListEmptyBody, nil)

	pages := 0
	err := leases.List(client.ServiceClient(fake)).EachPage(context.Background(), func(_ context.Context, p pagination.Page) (bool, error) {
		pages++
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// An empty page stops the pager before the callback.
	if pages != 0 {
		t.Errorf("callback ran %d times for an empty list", pages)
	}
	got, err := leases.ListAll(context.Background(), client.ServiceClient(fake))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("ListAll = %v, want none", got)
	}
}

func TestGet(t *testing.T) {
	fake := th.SetupHTTP()
	defer fake.Teardown()
	serve(t, fake, "GET", "/leases/"+goldenID, http.StatusOK, LeaseShowBody, nil)

	got, err := leases.Get(context.Background(), client.ServiceClient(fake), goldenID).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(goldenLease(), *got); diff != "" {
		t.Errorf("Get (-want +got):\n%s", diff)
	}
}

func TestGetChameleonLease(t *testing.T) {
	fake := th.SetupHTTP()
	defer fake.Teardown()
	const id = "6ee55c78-ac52-41a6-99af-2d2d73bcc466"
	serve(t, fake, "GET", "/leases/"+id, http.StatusOK, LeaseChameleonBody, nil)

	got, err := leases.Get(context.Background(), client.ServiceClient(fake), id).Extract()
	if err != nil {
		t.Fatal(err)
	}
	want := []leases.Reservation{
		{
			ID: "087bc740-6d2d-410b-9d47-c7b2b55a9d36", LeaseID: id,
			ResourceID: "5e6c0e6e-f1e6-490b-baaf-50deacbbe371", ResourceType: "physical:host", Status: "active",
			Min: ip(1), Max: ip(1), ResourceProperties: `["==", "$node_type", "compute_skylake"]`, BeforeEnd: "default",
			Extra: map[string]any{"on_start": "default", "created_at": "2024-05-01 10:30:12", "updated_at": "2024-05-01 10:31:05"},
		},
		{
			ID: "ddc45423-0000-4000-8000-000000000001", LeaseID: id,
			ResourceID: "4b1d0000-0000-4000-8000-000000000002", ResourceType: "virtual:floatingip", Status: "active",
			NetworkID: "1e17587e-a7ed-4b82-a17b-4beb32523e28", Amount: ip(1), RequiredFloatingIPs: []string{},
			Extra: map[string]any{"created_at": "2024-05-01 10:30:12", "updated_at": "2024-05-01 10:31:05"},
		},
	}
	if diff := cmp.Diff(want, got.Reservations); diff != "" {
		t.Errorf("reservations (-want +got):\n%s", diff)
	}
	wantEvents := []leases.Event{
		{ID: "e1", LeaseID: id, EventType: "start_lease", Time: ts("2024-05-01 10:31:00"), Status: "DONE",
			CreatedAt: ts("2024-05-01 10:30:12"), UpdatedAt: tp("2024-05-01 10:31:05")},
		// A date without the fraction is accepted too.
		{ID: "e2", LeaseID: id, EventType: "end_lease", Time: ts("2024-05-02 10:31:00"), Status: "UNDONE",
			CreatedAt: ts("2024-05-01 10:30:12")},
	}
	if diff := cmp.Diff(wantEvents, got.Events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if got.Status != "ACTIVE" || !got.StartDate.Equal(ts("2024-05-01 10:31:00")) {
		t.Errorf("lease = %s %v, want ACTIVE from 2024-05-01 10:31", got.Status, got.StartDate)
	}
}

// errorFields compares the parts of a *blazar.Error a test can predict.
var errorFields = cmpopts.IgnoreFields(blazar.Error{}, "Err", "Method", "URL")

func TestErrors(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		call   func(fake th.FakeServer) error
		want   blazar.Error
	}{
		{
			name: "unknown id", status: 404, body: LeaseShow404Body,
			call: func(fake th.FakeServer) error {
				_, err := leases.Get(context.Background(), client.ServiceClient(fake), "00000000-0000-0000-0000-000000000000").Extract()
				return err
			},
			want: blazar.Error{StatusCode: 404, Code: 404, Name: "404", Kind: blazar.NotFound, RequestID: "req-test",
				Message: "Object with {'lease_id': '00000000-0000-0000-0000-000000000000'} not found"},
		},
		{
			name: "name instead of id", status: 404, body: LeaseShowByName404Body,
			call: func(fake th.FakeServer) error {
				return leases.Delete(context.Background(), client.ServiceClient(fake), "golden").ExtractErr()
			},
			want: blazar.Error{StatusCode: 404, Code: 404, Name: "404", Kind: blazar.NotFound, RequestID: "req-test",
				Message: "Object with {'lease_id': 'golden'} not found"},
		},
		{
			name: "not enough hosts", status: 500, body: LeaseCreateNotEnoughBody,
			call: createOne,
			want: blazar.Error{StatusCode: 500, Code: 500, Name: "500", Kind: blazar.Capacity, RequestID: "req-test",
				Message: "Not enough hosts available"},
		},
		{
			name: "start in the past", status: 400, body: LeaseCreateInPastBody,
			call: createOne,
			want: blazar.Error{StatusCode: 400, Code: 400, Name: "400", Kind: blazar.Invalid, RequestID: "req-test",
				Message: "Start date must be later than current date"},
		},
		{
			name: "end before start", status: 400, body: LeaseCreateEndBeforeStartBody,
			call: createOne,
			want: blazar.Error{StatusCode: 400, Code: 400, Name: "400", Kind: blazar.Invalid, RequestID: "req-test",
				Message: "End date must be later than start date."},
		},
		{
			name: "unsupported type", status: 500, body: LeaseCreateUnsupportedTypeBody,
			call: createOne,
			want: blazar.Error{StatusCode: 500, Code: 500, Name: "500", Kind: blazar.Internal, RequestID: "req-test",
				Message: "The virtual:floatingip resource type is not supported"},
		},
		{
			name: "restricted application credential", status: 500, body: InternalServerErrorBody,
			call: createOne,
			want: blazar.Error{StatusCode: 500, Code: 500, Name: "INTERNAL_SERVER_ERROR", Kind: blazar.Internal, RequestID: "req-test",
				Message: "Internal Server Error"},
		},
		{
			name: "bad date on update", status: 400, body: LeaseUpdateBadDateBody,
			call: func(fake th.FakeServer) error {
				end := ts("2030-01-02 12:00:00")
				_, err := leases.Update(context.Background(), client.ServiceClient(fake), goldenID, leases.UpdateOpts{End: &end}).Extract()
				return err
			},
			want: blazar.Error{StatusCode: 400, Code: 400, Name: "400", Kind: blazar.Invalid, RequestID: "req-test",
				Message: "2030-01-02T12:00:00 is an invalid date. Required format: %Y-%m-%d %H:%M"},
		},
		{
			name: "token refused", status: 401, body: NoAuth401Body,
			call: func(fake th.FakeServer) error {
				_, err := leases.ListAll(context.Background(), client.ServiceClient(fake))
				return err
			},
			want: blazar.Error{StatusCode: 401, Code: 401, Name: "Unauthorized", Kind: blazar.Unauthorized, RequestID: "req-test",
				Message: "The request you have made requires authentication."},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := th.SetupHTTP()
			defer fake.Teardown()
			fake.Mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Openstack-Request-Id", "req-test")
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			err := tc.call(fake)
			got, ok := err.(*blazar.Error)
			if !ok {
				t.Fatalf("error %T %v, want *blazar.Error", err, err)
			}
			if diff := cmp.Diff(tc.want, *got, errorFields); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if got.Error() != tc.want.Message {
				t.Errorf("Error() = %q, want Blazar's message %q", got.Error(), tc.want.Message)
			}
		})
	}
}

func createOne(fake th.FakeServer) error {
	_, err := leases.Create(context.Background(), client.ServiceClient(fake), leases.CreateOpts{
		Name: "x", End: ts("2030-01-02 10:00:00"),
	}).Extract()
	return err
}

func TestCreate(t *testing.T) {
	start := ts("2030-01-01 10:00:59") // seconds are dropped: Blazar rejects them
	beforeEnd := ts("2030-01-02 08:00:00")
	cases := []struct {
		name     string
		opts     leases.CreateOpts
		wantBody string
	}{
		{
			name: "dated",
			opts: leases.CreateOpts{
				Name: "golden", Start: start, End: ts("2030-01-02 10:00:00"),
				Reservations: []map[string]any{{
					"resource_type": "physical:host", "min": 1, "max": 1,
					"resource_properties": `["==", "$node_type", "compute_skylake"]`, "hypervisor_properties": "",
				}},
			},
			wantBody: `{"name": "golden", "start_date": "2030-01-01 10:00", "end_date": "2030-01-02 10:00",
				"reservations": [{"resource_type": "physical:host", "min": 1, "max": 1,
					"resource_properties": "[\"==\", \"$node_type\", \"compute_skylake\"]", "hypervisor_properties": ""}],
				"events": [], "before_end_date": null}`,
		},
		{
			name: "now with before_end and no reservations",
			opts: leases.CreateOpts{
				Name: "nores", End: time.Date(2030, 6, 2, 10, 0, 0, 0, time.FixedZone("CEST", 2*3600)), BeforeEnd: &beforeEnd,
			},
			wantBody: `{"name": "nores", "start_date": "now", "end_date": "2030-06-02 08:00",
				"reservations": [], "events": [], "before_end_date": "2030-01-02 08:00"}`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := th.SetupHTTP()
			defer fake.Teardown()
			serve(t, fake, "POST", "/leases", http.StatusCreated, LeaseCreateBody, func(r *http.Request) {
				th.TestHeader(t, r, "Content-Type", "application/json")
				th.TestJSONRequest(t, r, tc.wantBody)
			})
			got, err := leases.Create(context.Background(), client.ServiceClient(fake), tc.opts).Extract()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(goldenLease(), *got); diff != "" {
				t.Errorf("Create (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCreateAccepts200(t *testing.T) {
	fake := th.SetupHTTP()
	defer fake.Teardown()
	serve(t, fake, "POST", "/leases", http.StatusOK, LeaseCreateBody, nil)
	if _, err := leases.Create(context.Background(), client.ServiceClient(fake), leases.CreateOpts{Name: "x", End: ts("2030-01-02 10:00:00")}).Extract(); err != nil {
		t.Fatal(err)
	}
}

func TestCreateOptsRequired(t *testing.T) {
	for _, opts := range []leases.CreateOpts{{End: ts("2030-01-02 10:00:00")}, {Name: "x"}} {
		if _, err := opts.ToLeaseCreateMap(); err == nil {
			t.Errorf("ToLeaseCreateMap(%+v) accepted a lease without name or end", opts)
		}
	}
}

func TestUpdate(t *testing.T) {
	end := ts("2030-01-02 12:00:00")
	name := "renamed"
	start := ts("2030-01-01 11:00:00")
	cases := []struct {
		name     string
		opts     leases.UpdateOpts
		wantBody string
	}{
		{"extend", leases.UpdateOpts{End: &end}, `{"end_date": "2030-01-02 12:00"}`},
		{"rename", leases.UpdateOpts{Name: &name}, `{"name": "renamed"}`},
		{"everything", leases.UpdateOpts{Name: &name, Start: &start, End: &end,
			Reservations: []map[string]any{{"id": "0f355157-a458-40e1-9a10-8fe849da6d89", "min": 2, "max": 2}}},
			`{"name": "renamed", "start_date": "2030-01-01 11:00", "end_date": "2030-01-02 12:00",
			  "reservations": [{"id": "0f355157-a458-40e1-9a10-8fe849da6d89", "min": 2, "max": 2}]}`},
		{"nothing", leases.UpdateOpts{}, `{}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := th.SetupHTTP()
			defer fake.Teardown()
			serve(t, fake, "PUT", "/leases/"+goldenID, http.StatusOK, LeaseUpdateEndBody, func(r *http.Request) {
				th.TestJSONRequest(t, r, tc.wantBody)
			})
			got, err := leases.Update(context.Background(), client.ServiceClient(fake), goldenID, tc.opts).Extract()
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != "UPDATING" || !got.EndDate.Equal(end) {
				t.Errorf("Update = %s until %v, want UPDATING until %v", got.Status, got.EndDate, end)
			}
		})
	}
}

func TestUpdateNeedsReservationIDs(t *testing.T) {
	opts := leases.UpdateOpts{Reservations: []map[string]any{{"min": 2}}}
	if _, err := opts.ToLeaseUpdateMap(); err == nil {
		t.Error("a reservation without id was accepted")
	}
}

func TestDelete(t *testing.T) {
	// Upstream answers 204 with no body, Chameleon's fork 200 with {}.
	for _, tc := range []struct {
		status int
		body   string
	}{{http.StatusNoContent, ""}, {http.StatusOK, "{}"}, {http.StatusAccepted, ""}} {
		fake := th.SetupHTTP()
		serve(t, fake, "DELETE", "/leases/"+goldenID, tc.status, tc.body, nil)
		if err := leases.Delete(context.Background(), client.ServiceClient(fake), goldenID).ExtractErr(); err != nil {
			t.Errorf("Delete answered %d: %v", tc.status, err)
		}
		fake.Teardown()
	}
}

func TestTransient(t *testing.T) {
	fake := th.SetupHTTP()
	defer fake.Teardown()
	fake.Mux.HandleFunc("/leases", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	_, err := leases.ListAll(context.Background(), client.ServiceClient(fake))
	e, ok := blazar.AsError(err)
	if !ok {
		t.Fatalf("error %T %v is not a *blazar.Error", err, err)
	}
	if e.Kind != blazar.Transient || e.RetryAfter != 3*time.Second || e.Message == "" {
		t.Errorf("503 gave kind %v, RetryAfter %v, message %q; want transient, 3s and a message", e.Kind, e.RetryAfter, e.Message)
	}
}

func TestDroppedConnection(t *testing.T) {
	fake := th.SetupHTTP()
	defer fake.Teardown()
	fake.Mux.HandleFunc("/leases", func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Close()
	})
	_, err := leases.ListAll(context.Background(), client.ServiceClient(fake))
	if !blazar.IsKind(err, blazar.Transient) {
		t.Errorf("dropped connection gave %T %v, want a transient *blazar.Error", err, err)
	}
}

func TestLeaseJSONRoundTrip(t *testing.T) {
	// The emulator and the state file never see these types, but a Lease
	// must at least decode what Blazar sends in a list, field for field.
	var s struct {
		Leases []leases.Lease `json:"leases"`
	}
	if err := json.Unmarshal([]byte(LeaseListBody), &s); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]leases.Lease{goldenLease()}, s.Leases); diff != "" {
		t.Errorf("decode (-want +got):\n%s", diff)
	}
}

// TestCreateWithUpstreamOpts: gophercloud's own CreateOpts, with its host reservation and the
// fork's device, network and floating IP reservations, is a body Create sends as Blazar
// expects it (../shared/blazar-api.md §3).
func TestCreateWithUpstreamOpts(t *testing.T) {
	fake := th.SetupHTTP()
	defer fake.Teardown()
	serve(t, fake, "POST", "/leases", http.StatusCreated, LeaseCreateBody, func(r *http.Request) {
		th.TestJSONRequest(t, r, `{"name": "mixed", "start_date": "2030-01-01 10:00", "end_date": "2030-01-02 10:00",
			"reservations": [
				{"resource_type": "physical:host", "min": 1, "max": 2, "hypervisor_properties": "",
				 "resource_properties": "[\"==\", \"$node_type\", \"compute_skylake\"]"},
				{"resource_type": "device", "min": 1, "max": 1,
				 "resource_properties": "[\"==\", \"$machine_name\", \"raspberrypi4-64\"]"},
				{"resource_type": "network", "network_name": "exp-net", "network_description": "",
				 "resource_properties": "[\"==\", \"$physical_network\", \"physnet1\"]", "network_properties": ""},
				{"resource_type": "virtual:floatingip", "network_id": "pub", "amount": 2, "required_floatingips": []}]}`)
	})
	opts := gcleases.CreateOpts{
		Name: "mixed", StartDate: ts("2030-01-01 10:00:00"), EndDate: ts("2030-01-02 10:00:00"),
		Reservations: []gcleases.ReservationOptsBuilder{
			gcleases.HostReservationOpts{Min: 1, Max: 2, ResourceProperties: `["==", "$node_type", "compute_skylake"]`},
			leases.DeviceReservationOpts{Min: 1, Max: 1, ResourceProperties: `["==", "$machine_name", "raspberrypi4-64"]`},
			leases.NetworkReservationOpts{NetworkName: "exp-net", ResourceProperties: `["==", "$physical_network", "physnet1"]`},
			leases.FloatingIPReservationOpts{NetworkID: "pub", Amount: 2, RequiredFloatingIPs: []string{}},
		},
	}
	if _, err := leases.Create(context.Background(), client.ServiceClient(fake), opts).Extract(); err != nil {
		t.Fatal(err)
	}
}
