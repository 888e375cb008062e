package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/chameleoncloud/leasefile/apply"
	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/cloud"
	"github.com/chameleoncloud/leasefile/plan"
	"github.com/gophercloud/gophercloud/v2"
)

func blazarError(status int, msg string) error {
	return blazar.FromResponse(status, nil, []byte(fmt.Sprintf(`{"error_code": %d, "error_message": %q, "error_name": %d}`, status, msg, status)))
}

// TestHintFor: the remedy for a failed Blazar or Neutron call depends on its kind, its
// message and the operation of apply that failed.
func TestHintFor(t *testing.T) {
	refused := blazar.ConvertError(&url.Error{Op: "Post", URL: "http://127.0.0.1:1/v3/auth/tokens",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}})
	busyKeystone := gophercloud.ErrUnexpectedResponseCode{Actual: 503, Body: []byte(`{"error": {"code": 503, "title": "Service Unavailable", "message": "try later"}}`)}
	reauth := blazar.ConvertError(&gophercloud.ErrUnableToReauthenticate{ErrOriginal: errors.New("401"), ErrReauth: busyKeystone})
	cases := []struct {
		name string
		err  error
		op   apply.Op
		want string
	}{
		{"bare 500 on create", blazarError(500, "Internal Server Error"), apply.OpCreate, hintUnrestrictedAppCred},
		{"bare 500 on delete", blazarError(500, "Internal Server Error"), apply.OpDelete, ""},
		{"other 500 on create", blazarError(500, "The foo resource type is not supported"), apply.OpCreate, ""},
		{"403", blazarError(403, "Policy doesn't allow blazar:leases:create to be performed"), apply.OpCreate, hintChameleonForbidden},
		{"before_end_date outside the lease", blazarError(403, "Datetime is out of lease limits"), apply.OpCreate, ""},
		{"max duration", blazarError(403, "Lease duration of 691200 seconds must be less than or equal to the maximum lease duration of 604800 seconds."), apply.OpCreate, hintMaxDuration},
		{"extension window", blazarError(400, "Lease can only be extended within 172800 seconds of the leases current end time."), apply.OpUpdate, hintMaxDuration},
		{"capacity", blazarError(500, "Not enough hosts available"), apply.OpCreate, hintCapacity},
		{"401", blazarError(401, "The request you have made requires authentication."), "", hintUnauthorized},
		{"404", blazarError(404, "Object with {'lease_id': 'x'} not found"), "", ""},
		{"not a blazar error", errors.New("x"), apply.OpCreate, ""},
		// A Neutron 500 while looking up the floating IP network got the hint about
		// unrestricted application credentials, which is about Blazar's create.
		{"Neutron 500", blazar.FromResponse(500, nil, []byte(`{"NeutronError": {"type": "HTTPInternalServerError", "message": "Internal Server Error"}}`)), apply.OpNetwork, hintNeutron},
		// A token renewal that Keystone answered 503 was blamed on the credentials.
		{"renewal against a busy Keystone", reauth, apply.OpCreate, hintTransient},
		{"busy", blazarError(503, "busy"), "", hintTransient},
		{"Retry-After past the limit", &blazar.RetryAfterError{Err: blazarError(429, "slow down")}, "", hintRetryLater},
		{"no answer", &blazar.NoAnswerError{Err: context.DeadlineExceeded}, "", hintNoAnswer},
		{"connection refused", refused, "", unreachableHint("http://127.0.0.1:1")},
	}
	for _, tc := range cases {
		if got := hintFor(tc.err, tc.op); got != tc.want {
			t.Errorf("%s: hintFor = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestRemedy: the remedy of a whole command's failure, by the library's error type.
func TestRemedy(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string // a prefix of the remedy; "" for none
	}{
		{"stale plan", &plan.StaleError{Why: "the Leasefile changed since the plan was made"}, hintStalePlan},
		{"edited plan", &plan.NotOwnedError{Err: errors.New("lease a: ...")}, hintNotOwnedPlan},
		{"refused credentials", fmt.Errorf("site x: %w", &cloud.AuthError{StatusCode: 401, AuthURL: "https://k/v3"}), hintAuthRefused},
		{"Keystone busy", &cloud.AuthError{StatusCode: 503, AuthURL: "https://k/v3"}, "Keystone at https://k/v3 is busy or failing"},
		{"Keystone silent", &cloud.AuthError{AuthURL: "https://k/v3", Err: &blazar.NoAnswerError{Err: context.DeadlineExceeded}}, "Keystone at https://k/v3 did not answer in time"},
		{"Keystone refused the connection", &cloud.AuthError{AuthURL: "https://k/v3", Err: blazar.ConvertError(&url.Error{Op: "Post", URL: "https://k:5000/v3",
			Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}})}, "https://k:5000 is unreachable"},
		{"Keystone failed otherwise", &cloud.AuthError{AuthURL: "https://k/v3", Err: errors.New("bad JSON")}, ""},
		{"login required", fmt.Errorf("x: %w", cloud.ErrLoginRequired), hintLoginRequired},
		{"missing credentials end with their remedy", &cloud.NoCredentialsError{Site: "CHI@UC"}, ""},
		{"Blazar capacity", fmt.Errorf("lease a: %w", blazarError(500, "Not enough hosts available")), hintCapacity},
		{"no answer", &blazar.NoAnswerError{Err: context.DeadlineExceeded}, hintNoAnswer},
		{"other", errors.New("x"), ""},
	}
	for _, tc := range cases {
		got := remedy(tc.err)
		if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: remedy = %q, want %q...", tc.name, got, tc.want)
		}
	}
}
