package cloud

import (
	"fmt"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
)

func coalesce(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// authOptions turns what clouds.Parse returns into one request Keystone
// and gophercloud accept. Parse copies every field it finds, so an entry
// with both a password and an application credential, or both a domain id
// and name, would otherwise be refused or authenticate the wrong way:
// auth_type (or, without it, the fields present) picks the method, and the
// other fields are dropped. AllowReauth is set so that a token expiring
// mid-apply is renewed transparently.
func authOptions(in gophercloud.AuthOptions, authType string) (gophercloud.AuthOptions, error) {
	if in.IdentityEndpoint == "" {
		return gophercloud.AuthOptions{}, fmt.Errorf("no auth_url (OS_AUTH_URL)")
	}
	ao := gophercloud.AuthOptions{IdentityEndpoint: in.IdentityEndpoint, AllowReauth: true}
	domainName, domainID := in.DomainName, in.DomainID
	// gophercloud v2.16's clouds.Parse gives a project named by name its own scope, with the
	// project's domain, and no longer falls back to it for the user's: the project's domain
	// serves both when the user's is not given, as before.
	if ps := projectScope(in); ps != nil && domainName == "" && domainID == "" {
		domainName, domainID = ps.DomainName, ps.DomainID
	}
	if domainID != "" {
		// gophercloud refuses both; the id is the unambiguous one.
		domainName = ""
	}
	switch t := strings.ToLower(authType); {
	case t == "v3applicationcredential" || t == "applicationcredential" ||
		(t == "" && (in.ApplicationCredentialID != "" || in.ApplicationCredentialName != "")):
		err := appCredential(&ao, in, domainName, domainID)
		// The credential carries its project; Keystone refuses a scope.
		return ao, err
	case t == "token" || t == "v3token" || (t == "" && in.TokenID != "" && in.Password == ""):
		if in.TokenID == "" {
			return ao, fmt.Errorf("token auth without a token (OS_TOKEN)")
		}
		ao.TokenID = in.TokenID
		// A bare token cannot be renewed.
		ao.AllowReauth = false
	case isOIDC(t):
		// The OpenID Connect login (oidc.go) gets the token; ao carries the Keystone
		// endpoint and the project, and the login re-authenticates itself.
		ao.AllowReauth = false
	case t == "" || t == "password" || t == "v3password":
		if in.Password == "" {
			return ao, fmt.Errorf("neither a password nor an application credential")
		}
		if in.Username == "" && in.UserID == "" {
			return ao, fmt.Errorf("a password without username or user_id")
		}
		ao.Password = in.Password
		setUser(&ao, in, domainName, domainID)
	default:
		return ao, fmt.Errorf("auth_type %q is not supported: use v3chameleonoidc (ccauth), an application credential "+
			"(cc-login, or Identity > Application Credentials in the dashboard) or a password", authType)
	}
	if err := setScope(&ao, in, domainName, domainID); err != nil {
		return ao, err
	}
	if isOIDC(authType) && ao.Scope == nil {
		// A federated token without a project reaches no service.
		return ao, fmt.Errorf("auth_type %s needs the project (project_id, OS_PROJECT_ID)", authType)
	}
	return ao, nil
}

// setUser names the user in ao: by id alone, or by name in its domain.
func setUser(ao *gophercloud.AuthOptions, in gophercloud.AuthOptions, domainName, domainID string) {
	if in.UserID != "" {
		ao.UserID = in.UserID
		return
	}
	ao.Username, ao.DomainName, ao.DomainID = in.Username, domainName, domainID
}

// appCredential sets an application credential in ao: its secret, and its id, or its name
// with the user.
func appCredential(ao *gophercloud.AuthOptions, in gophercloud.AuthOptions, domainName, domainID string) error {
	if in.ApplicationCredentialSecret == "" {
		return fmt.Errorf("application credential without its secret (application_credential_secret, OS_APPLICATION_CREDENTIAL_SECRET)")
	}
	ao.ApplicationCredentialSecret = in.ApplicationCredentialSecret
	switch {
	case in.ApplicationCredentialID != "":
		ao.ApplicationCredentialID = in.ApplicationCredentialID
	case in.ApplicationCredentialName != "":
		if in.UserID == "" && in.Username == "" {
			return fmt.Errorf("an application credential given by name also needs the user (user_id, or username and user_domain_name)")
		}
		ao.ApplicationCredentialName = in.ApplicationCredentialName
		setUser(ao, in, domainName, domainID)
	default:
		return fmt.Errorf("application credential auth without application_credential_id or application_credential_name")
	}
	return nil
}

// projectScope is the project scope clouds.Parse gave in (since gophercloud v2.16), nil for
// none or a trust or system scope.
func projectScope(in gophercloud.AuthOptions) *gophercloud.AuthScope {
	if in.Scope != nil && in.Scope.TrustID == "" && !in.Scope.System {
		return in.Scope
	}
	return nil
}

// setScope sets the project (or trust) ao is scoped to, if in names one.
func setScope(ao *gophercloud.AuthOptions, in gophercloud.AuthOptions, domainName, domainID string) error {
	projectScope := projectScope(in)
	switch {
	case in.Scope != nil && projectScope == nil:
		// A trust (or the system scope).
		ao.Scope = in.Scope
	case in.TenantID != "":
		ao.Scope = &gophercloud.AuthScope{ProjectID: in.TenantID}
	case in.TenantName != "":
		if domainName == "" && domainID == "" {
			return fmt.Errorf("project %q is given by name without its domain (project_domain_name, OS_PROJECT_DOMAIN_NAME)", in.TenantName)
		}
		pName, pID := domainName, domainID
		if projectScope != nil && (projectScope.DomainName != "" || projectScope.DomainID != "") {
			pName, pID = projectScope.DomainName, projectScope.DomainID
			if pID != "" {
				pName = ""
			}
		}
		ao.Scope = &gophercloud.AuthScope{ProjectName: in.TenantName, DomainName: pName, DomainID: pID}
	}
	return nil
}
