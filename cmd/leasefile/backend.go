package main

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"

	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/chameleoncloud/leasefile/state/httpstate"
	"github.com/chameleoncloud/leasefile/state/swift"
)

// testOnlySwiftOptions, when set, tunes the Swift backend's lock (a short settle delay).
var testOnlySwiftOptions *swift.Options

// stateConfig is the Leasefile's state: block, nil for the local file. --state and --local
// always use a local file. Commands that do not read the Leasefile (state list,
// force-unlock) read the block alone, so that they work while the rest is broken.
func (s *session) stateConfig() *spec.StateConfig {
	if s.a.statePath != "" || s.a.local || s.specPath == "" {
		return nil
	}
	cfg := (*spec.StateConfig)(nil)
	if s.spec != nil {
		cfg = s.spec.State
	} else if data, err := s.a.readLeasefile(s.specPath); err == nil {
		cfg = spec.StateOf(data)
	}
	if cfg == nil || cfg.Backend == "local" || cfg.Backend == "" {
		return nil
	}
	return cfg
}

// openBackend returns where the state is kept: the Leasefile's remote backend, or the local
// file at s.statePath. A remote backend on a site authenticates to it.
func (s *session) openBackend(ctx context.Context) (state.Backend, error) {
	cfg := s.stateConfig()
	if cfg == nil {
		return state.NewLocal(s.statePath), nil
	}
	switch cfg.Backend {
	case "swift":
		site, err := s.resolver.Connect(ctx, cfg.Site)
		if err != nil {
			return nil, fmt.Errorf("state backend swift: %w", err)
		}
		if site.ObjectStore == nil {
			return nil, &codeError{code: exitError,
				msg:  fmt.Sprintf("state backend swift: site %s has no object store (catalog type object-store) in its catalog", cfg.Site),
				hint: hintNoObjectStore}
		}
		o := swift.Options{Site: cfg.Site, NoLock: cfg.NoLock}
		if testOnlySwiftOptions != nil {
			o.TTL, o.Settle, o.PollInterval = testOnlySwiftOptions.TTL, testOnlySwiftOptions.Settle, testOnlySwiftOptions.PollInterval
		}
		return swift.New(site.ObjectStore, cfg.Container, cfg.Key, o), nil
	case "http":
		// Credentials come from the environment, never the Leasefile (which is committed).
		return httpstate.New(httpstate.Config{
			Address: cfg.Address, LockAddress: cfg.LockAddress, UnlockAddress: cfg.UnlockAddress, NoLock: cfg.NoLock,
			Username: cmp.Or(s.a.getenv("LEASEFILE_HTTP_USERNAME"), s.a.getenv("TF_HTTP_USERNAME")),
			Password: cmp.Or(s.a.getenv("LEASEFILE_HTTP_PASSWORD"), s.a.getenv("TF_HTTP_PASSWORD")),
		}), nil
	}
	return nil, fmt.Errorf("state backend %q is not supported", cfg.Backend)
}

// remoteAnchor is the path a remote state's Leasefile record is relative to: where the
// local state would be, so that every clone records the same Leasefile.
func (s *session) remoteAnchor() string {
	return filepath.Join(filepath.Dir(s.specPath), state.FileNameFor(s.specPath))
}
