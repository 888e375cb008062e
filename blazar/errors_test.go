package blazar

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/gophercloud/gophercloud/v2"
)

func TestFromResponse(t *testing.T) {
	cases := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   Error
	}{
		{"blazar 404", 404, nil,
			`{"error_code": 404, "error_message": "Object with {'lease_id': 'x'} not found", "error_name": 404}`,
			Error{StatusCode: 404, Code: 404, Name: "404", Message: "Object with {'lease_id': 'x'} not found", Kind: NotFound}},
		{"werkzeug 406", 406, nil,
			`{"error": 406, "error_message": "Version 1.1 is not supported by the API. Minimum is 1.0 and maximum is 1.0."}`,
			Error{StatusCode: 406, Code: 406, Message: "Version 1.1 is not supported by the API. Minimum is 1.0 and maximum is 1.0.", Kind: Invalid}},
		{"keystonemiddleware 401", 401, http.Header{"Www-Authenticate": {`Keystone uri="http://127.0.0.1:5000/v3"`}},
			`{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`,
			Error{StatusCode: 401, Code: 401, Name: "Unauthorized", Message: "The request you have made requires authentication.", Kind: Unauthorized}},
		{"policy 403", 403, http.Header{"X-Openstack-Request-Id": {"req-a2a9"}},
			`{"error_code": 403, "error_message": "Policy doesn't allow blazar:oshosts:get to be performed", "error_name": 403}`,
			Error{StatusCode: 403, Code: 403, Name: "403", Message: "Policy doesn't allow blazar:oshosts:get to be performed", Kind: Forbidden, RequestID: "req-a2a9"}},
		{"chameleon capacity", 500, nil,
			`{"error_code": 500, "error_message": "Not enough resources available with query {'resource_type': 'physical:host'}", "error_name": 500}`,
			Error{StatusCode: 500, Code: 500, Name: "500", Message: "Not enough resources available with query {'resource_type': 'physical:host'}", Kind: Capacity}},
		{"upstream fip shortage is a 400", 400, nil,
			`{"error_code": 400, "error_message": "Not enough floating IPs available", "error_name": 400}`,
			Error{StatusCode: 400, Code: 400, Name: "400", Message: "Not enough floating IPs available", Kind: Capacity}},
		{"transitional status", 500, nil,
			`{"error_code": 500, "error_message": "Invalid lease status.", "error_name": 500}`,
			Error{StatusCode: 500, Code: 500, Name: "500", Message: "Invalid lease status.", Kind: Conflict}},
		{"conflict", 409, nil,
			`{"error_code": 409, "error_message": "resource_type cannot be updated", "error_name": 409}`,
			Error{StatusCode: 409, Code: 409, Name: "409", Message: "resource_type cannot be updated", Kind: Conflict}},
		{"rate limited", 429, http.Header{"Retry-After": {"7"}}, ``,
			Error{StatusCode: 429, Code: 429, Message: "Too Many Requests (HTTP 429)", Kind: Transient, RetryAfter: 7 * time.Second}},
		{"proxy html", 502, nil, `<html><body>Bad gateway</body></html>`,
			Error{StatusCode: 502, Code: 502, Message: "Bad Gateway (HTTP 502)", Kind: Transient}},
		{"plain text", 504, nil, "upstream timed out\n",
			Error{StatusCode: 504, Code: 504, Message: "upstream timed out", Kind: Transient}},
		{"neutron", 404, nil, `{"NeutronError": {"type": "NetworkNotFound", "message": "Network nope could not be found.", "detail": ""}}`,
			Error{StatusCode: 404, Code: 404, Name: "NetworkNotFound", Message: "Network nope could not be found.", Kind: NotFound}},
		{"retry-after date", 503, http.Header{"Retry-After": {"Tue, 24 Nov 2026 18:51:36 GMT"}}, ``,
			Error{StatusCode: 503, Code: 503, Message: "Service Unavailable (HTTP 503)", Kind: Transient, RetryAfter: 30 * time.Second}},
	}
	now = func() time.Time { return time.Date(2026, 11, 24, 18, 51, 6, 0, time.UTC) }
	defer func() { now = time.Now }()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := FromResponse(tc.status, tc.header, []byte(tc.body))
			if diff := cmp.Diff(tc.want, *got); diff != "" {
				t.Errorf("FromResponse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConvertError(t *testing.T) {
	code := gophercloud.ErrUnexpectedResponseCode{
		Method: "GET", URL: "http://x/v1/leases/y", Actual: 404,
		Body: []byte(`{"error_code": 404, "error_message": "Object with {'lease_id': 'y'} not found", "error_name": 404}`),
	}
	afterReauth := &gophercloud.ErrErrorAfterReauthentication{ErrOriginal: code}
	reauthFailed := &gophercloud.ErrUnableToReauthenticate{ErrOriginal: code, ErrReauth: errors.New("keystone down")}
	cases := []struct {
		name string
		in   error
		want *Error // nil: returned unchanged
	}{
		{"response code", code, &Error{StatusCode: 404, Code: 404, Name: "404", Kind: NotFound,
			Message: "Object with {'lease_id': 'y'} not found", Method: "GET", URL: "http://x/v1/leases/y"}},
		{"wrapped", fmt.Errorf("lease %q: %w", "k", code), &Error{StatusCode: 404, Code: 404, Name: "404", Kind: NotFound,
			Message: "Object with {'lease_id': 'y'} not found", Method: "GET", URL: "http://x/v1/leases/y"}},
		{"after reauth", afterReauth, &Error{StatusCode: 404, Code: 404, Name: "404", Kind: NotFound,
			Message: "Object with {'lease_id': 'y'} not found", Method: "GET", URL: "http://x/v1/leases/y"}},
		{"reauth failed", reauthFailed, &Error{StatusCode: 401, Code: 401, Kind: Unauthorized,
			Message: "the token was refused and re-authentication failed"}},
		{"eof", fmt.Errorf("Get: %w", io.ErrUnexpectedEOF), &Error{Kind: Transient,
			Message: "connection failed: Get: unexpected EOF"}},
		{"canceled", fmt.Errorf("Get: %w", context.Canceled), nil},
		{"other", errors.New("boom"), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ConvertError(tc.in)
			if tc.want == nil {
				if got != tc.in {
					t.Errorf("ConvertError changed %v into %v", tc.in, got)
				}
				return
			}
			e, ok := got.(*Error)
			if !ok {
				t.Fatalf("ConvertError = %T %v, want *Error", got, got)
			}
			if diff := cmp.Diff(*tc.want, *e, cmpopts.IgnoreFields(Error{}, "Err")); diff != "" {
				t.Errorf("ConvertError (-want +got):\n%s", diff)
			}
			if e.Err == nil || e.Err.Error() != tc.in.Error() {
				t.Errorf("the original error is lost: Err = %v", e.Err)
			}
		})
	}
	if ConvertError(nil) != nil {
		t.Error("ConvertError(nil) != nil")
	}
	if !IsKind(fmt.Errorf("x: %w", code), NotFound) || IsKind(code, Conflict) || IsKind(nil, Other) {
		t.Error("IsKind misclassifies")
	}
}

