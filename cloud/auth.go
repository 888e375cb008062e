package cloud

import (
	"fmt"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
)

// envAuth reads an openrc's OS_* variables. It covers what
// openstack.AuthOptionsFromEnv reads plus the user/project domain, region,
// interface and auth type variables it ignores; it reads through getenv so
// that an injected environment is honoured.
func envAuth(getenv func(string) string) (authInfo, string) {
	first := func(names ...string) string {
		for _, n := range names {
			if v := getenv(n); v != "" {
				return v
			}
		}
		return ""
	}
	return authInfo{
		AuthURL:                     getenv("OS_AUTH_URL"),
		Token:                       getenv("OS_TOKEN"),
		Username:                    getenv("OS_USERNAME"),
		UserID:                      first("OS_USER_ID", "OS_USERID"),
		Password:                    getenv("OS_PASSWORD"),
		ApplicationCredentialID:     getenv("OS_APPLICATION_CREDENTIAL_ID"),
		ApplicationCredentialName:   getenv("OS_APPLICATION_CREDENTIAL_NAME"),
		ApplicationCredentialSecret: getenv("OS_APPLICATION_CREDENTIAL_SECRET"),
		ProjectName:                 first("OS_PROJECT_NAME", "OS_TENANT_NAME"),
		ProjectID:                   first("OS_PROJECT_ID", "OS_TENANT_ID"),
		UserDomainName:              getenv("OS_USER_DOMAIN_NAME"),
		UserDomainID:                getenv("OS_USER_DOMAIN_ID"),
		ProjectDomainName:           getenv("OS_PROJECT_DOMAIN_NAME"),
		ProjectDomainID:             getenv("OS_PROJECT_DOMAIN_ID"),
		DomainName:                  getenv("OS_DOMAIN_NAME"),
		DomainID:                    getenv("OS_DOMAIN_ID"),
	}, getenv("OS_AUTH_TYPE")
}

func coalesce(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// authOptions turns credentials into gophercloud's AuthOptions with
// AllowReauth, so that a token expiring mid-apply is renewed transparently.
func authOptions(a authInfo, authType string) (gophercloud.AuthOptions, error) {
	if a.AuthURL == "" {
		return gophercloud.AuthOptions{}, fmt.Errorf("no auth_url (OS_AUTH_URL)")
	}
	ao := gophercloud.AuthOptions{IdentityEndpoint: a.AuthURL, AllowReauth: true}
	userDomainName := coalesce(a.UserDomainName, a.DomainName)
	userDomainID := coalesce(a.UserDomainID, a.DomainID)
	if userDomainID != "" {
		// gophercloud refuses both; the id is the unambiguous one.
		userDomainName = ""
	}
	switch t := strings.ToLower(authType); {
	case t == "v3applicationcredential" || t == "applicationcredential" ||
		(t == "" && (a.ApplicationCredentialID != "" || a.ApplicationCredentialName != "")):
		if a.ApplicationCredentialSecret == "" {
			return ao, fmt.Errorf("application credential without its secret (application_credential_secret, OS_APPLICATION_CREDENTIAL_SECRET)")
		}
		ao.ApplicationCredentialSecret = a.ApplicationCredentialSecret
		switch {
		case a.ApplicationCredentialID != "":
			ao.ApplicationCredentialID = a.ApplicationCredentialID
		case a.ApplicationCredentialName != "":
			if a.UserID == "" && a.Username == "" {
				return ao, fmt.Errorf("an application credential given by name also needs the user (user_id, or username and user_domain_name)")
			}
			ao.ApplicationCredentialName = a.ApplicationCredentialName
			ao.UserID, ao.Username = a.UserID, a.Username
			ao.DomainName, ao.DomainID = userDomainName, userDomainID
		default:
			return ao, fmt.Errorf("application credential auth without application_credential_id or application_credential_name")
		}
		// The credential carries its project; Keystone refuses a scope.
		return ao, nil
	case t == "token" || t == "v3token" || (t == "" && a.Token != "" && a.Password == ""):
		if a.Token == "" {
			return ao, fmt.Errorf("token auth without a token (OS_TOKEN)")
		}
		ao.TokenID = a.Token
		// A bare token cannot be renewed.
		ao.AllowReauth = false
	case t == "" || t == "password" || t == "v3password":
		if a.Password == "" {
			return ao, fmt.Errorf("neither a password nor an application credential")
		}
		if a.Username == "" && a.UserID == "" {
			return ao, fmt.Errorf("a password without username or user_id")
		}
		ao.Username, ao.UserID, ao.Password = a.Username, a.UserID, a.Password
		ao.DomainName, ao.DomainID = userDomainName, userDomainID
	default:
		return ao, fmt.Errorf("auth_type %q is not supported: use an application credential "+
			"(on Chameleon: Identity > Application Credentials in the dashboard) or a password", authType)
	}
	projectDomainName := coalesce(a.ProjectDomainName, a.DomainName)
	projectDomainID := coalesce(a.ProjectDomainID, a.DomainID)
	switch {
	case a.ProjectID != "":
		ao.Scope = &gophercloud.AuthScope{ProjectID: a.ProjectID}
	case a.ProjectName != "":
		if projectDomainName == "" && projectDomainID == "" {
			projectDomainName, projectDomainID = ao.DomainName, ao.DomainID
		}
		if projectDomainName == "" && projectDomainID == "" {
			return ao, fmt.Errorf("project %q is given by name without its domain (project_domain_name, OS_PROJECT_DOMAIN_NAME)", a.ProjectName)
		}
		ao.Scope = &gophercloud.AuthScope{ProjectName: a.ProjectName, DomainName: projectDomainName, DomainID: projectDomainID}
		if projectDomainID != "" {
			ao.Scope.DomainName = ""
		}
	}
	return ao, nil
}

// availability maps interface / endpoint_type / OS_INTERFACE to gophercloud's.
func availability(iface string) gophercloud.Availability {
	switch strings.TrimSuffix(strings.ToLower(iface), "url") {
	case "internal":
		return gophercloud.AvailabilityInternal
	case "admin":
		return gophercloud.AvailabilityAdmin
	}
	return gophercloud.AvailabilityPublic
}
