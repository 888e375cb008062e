package testing

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/blazar/leases"
	th "github.com/gophercloud/gophercloud/v2/testhelper"
	"github.com/gophercloud/gophercloud/v2/testhelper/client"
)

// Bodies recorded from a real Blazar (upstream zed) behind Keystone; copied
// byte for byte from the project's recorded/blazar fixtures so that CI needs
// nothing outside this module.

// LeaseListBody is lease-list.json.
const LeaseListBody = `{"leases": [{"created_at": "2026-11-24 18:50:44", "updated_at": "2026-11-24 18:50:45", "id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "name": "golden", "user_id": "b244a9e9ef8f4111b02f7f22c8ee9a4e", "project_id": "4e19b3903cde40eeb51061705cdc5946", "start_date": "2030-01-01T10:00:00.000000", "end_date": "2030-01-02T10:00:00.000000", "trust_id": "ebb2a8aba23341f1a29d16507c46cc39", "status": "PENDING", "degraded": false, "reservations": [{"created_at": "2026-11-24 18:50:44", "updated_at": "2026-11-24 18:50:45", "id": "0f355157-a458-40e1-9a10-8fe849da6d89", "lease_id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "resource_id": "636305c7-c30d-4cfa-9dc8-7d3b55b02856", "resource_type": "physical:host", "status": "pending", "missing_resources": false, "resources_changed": false, "hypervisor_properties": "", "resource_properties": "[\"==\", \"$node_type\", \"compute_skylake\"]", "before_end": "default", "min": 1, "max": 1}], "events": [{"created_at": "2026-11-24 18:50:45", "updated_at": null, "id": "69e6177b-574a-4215-bdf0-473dffaa1569", "lease_id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "event_type": "start_lease", "time": "2030-01-01T10:00:00.000000", "status": "UNDONE"}, {"created_at": "2026-11-24 18:50:45", "updated_at": null, "id": "fd3436c8-0fac-4513-ae94-165d3d0b71ed", "lease_id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "event_type": "end_lease", "time": "2030-01-02T10:00:00.000000", "status": "UNDONE"}, {"created_at": "2026-11-24 18:50:45", "updated_at": null, "id": "5e0c5fb7-562e-47fa-a40b-b0a2f07dab0e", "lease_id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "event_type": "before_end_lease", "time": "2030-01-02T09:00:00.000000", "status": "UNDONE"}]}]}`

// LeaseListEmptyBody is lease-list-empty.json.
const LeaseListEmptyBody = `{"leases": []}`

// LeaseShowBody is lease-show.json.
const LeaseShowBody = `{"lease": {"created_at": "2026-11-24 18:50:44", "updated_at": "2026-11-24 18:50:45", "id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "name": "golden", "user_id": "b244a9e9ef8f4111b02f7f22c8ee9a4e", "project_id": "4e19b3903cde40eeb51061705cdc5946", "start_date": "2030-01-01T10:00:00.000000", "end_date": "2030-01-02T10:00:00.000000", "trust_id": "ebb2a8aba23341f1a29d16507c46cc39", "status": "PENDING", "degraded": false, "reservations": [{"created_at": "2026-11-24 18:50:44", "updated_at": "2026-11-24 18:50:45", "id": "0f355157-a458-40e1-9a10-8fe849da6d89", "lease_id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "resource_id": "636305c7-c30d-4cfa-9dc8-7d3b55b02856", "resource_type": "physical:host", "status": "pending", "missing_resources": false, "resources_changed": false, "hypervisor_properties": "", "resource_properties": "[\"==\", \"$node_type\", \"compute_skylake\"]", "before_end": "default", "min": 1, "max": 1}], "events": [{"created_at": "2026-11-24 18:50:45", "updated_at": null, "id": "69e6177b-574a-4215-bdf0-473dffaa1569", "lease_id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "event_type": "start_lease", "time": "2030-01-01T10:00:00.000000", "status": "UNDONE"}, {"created_at": "2026-11-24 18:50:45", "updated_at": null, "id": "fd3436c8-0fac-4513-ae94-165d3d0b71ed", "lease_id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "event_type": "end_lease", "time": "2030-01-02T10:00:00.000000", "status": "UNDONE"}, {"created_at": "2026-11-24 18:50:45", "updated_at": null, "id": "5e0c5fb7-562e-47fa-a40b-b0a2f07dab0e", "lease_id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "event_type": "before_end_lease", "time": "2030-01-02T09:00:00.000000", "status": "UNDONE"}]}}`