func TestHintFor(t *testing.T) {
	mk := func(status int, msg string) error {
		return FromResponse(status, nil, []byte(fmt.Sprintf(`{"error_code": %d, "error_message": %q, "error_name": %d}`, status, msg, status)))
	}
	cases := []struct {
		name string
		err  error
		op   string
		want string
	}{
		{"bare 500 on create", mk(500, "Internal Server Error"), "create", HintUnrestrictedAppCred},
		{"bare 500 on delete", mk(500, "Internal Server Error"), "delete", ""},
		{"other 500 on create", mk(500, "The foo resource type is not supported"), "create", ""},
		{"403", mk(403, "Policy doesn't allow blazar:leases:create to be performed"), "create", HintChameleonForbidden},
		{"before_end_date outside the lease", mk(403, "Datetime is out of lease limits"), "create", ""},
		{"max duration", mk(403, "Lease duration of 691200 seconds must be less than or equal to the maximum lease duration of 604800 seconds."), "create", HintMaxDuration},
		{"extension window", mk(400, "Lease can only be extended within 172800 seconds of the leases current end time."), "update", HintMaxDuration},
		{"capacity", mk(500, "Not enough hosts available"), "create", HintCapacity},
		{"401", mk(401, "The request you have made requires authentication."), "list", HintUnauthorized},
		{"404", mk(404, "Object with {'lease_id': 'x'} not found"), "get", ""},
		{"not a blazar error", errors.New("x"), "create", ""},
	}
	for _, tc := range cases {
		if got := HintFor(tc.err, tc.op); got != tc.want {
			t.Errorf("%s: HintFor = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2030, 1, 1, 10, 0, 0, 0, time.UTC)
	for _, s := range []string{"2030-01-01T10:00:00.000000", "2030-01-01T10:00:00", "2030-01-01 10:00:00",
		"2030-01-01 10:00", "2030-01-01T10:00:00Z", "2030-01-01T12:00:00+02:00"} {
		got, err := ParseTime(s)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v, %v; want %v UTC", s, got, err, want)
		}
	}
	if _, err := ParseTime("01/01/2030"); err == nil {
		t.Error("ParseTime accepted 01/01/2030")
	}
	if got := FormatInput(time.Date(2030, 1, 1, 12, 30, 59, 0, time.FixedZone("X", 2*3600))); got != "2030-01-01 10:30" {
		t.Errorf("FormatInput = %q", got)
	}
}

func TestJSONTime(t *testing.T) {
	var s struct {
		A JSONTime `json:"a"`
		B JSONTime `json:"b"`
	}
	if err := jsonUnmarshal(`{"a": "2026-11-24 18:50:44", "b": null}`, &s); err != nil {
		t.Fatal(err)
	}
	if s.A.Ptr() == nil || !s.A.Time().Equal(time.Date(2026, 11, 24, 18, 50, 44, 0, time.UTC)) || s.B.Ptr() != nil {
		t.Errorf("decoded %v %v", s.A.Time(), s.B.Ptr())
	}
	b, _ := s.A.MarshalJSON()
	if string(b) != `"2026-11-24T18:50:44.000000"` {
		t.Errorf("MarshalJSON = %s", b)
	}
	if err := jsonUnmarshal(`{"a": "soon"}`, &s); err == nil {
		t.Error("accepted a non-date")
	}
}

func TestNewReservationV1(t *testing.T) {
	cases := []struct{ catalog, wantBase string }{
		{"http://blazar:1234/v1/", "http://blazar:1234/v1/"},
		{"http://h/chi-uc/reservation/v1/", "http://h/chi-uc/reservation/v1/"},
		{"http://blazar:1234/", "http://blazar:1234/v1/"},
	}
	for _, tc := range cases {
		var got gophercloud.EndpointOpts
		p := &gophercloud.ProviderClient{EndpointLocator: func(eo gophercloud.EndpointOpts) (string, error) {
			got = eo
			return tc.catalog, nil
		}}
		sc, err := NewReservationV1(p, gophercloud.EndpointOpts{Region: "CHI@UC"})
		if err != nil {
			t.Fatal(err)
		}
		want := gophercloud.EndpointOpts{Type: "reservation", Region: "CHI@UC", Availability: gophercloud.AvailabilityPublic, Version: 1}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("endpoint opts (-want +got):\n%s", diff)
		}
		if u := sc.ServiceURL("leases"); u != tc.wantBase+"leases" {
			t.Errorf("catalog %s: leases URL %s, want %sleases", tc.catalog, u, tc.wantBase)
		}
		if sc.Type != "reservation" {
			t.Errorf("Type = %q", sc.Type)
		}
	}
	if _, err := NewReservationV1(&gophercloud.ProviderClient{}, gophercloud.EndpointOpts{}); err == nil {
		t.Error("an unauthenticated provider was accepted")
	}
	p := &gophercloud.ProviderClient{EndpointLocator: func(gophercloud.EndpointOpts) (string, error) {
		return "", &gophercloud.ErrEndpointNotFound{}
	}}
	if _, err := NewReservationV1(p, gophercloud.EndpointOpts{}); err == nil {
		t.Error("a missing catalog entry was accepted")
	}
}

// A token renewal that Keystone answered 503 was reported as refused credentials, with the
// "check the credentials" hint, and not retried.
func TestReauthAgainstABusyKeystoneIsTransient(t *testing.T) {
	busyKeystone := gophercloud.ErrUnexpectedResponseCode{Actual: 503, Body: []byte(`{"error": {"code": 503, "title": "Service Unavailable", "message": "try later"}}`)}
	err := ConvertError(&gophercloud.ErrUnableToReauthenticate{ErrOriginal: errors.New("401"), ErrReauth: busyKeystone})
	e, ok := AsError(err)
	if !ok || e.Kind != Transient || !e.Retryable() {
		t.Fatalf("AsError = %+v, want a retryable transient error", e)
	}
	if h := HintFor(err, "create"); h == HintUnauthorized {
		t.Errorf("hint %q blames the credentials", h)
	}
}

// A Neutron 500 while looking up the floating IP network got the hint about unrestricted
// application credentials, which is about Blazar's create.
func TestNeutronFailureHint(t *testing.T) {
	err := FromResponse(500, nil, []byte(`{"NeutronError": {"type": "HTTPInternalServerError", "message": "Internal Server Error"}}`))
	if h := HintFor(err, "network"); h != HintNeutron {
		t.Errorf("hint %q, want the Neutron one", h)
	}
}
