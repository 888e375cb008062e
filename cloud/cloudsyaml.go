package cloud

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
	"gopkg.in/yaml.v2"
)

// cloudsFile is the clouds.yaml in use. Its entries are read here only to
// know which names exist (for the resolution order and for messages);
// credentials come from clouds.Parse, which also merges secure.yaml.
type cloudsFile struct {
	path    string // "" when given as content
	data    []byte // the given content
	name    string // what to call the given content in messages
	entries map[string]clouds.Cloud
	oidc    map[string]oidcSettings // the auth fields clouds.Parse does not read
}

func (f *cloudsFile) names() []string {
	if f == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(f.entries))
}

func (f *cloudsFile) has(name string) bool {
	if f == nil {
		return false
	}
	_, ok := f.entries[name]
	return ok
}

func (f *cloudsFile) describe() string {
	if f.path == "" {
		if f.name != "" {
			return f.name
		}
		return "the clouds.yaml given to leasefile"
	}
	return f.path
}

// searchPaths returns where clouds.yaml is looked for, in order: the list
// clouds.Parse uses, computed here because the Resolver's environment is
// injectable and because messages name the paths and the file found.
func searchPaths(getenv func(string) string) []string {
	if p := getenv("OS_CLIENT_CONFIG_FILE"); p != "" {
		return []string{p}
	}
	var paths []string
	if cwd, err := os.Getwd(); err == nil {
		paths = append(paths, filepath.Join(cwd, "clouds.yaml"))
	}
	userConfig := getenv("XDG_CONFIG_HOME")
	if userConfig == "" {
		if home := getenv("HOME"); home != "" {
			userConfig = filepath.Join(home, ".config")
		}
	}
	if userConfig != "" {
		paths = append(paths, filepath.Join(userConfig, "openstack", "clouds.yaml"))
	}
	return append(paths, "/etc/openstack/clouds.yaml")
}

// loadClouds reads the injected content, or the first clouds.yaml found on
// the search path (nil, nil if there is none). Unlike clouds.Parse, an
// unreadable file is an error rather than skipped, so that a permission
// problem is not mistaken for a missing file.
func loadClouds(injected []byte, paths []string) (*cloudsFile, error) {
	if injected != nil {
		f, err := decodeClouds(injected)
		if err != nil {
			return nil, fmt.Errorf("injected clouds.yaml: %w", err)
		}
		f.data = injected
		return f, nil
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		f, err := decodeClouds(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		f.path = p
		return f, nil
	}
	return nil, nil
}

// decodeClouds uses the decoder and types clouds.Parse uses, so that both
// agree on which entries exist. The file is parsed once: each entry is decoded
// as clouds.Parse reads it and for the OIDC fields it does not read
// (cloudsEntry). A file with an error goes through decodeCloudsTwice, so that
// the error is the one the two decodes give.
func decodeClouds(data []byte) (*cloudsFile, error) {
	var c struct {
		Clouds map[string]cloudsEntry `yaml:"clouds"`
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		return decodeCloudsTwice(data)
	}
	f := &cloudsFile{entries: make(map[string]clouds.Cloud, len(c.Clouds)), oidc: make(map[string]oidcSettings, len(c.Clouds))}
	for name, e := range c.Clouds {
		f.entries[name], f.oidc[name] = e.cloud, e.oidc
	}
	if c.Clouds == nil {
		// As clouds.Clouds decodes a file without entries.
		f.entries = nil
	}
	return f, nil
}

// cloudsEntry is one entry of clouds.yaml decoded twice from its one parse: into
// clouds.Cloud, and for its auth section's OIDC fields.
type cloudsEntry struct {
	cloud clouds.Cloud
	oidc  oidcSettings
}

func (e *cloudsEntry) UnmarshalYAML(unmarshal func(any) error) error {
	if err := unmarshal(&e.cloud); err != nil {
		return err
	}
	var o struct {
		Auth oidcSettings `yaml:"auth"`
	}
	err := unmarshal(&o)
	e.oidc = o.Auth
	return err
}

// decodeCloudsTwice is decodeClouds in two decodes of the file, the first as
// clouds.Parse decodes it: its errors name clouds.Parse's types.
func decodeCloudsTwice(data []byte) (*cloudsFile, error) {
	var c clouds.Clouds
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, err
	}
	var o struct {
		Clouds map[string]struct {
			Auth oidcSettings `yaml:"auth"`
		} `yaml:"clouds"`
	}
	if err := yaml.Unmarshal(data, &o); err != nil {
		return nil, err
	}
	f := &cloudsFile{entries: c.Clouds, oidc: map[string]oidcSettings{}}
	for name, e := range o.Clouds {
		f.oidc[name] = e.Auth
	}
	return f, nil
}

