package spec

import (
	"fmt"
	"strings"
)

// knownSecrets are the environment variables that hold OpenStack credentials (the ones
// cloud reads) and the usual CI tokens. Their values never reach a Leasefile value, however
// they are spelled: by name (${OS_PASSWORD}) or copied into another variable (ALIAS=$OS_PASSWORD).
var knownSecrets = []string{
	"OS_PASSWORD", "OS_APPLICATION_CREDENTIAL_SECRET", "OS_TOKEN", "OS_AUTH_TOKEN",
	"OS_CLIENT_SECRET", "OS_ACCESS_TOKEN", "OS_REFRESH_TOKEN", "OS_ACCESS_SECRET",
	"GITHUB_TOKEN", "GH_TOKEN", "CI_JOB_TOKEN", "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
}

// secretWords are the parts of a variable name (split at '_', case-insensitive) that mark it
// as a credential: *_SECRET, *_PASSWORD, *_TOKEN, *_KEY, *_CREDENTIAL*, ...
var secretWords = map[string]bool{
	"SECRET": true, "SECRETS": true, "PASSWORD": true, "PASSWORDS": true, "PASSWD": true, "PASS": true,
	"PASSPHRASE": true, "PW": true, "TOKEN": true, "TOKENS": true, "KEY": true, "KEYS": true,
	"APIKEY": true, "CREDENTIAL": true, "CREDENTIALS": true, "CREDS": true, "CRED": true,
	"PRIVATE": true, "COOKIE": true, // not AUTH: OS_AUTH_URL and OS_AUTH_TYPE are public
}

// secretParts are substrings that mark a name as a credential even inside a word
// (MYSECRET, DBPASSWORD, GITLABTOKEN).
var secretParts = []string{"SECRET", "PASSWORD", "PASSWD", "TOKEN", "CREDENTIAL", "PASSPHRASE", "APIKEY", "PRIVATEKEY"}

// credentialName reports whether the environment variable name is, or looks like, one that
// holds a credential.
func credentialName(name string) bool {
	up := strings.ToUpper(name)
	for _, k := range knownSecrets {
		if up == k {
			return true
		}
	}
	for _, w := range strings.Split(up, "_") {
		if secretWords[w] {
			return true
		}
	}
	for _, p := range secretParts {
		if strings.Contains(up, p) {
			return true
		}
	}
	return false
}

// minSecretLen is the shortest credential value looked for inside expanded values: shorter
// ones would match by chance ("1", "ab") and say nothing about a leak.
const minSecretLen = 6

// leakedSecret returns the name of a known credential variable whose value appears in v, or
// "".
func leakedSecret(v string, lookup func(string) (string, bool)) string {
	for _, k := range knownSecrets {
		if s, ok := lookup(k); ok && len(s) >= minSecretLen && strings.Contains(v, s) {
			return k
		}
	}
	return ""
}

// secretError says that a variable may not be expanded, naming it and never its value.
func secretError(name string) error {
	return fmt.Errorf("${%s} names a credential: leasefile never expands secrets, which would reach the lease name, the plan, the state and Blazar; use a variable that holds no secret", name)
}
