package cloud

import (
	"errors"
	"fmt"
	"strings"

	"github.com/chameleoncloud/leasefile/blazar"
)

// ErrNoCredentials is matched (errors.Is) by a *NoCredentialsError.
var ErrNoCredentials = errors.New("no credentials found")

// ErrUnauthorized is matched (errors.Is) by an *AuthError for refused
// credentials.
var ErrUnauthorized = errors.New("credentials refused")

// NoCredentialsError says that nothing tells how to reach a site, and what
// was looked for.
type NoCredentialsError struct {
	Site string
	// Cloud is the clouds.yaml entry that was asked for and is missing
	// (from sites.<site>.cloud or OS_CLOUD), "" if none was.
	Cloud       string
	FromOSCloud bool
	// Source and CatalogRegions are set when the only credentials found (OS_CLOUD or the OS_*
	// variables) name no region and their catalog has no region named like the site: they
	// belong to another site.
	Source         string
	CatalogRegions []string
	// Paths are the clouds.yaml locations searched (nil when given).
	Paths []string
	// Local is true when the clouds are the local emulator's (--local is in use).
	Local  bool
	clouds *cloudsFile
}

// Is makes errors.Is(err, ErrNoCredentials) true.
func (e *NoCredentialsError) Is(target error) bool { return target == ErrNoCredentials }

// Error says what was looked for and how to fix it.
func (e *NoCredentialsError) Error() string {
	var file string
	switch {
	case e.clouds != nil:
		file = fmt.Sprintf("%s has %s", e.clouds.describe(), describeNames(e.clouds.names()))
	case len(e.Paths) > 0:
		file = "no clouds.yaml in " + strings.Join(e.Paths, ", ")
	default:
		file = "no clouds.yaml"
	}
	if e.Source != "" {
		regions := "no region"
		if len(e.CatalogRegions) > 0 {
			regions = "region " + quoteJoin(e.CatalogRegions)
		}
		return fmt.Sprintf("no credentials for site %q: %s names no region, and its service catalog has %s, not %q: "+
			"these credentials are for another site; add a clouds.yaml entry named %q (or set sites.%s.cloud in the Leasefile), "+
			"or set sites.%s.region if the site's region has another name",
			e.Site, e.Source, regions, e.Site, e.Site, e.Site, e.Site)
	}
	if e.Cloud != "" {
		from := fmt.Sprintf("sites.%s.cloud", e.Site)
		if e.FromOSCloud {
			from = "OS_CLOUD"
		}
		if e.Local {
			return fmt.Sprintf("no credentials for site %q: %s names clouds.yaml entry %q, but %s", e.Site, from, e.Cloud, file)
		}
		return fmt.Sprintf("no credentials for site %q: %s names clouds.yaml entry %q, but %s; "+
			"fix the name, or use --local to work against the built-in emulator", e.Site, from, e.Cloud, file)
	}
	if e.Local {
		return fmt.Sprintf("no credentials for site %q: the local emulator does not serve it (%s)", e.Site, file)
	}
	return fmt.Sprintf("no credentials for site %q: looked for a sites.%s.cloud setting (none), "+
		"a clouds.yaml entry named %q (%s), OS_CLOUD (not set) and OS_AUTH_URL (not set); "+
		"add a clouds.yaml entry, source an openrc file, or use --local to work against the built-in emulator",
		e.Site, e.Site, e.Site, file)
}

// AuthError is a failed authentication with a site's Keystone.
type AuthError struct {
	Site, Source, AuthURL string
	// StatusCode is Keystone's answer (401 for refused credentials), 0 if
	// Keystone was not reached.
	StatusCode int
	Err        error
}

// Is makes errors.Is(err, ErrUnauthorized) true for refused credentials.
func (e *AuthError) Is(target error) bool {
	return target == ErrUnauthorized && e.StatusCode == 401
}

// Unwrap returns the underlying error.
func (e *AuthError) Unwrap() error { return e.Err }

// Error names the site, the credentials' source and Keystone's answer.
func (e *AuthError) Error() string {
	switch e.StatusCode {
	case 401:
		return fmt.Sprintf("site %q: Keystone at %s refused the credentials from %s (%v): "+
			"check the username and password, or the application credential id and secret",
			e.Site, e.AuthURL, e.Source, e.Err)
	case 0:
		return fmt.Sprintf("site %q: cannot authenticate with Keystone at %s (credentials from %s): %v", e.Site, e.AuthURL, e.Source, e.Err)
	case 429, 500, 502, 503, 504:
		return fmt.Sprintf("site %q: Keystone at %s failed to answer the token request (HTTP %d, credentials from %s): %v", e.Site, e.AuthURL, e.StatusCode, e.Source, e.Err)
	}
	return fmt.Sprintf("site %q: Keystone at %s answered %d to the credentials from %s: %v", e.Site, e.AuthURL, e.StatusCode, e.Source, e.Err)
}

func authError(site, source, url string, err error) error {
	ae := &AuthError{Site: site, Source: source, AuthURL: url, Err: err}
	if be, ok := blazar.AsError(err); ok {
		// Keep Keystone's message, never gophercloud's dump of the request.
		ae.StatusCode, ae.Err = be.StatusCode, be
	}
	return ae
}

// RegionMismatchError is credentials for one region (OS_CLOUD or the OS_* variables) used for
// a site named differently: on Chameleon, another site.
type RegionMismatchError struct {
	Site, Region, Source string
}

func (e *RegionMismatchError) Error() string {
	return fmt.Sprintf("site %q: %s is for region %q, not this site: each Chameleon site has its own credentials; "+
		"add a clouds.yaml entry named %q (or set sites.%s.cloud in the Leasefile), or set sites.%s.region if the site's region has another name",
		e.Site, e.Source, e.Region, e.Site, e.Site, e.Site)
}

// quoteJoin quotes each name: "a", "b".
func quoteJoin(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