// parseCloud returns the credentials, endpoint options and TLS settings of
// entry name through clouds.Parse, reading the same file as f (and the
// secure.yaml next to it). opts override the entry; OS_CACERT, OS_CERT and
// OS_KEY are read through getenv.
func parseCloud(f *cloudsFile, name string, getenv func(string) string, opts ...clouds.ParseOption) (gophercloud.AuthOptions, gophercloud.EndpointOpts, *tls.Config, error) {
	// clouds.Parse dereferences the entry's auth section unchecked.
	if e := f.entries[name]; e.AuthInfo == nil {
		return gophercloud.AuthOptions{}, gophercloud.EndpointOpts{}, nil, fmt.Errorf("the entry has no auth section")
	}
	src := clouds.WithLocations(f.path)
	if f.path == "" {
		src = clouds.WithCloudsYAML(bytes.NewReader(f.data))
	}
	all := append([]clouds.ParseOption{src, clouds.WithCloudName(name),
		clouds.WithCACertPath(getenv("OS_CACERT")),
		clouds.WithClientCertPath(getenv("OS_CERT")), clouds.WithClientKeyPath(getenv("OS_KEY"))}, opts...)
	return clouds.Parse(all...)
}

// parseEnv turns an openrc's OS_* variables into what parseCloud returns,
// by handing them to clouds.Parse as overrides of an empty entry: one set of
// rules for both sources. openstack.AuthOptionsFromEnv is not used: it
// ignores OS_USER_DOMAIN_NAME and OS_PROJECT_DOMAIN_*, which every Keystone
// v3 openrc sets, and cannot read an injected environment.
func parseEnv(getenv func(string) string, region string) (gophercloud.AuthOptions, gophercloud.EndpointOpts, *tls.Config, error) {
	first := func(names ...string) string {
		for _, n := range names {
			if v := getenv(n); v != "" {
				return v
			}
		}
		return ""
	}
	f := &cloudsFile{data: []byte("clouds: {environment: {auth: {}}}"),
		entries: map[string]clouds.Cloud{"environment": {AuthInfo: &clouds.AuthInfo{}}}}
	return parseCloud(f, "environment", getenv,
		clouds.WithIdentityEndpoint(getenv("OS_AUTH_URL")),
		clouds.WithToken(getenv("OS_TOKEN")),
		clouds.WithUsername(getenv("OS_USERNAME")),
		clouds.WithUserID(first("OS_USER_ID", "OS_USERID")),
		clouds.WithPassword(getenv("OS_PASSWORD")),
		clouds.WithApplicationCredentialID(getenv("OS_APPLICATION_CREDENTIAL_ID")),
		clouds.WithApplicationCredentialName(getenv("OS_APPLICATION_CREDENTIAL_NAME")),
		clouds.WithApplicationCredentialSecret(getenv("OS_APPLICATION_CREDENTIAL_SECRET")),
		clouds.WithProjectName(first("OS_PROJECT_NAME", "OS_TENANT_NAME")),
		clouds.WithProjectID(first("OS_PROJECT_ID", "OS_TENANT_ID")),
		// The same precedence clouds.Parse gives the domain fields of an
		// entry.
		clouds.WithDomainID(first("OS_USER_DOMAIN_ID", "OS_PROJECT_DOMAIN_ID", "OS_DOMAIN_ID")),
		clouds.WithDomainName(first("OS_USER_DOMAIN_NAME", "OS_PROJECT_DOMAIN_NAME", "OS_DOMAIN_NAME")),
		clouds.WithRegion(region),
		clouds.WithEndpointType(getenv("OS_INTERFACE")),
	)
}

// customTLS reports whether cfg changes anything from Go's defaults:
// clouds.Parse always returns a config, and replacing the transport for
// nothing would cost each site its own connection pool.
func customTLS(cfg *tls.Config) bool {
	return cfg != nil && (cfg.RootCAs != nil || cfg.InsecureSkipVerify || len(cfg.Certificates) > 0)
}

// describeNames lists clouds.yaml entry names for messages.
func describeNames(ns []string) string {
	if len(ns) == 0 {
		return "no entries"
	}
	q := make([]string, len(ns))
	for i, n := range ns {
		q[i] = fmt.Sprintf("%q", n)
	}
	return "entries " + strings.Join(q, ", ")
}
