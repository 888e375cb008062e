package cloud

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// cloudsFile is a clouds.yaml: where it came from and its entries, with
// secure.yaml already merged in.
type cloudsFile struct {
	path    string // "" when injected
	entries map[string]cloudEntry
}

// cloudEntry is the part of a clouds.yaml entry leasefile uses.
type cloudEntry struct {
	Auth         authInfo `yaml:"auth"`
	AuthType     string   `yaml:"auth_type"`
	RegionName   string   `yaml:"region_name"`
	Interface    string   `yaml:"interface"`
	EndpointType string   `yaml:"endpoint_type"`
	Verify       *bool    `yaml:"verify"`
	CACert       string   `yaml:"cacert"`
	Cert         string   `yaml:"cert"`
	Key          string   `yaml:"key"`
}

// authInfo holds credentials from clouds.yaml or from OS_* variables.
type authInfo struct {
	AuthURL                     string `yaml:"auth_url"`
	Token                       string `yaml:"token"`
	Username                    string `yaml:"username"`
	UserID                      string `yaml:"user_id"`
	Password                    string `yaml:"password"`
	ApplicationCredentialID     string `yaml:"application_credential_id"`
	ApplicationCredentialName   string `yaml:"application_credential_name"`
	ApplicationCredentialSecret string `yaml:"application_credential_secret"`
	ProjectName                 string `yaml:"project_name"`
	ProjectID                   string `yaml:"project_id"`
	UserDomainName              string `yaml:"user_domain_name"`
	UserDomainID                string `yaml:"user_domain_id"`
	ProjectDomainName           string `yaml:"project_domain_name"`
	ProjectDomainID             string `yaml:"project_domain_id"`
	DomainName                  string `yaml:"domain_name"`
	DomainID                    string `yaml:"domain_id"`
}

func (f *cloudsFile) names() []string {
	if f == nil {
		return nil
	}
	var ns []string
	for n := range f.entries {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}

func (f *cloudsFile) describe() string {
	if f.path == "" {
		return "the injected clouds.yaml"
	}
	return f.path
}

// searchPaths returns where clouds.yaml is looked for, in order, as the
// OpenStack clients do.
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
// the search path (nil, nil if there is none).
func loadClouds(injected []byte, paths []string) (*cloudsFile, error) {
	if injected != nil {
		entries, err := parseClouds(injected, nil)
		if err != nil {
			return nil, fmt.Errorf("injected clouds.yaml: %w", err)
		}
		return &cloudsFile{entries: entries}, nil
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		secure, err := os.ReadFile(filepath.Join(filepath.Dir(p), "secure.yaml"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("read secure.yaml next to %s: %w", p, err)
		}
		entries, err := parseClouds(data, secure)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		return &cloudsFile{path: p, entries: entries}, nil
	}
	return nil, nil
}

// parseClouds decodes clouds.yaml, merging secure.yaml's values over it
// (secure.yaml holds the secrets people keep out of clouds.yaml).
func parseClouds(data, secure []byte) (map[string]cloudEntry, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if secure != nil {
		var sec map[string]any
		if err := yaml.Unmarshal(secure, &sec); err != nil {
			return nil, fmt.Errorf("secure.yaml: %w", err)
		}
		doc = merge(sec, doc).(map[string]any)
	}
	merged, err := yaml.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var out struct {
		Clouds map[string]cloudEntry `yaml:"clouds"`
	}
	if err := yaml.Unmarshal(merged, &out); err != nil {
		return nil, err
	}
	return out.Clouds, nil
}

// merge returns over merged onto under: maps recursively, scalars from over
// unless empty.
func merge(over, under any) any {
	om, ok1 := over.(map[string]any)
	um, ok2 := under.(map[string]any)
	if ok1 && ok2 {
		out := make(map[string]any, len(um))
		for k, v := range um {
			out[k] = v
		}
		for k, v := range om {
			if u, ok := out[k]; ok {
				out[k] = merge(v, u)
			} else {
				out[k] = v
			}
		}
		return out
	}
	if over == nil || over == "" {
		return under
	}
	return over
}

// tlsConfig builds the TLS settings of an entry: cacert (OS_CACERT wins, as
// in gophercloud), verify: false, and a client certificate. nil means Go's
// defaults.
func tlsConfig(cacert string, verify *bool, cert, key string) (*tls.Config, error) {
	if cacert == "" && verify == nil && (cert == "" || key == "") {
		return nil, nil
	}
	cfg := &tls.Config{}
	if cacert != "" {
		pem, err := os.ReadFile(expandHome(cacert))
		if err != nil {
			return nil, fmt.Errorf("cacert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("cacert %s holds no PEM certificate", cacert)
		}
		cfg.RootCAs = pool
	}
	if verify != nil && !*verify {
		cfg.InsecureSkipVerify = true
	}
	if cert != "" && key != "" {
		pair, err := tls.LoadX509KeyPair(expandHome(cert), expandHome(key))
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}
