package cloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
)

// authenticate gets a token, repeating a request that failed transiently: a dropped or
// refused connection, 429, 502, 503, 504, and Keystone's 500 (a token request is safe to
// repeat, and Keystone answers 500 when its database or cache blips). Refused credentials
// are not repeated: Keystone would lock the account out.
func (r *Resolver) authenticate(ctx context.Context, site string, provider *gophercloud.ProviderClient, ao gophercloud.AuthOptions) error {
	rt := r.Retry
	rt.Retryable = authRetryable
	if on := r.Retry.OnRetry; on != nil {
		rt.OnRetry = func(err error, d time.Duration) {
			on(fmt.Errorf("site %q: Keystone at %s: %w", site, ao.IdentityEndpoint, err), d)
		}
	}
	return rt.Do(ctx, func(c context.Context) error { return openstack.Authenticate(c, provider, ao) })
}

func authRetryable(err error) bool {
	if blazar.Retryable(err) {
		return true
	}
	e, ok := blazar.AsError(err)
	return ok && e.StatusCode == http.StatusInternalServerError
}

// authHint is the remedy for a failed authentication: only refused credentials are about the
// credentials; an unreachable, silent, busy or failing Keystone is not.
func authHint(ae *AuthError) string {
	switch {
	case ae.StatusCode == http.StatusUnauthorized || ae.StatusCode == http.StatusForbidden || ae.StatusCode == http.StatusNotFound:
		return "check the credentials, or create an application credential in the dashboard (Identity > Application Credentials) and use its clouds.yaml"
	case ae.StatusCode == 0:
		if ep, ok := blazar.Unreachable(ae.Err); ok {
			if ep == "" {
				ep = "Keystone at " + ae.AuthURL
			}
			return blazar.UnreachableHint(ep)
		}
		var na *blazar.NoAnswerError
		if errors.As(ae.Err, &na) {
			return "Keystone at " + ae.AuthURL + " did not answer in time: check auth_url (OS_AUTH_URL) and the network, or try again later"
		}
		if !blazar.IsKind(ae.Err, blazar.Transient) {
			return ""
		}
		fallthrough
	case ae.StatusCode == http.StatusTooManyRequests || ae.StatusCode >= 500:
		return "Keystone at " + ae.AuthURL + " is busy or failing (it was retried): try again in a few minutes; the credentials were not refused"
	}
	return ""
}