// LeaseCreateBody is lease-create.json.
const LeaseCreateBody = `{"lease": {"created_at": "2026-11-24 18:50:44", "updated_at": "2026-11-24 18:50:45", "id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "name": "golden", "user_id": "b244a9e9ef8f4111b02f7f22c8ee9a4e", "project_id": "4e19b3903cde40eeb51061705cdc5946", "start_date": "2030-01-01T10:00:00.000000", "end_date": "2030-01-02T10:00:00.000000", "trust_id": "ebb2a8aba23341f1a29d16507c46cc39", "status": "PENDING", "degraded": false, "reservations": [{"created_at": "2026-11-24 18:50:44", "updated_at": "2026-11-24 18:50:45", "id": "0f355157-a458-40e1-9a10-8fe849da6d89", "lease_id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "resource_id": "636305c7-c30d-4cfa-9dc8-7d3b55b02856", "resource_type": "physical:host", "status": "pending", "missing_resources": false, "resources_changed": false, "hypervisor_properties": "", "resource_properties": "[\"==\", \"$node_type\", \"compute_skylake\"]", "before_end": "default", "min": 1, "max": 1}], "events": [{"created_at": "2026-11-24 18:50:45", "updated_at": null, "id": "69e6177b-574a-4215-bdf0-473dffaa1569", "lease_id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "event_type": "start_lease", "time": "2030-01-01T10:00:00.000000", "status": "UNDONE"}, {"created_at": "2026-11-24 18:50:45", "updated_at": null, "id": "fd3436c8-0fac-4513-ae94-165d3d0b71ed", "lease_id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "event_type": "end_lease", "time": "2030-01-02T10:00:00.000000", "status": "UNDONE"}, {"created_at": "2026-11-24 18:50:45", "updated_at": null, "id": "5e0c5fb7-562e-47fa-a40b-b0a2f07dab0e", "lease_id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "event_type": "before_end_lease", "time": "2030-01-02T09:00:00.000000", "status": "UNDONE"}]}}`

// LeaseUpdateEndBody is lease-update-end.json.
const LeaseUpdateEndBody = `{"lease": {"created_at": "2026-11-24 18:50:44", "updated_at": "2026-11-24 18:50:46", "id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "name": "golden", "user_id": "b244a9e9ef8f4111b02f7f22c8ee9a4e", "project_id": "4e19b3903cde40eeb51061705cdc5946", "start_date": "2030-01-01T10:00:00.000000", "end_date": "2030-01-02T12:00:00.000000", "trust_id": "ebb2a8aba23341f1a29d16507c46cc39", "status": "UPDATING", "degraded": false, "reservations": [{"created_at": "2026-11-24 18:50:44", "updated_at": "2026-11-24 18:50:45", "id": "0f355157-a458-40e1-9a10-8fe849da6d89", "lease_id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "resource_id": "636305c7-c30d-4cfa-9dc8-7d3b55b02856", "resource_type": "physical:host", "status": "pending", "missing_resources": false, "resources_changed": false, "hypervisor_properties": "", "resource_properties": "[\"==\", \"$node_type\", \"compute_skylake\"]", "before_end": "default", "min": 1, "max": 1}], "events": [{"created_at": "2026-11-24 18:50:45", "updated_at": null, "id": "69e6177b-574a-4215-bdf0-473dffaa1569", "lease_id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "event_type": "start_lease", "time": "2030-01-01T10:00:00.000000", "status": "UNDONE"}, {"created_at": "2026-11-24 18:50:45", "updated_at": "2026-11-24 18:50:46", "id": "fd3436c8-0fac-4513-ae94-165d3d0b71ed", "lease_id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "event_type": "end_lease", "time": "2030-01-02T12:00:00.000000", "status": "UNDONE"}, {"created_at": "2026-11-24 18:50:45", "updated_at": "2026-11-24 18:50:46", "id": "5e0c5fb7-562e-47fa-a40b-b0a2f07dab0e", "lease_id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "event_type": "before_end_lease", "time": "2030-01-02T11:00:00.000000", "status": "UNDONE"}]}}`

