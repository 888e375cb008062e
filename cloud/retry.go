package cloud

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/gophercloud/gophercloud/v2"
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
	return rt.Do(ctx, func(c context.Context) error { return keystoneAuth(c, provider, ao) })
}

func authRetryable(err error) bool {
	if blazar.Retryable(err) {
		return true
	}
	e, ok := blazar.AsError(err)
	return ok && e.StatusCode == http.StatusInternalServerError
}