// LeaseShow404Body is lease-show-404.json.
const LeaseShow404Body = `{"error_code": 404, "error_message": "Object with {'lease_id': '00000000-0000-0000-0000-000000000000'} not found", "error_name": 404}`

// LeaseShowByName404Body is lease-show-by-name-404.json.
const LeaseShowByName404Body = `{"error_code": 404, "error_message": "Object with {'lease_id': 'golden'} not found", "error_name": 404}`

// LeaseCreateNotEnoughBody is lease-create-not-enough.json.
const LeaseCreateNotEnoughBody = `{"error_code": 500, "error_message": "Not enough hosts available", "error_name": 500}`

// LeaseCreateInPastBody is lease-create-in-past.json.
const LeaseCreateInPastBody = `{"error_code": 400, "error_message": "Start date must be later than current date", "error_name": 400}`

// LeaseCreateEndBeforeStartBody is lease-create-end-before-start.json.
const LeaseCreateEndBeforeStartBody = `{"error_code": 400, "error_message": "End date must be later than start date.", "error_name": 400}`

// LeaseCreateUnsupportedTypeBody is lease-create-unsupported-type.json.
const LeaseCreateUnsupportedTypeBody = `{"error_code": 500, "error_message": "The virtual:floatingip resource type is not supported", "error_name": 500}`

// LeaseUpdateBadDateBody is lease-update-bad-date.json.
const LeaseUpdateBadDateBody = `{"error_code": 400, "error_message": "2030-01-02T12:00:00 is an invalid date. Required format: %Y-%m-%d %H:%M", "error_name": 400}`

// NoAuth401Body is noauth-401.json.
const NoAuth401Body = `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`

// LeaseChameleonBody is the Chameleon-style GET answer of blazar-api.md §2.5
// (a node and a floating IP reservation; CHI fork keys such as on_start).
const LeaseChameleonBody = `{"lease": {
  "id": "6ee55c78-ac52-41a6-99af-2d2d73bcc466", "name": "my-lease",
  "start_date": "2024-05-01T10:31:00.000000", "end_date": "2024-05-02T10:31:00.000000",
  "status": "ACTIVE", "degraded": false,
  "user_id": "5434f637520d4c17bbf254af034b0320", "project_id": "aa45f56901ef45ee95e3d211097c0ea3",
  "trust_id": "b442a580b9504ababf305bf2b4c49512",
  "created_at": "2024-05-01 10:30:12", "updated_at": "2024-05-01 10:31:05",
  "reservations": [
    {"id": "087bc740-6d2d-410b-9d47-c7b2b55a9d36", "lease_id": "6ee55c78-ac52-41a6-99af-2d2d73bcc466",
     "resource_id": "5e6c0e6e-f1e6-490b-baaf-50deacbbe371", "resource_type": "physical:host",
     "status": "active", "missing_resources": false, "resources_changed": false,
     "min": 1, "max": 1, "hypervisor_properties": "",
     "resource_properties": "[\"==\", \"$node_type\", \"compute_skylake\"]",
     "before_end": "default", "on_start": "default",
     "created_at": "2024-05-01 10:30:12", "updated_at": "2024-05-01 10:31:05"},
    {"id": "ddc45423-0000-4000-8000-000000000001", "lease_id": "6ee55c78-ac52-41a6-99af-2d2d73bcc466",
     "resource_id": "4b1d0000-0000-4000-8000-000000000002",
     "resource_type": "virtual:floatingip", "status": "active",
     "missing_resources": false, "resources_changed": false,
     "network_id": "1e17587e-a7ed-4b82-a17b-4beb32523e28", "amount": 1, "required_floatingips": [],
     "created_at": "2024-05-01 10:30:12", "updated_at": "2024-05-01 10:31:05"}
  ],
  "events": [
    {"id": "e1", "lease_id": "6ee55c78-ac52-41a6-99af-2d2d73bcc466", "event_type": "start_lease", "time": "2024-05-01T10:31:00.000000", "status": "DONE", "created_at": "2024-05-01 10:30:12", "updated_at": "2024-05-01 10:31:05"},
    {"id": "e2", "lease_id": "6ee55c78-ac52-41a6-99af-2d2d73bcc466", "event_type": "end_lease", "time": "2024-05-02T10:31:00", "status": "UNDONE", "created_at": "2024-05-01 10:30:12", "updated_at": null}
  ]}}`

// InternalServerErrorBody is Blazar's answer to an unexpected exception,
// e.g. a restricted application credential creating a lease.
const InternalServerErrorBody = `{"error_code": 500, "error_message": "Internal Server Error", "error_name": "INTERNAL_SERVER_ERROR"}`

func ts(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return t
}

func tp(s string) *time.Time {
	t := ts(s)
	return &t
}

func ip(n int) *int { return &n }

const goldenID = "59afa8a5-369e-42ee-8c67-32ce7e2848e8"

// goldenLease is LeaseShowBody decoded by hand.
func goldenLease() leases.Lease {
	return leases.Lease{
		ID:        goldenID,
		Name:      "golden",
		Status:    "PENDING",
		UserID:    "b244a9e9ef8f4111b02f7f22c8ee9a4e",
		ProjectID: "4e19b3903cde40eeb51061705cdc5946",
		StartDate: ts("2030-01-01 10:00:00"),
		EndDate:   ts("2030-01-02 10:00:00"),
		CreatedAt: ts("2026-11-24 18:50:44"),
		UpdatedAt: tp("2026-11-24 18:50:45"),
		Reservations: []leases.Reservation{{
			ID:                   "0f355157-a458-40e1-9a10-8fe849da6d89",
			LeaseID:              goldenID,
			ResourceID:           "636305c7-c30d-4cfa-9dc8-7d3b55b02856",
			ResourceType:         "physical:host",
			Status:               "pending",
			Min:                  ip(1),
			Max:                  ip(1),
			ResourceProperties:   `["==", "$node_type", "compute_skylake"]`,
			HypervisorProperties: "",
			BeforeEnd:            "default",
			Extra: map[string]any{
				"created_at": "2026-11-24 18:50:44",
				"updated_at": "2026-11-24 18:50:45",
			},
		}},
		Events: []leases.Event{
			{ID: "69e6177b-574a-4215-bdf0-473dffaa1569", LeaseID: goldenID, EventType: "start_lease",
				Time: ts("2030-01-01 10:00:00"), Status: "UNDONE", CreatedAt: ts("2026-11-24 18:50:45")},
			{ID: "fd3436c8-0fac-4513-ae94-165d3d0b71ed", LeaseID: goldenID, EventType: "end_lease",
				Time: ts("2030-01-02 10:00:00"), Status: "UNDONE", CreatedAt: ts("2026-11-24 18:50:45")},
			{ID: "5e0c5fb7-562e-47fa-a40b-b0a2f07dab0e", LeaseID: goldenID, EventType: "before_end_lease",
				Time: ts("2030-01-02 09:00:00"), Status: "UNDONE", CreatedAt: ts("2026-11-24 18:50:45")},
		},
	}
}

// serve answers every request to path with status and body, after checking
// the method and the headers gophercloud must send to Blazar.
func serve(t *testing.T, fake th.FakeServer, method, path string, status int, body string, check func(*http.Request)) {
	t.Helper()
	fake.Mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		th.TestMethod(t, r, method)
		th.TestHeader(t, r, "X-Auth-Token", client.TokenID)
		th.TestHeader(t, r, "Accept", "application/json")
		if check != nil {
			check(r)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Openstack-Request-Id", "req-test")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	})
}
