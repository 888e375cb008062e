package spec

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStateBlock(t *testing.T) {
	const leases = "leases:\n  a:\n    site: CHI@UC\n    reservations:\n      n: {type: node, count: 1}\n"
	tests := []struct {
		name, state string
		want        *StateConfig
		err         string
	}{
		{name: "none", want: nil},
		{name: "swift", state: "state: {backend: swift, site: CHI@UC, container: c, key: exp42}\n",
			want: &StateConfig{Backend: "swift", Site: "CHI@UC", Container: "c", Key: "exp42", Pos: Pos{Line: 2, Col: 1}}},
		{name: "swift without lock", state: "state: {backend: swift, site: CHI@UC, container: c, key: k, lock: none}\n",
			want: &StateConfig{Backend: "swift", Site: "CHI@UC", Container: "c", Key: "k", NoLock: true, Pos: Pos{Line: 2, Col: 1}}},
		{name: "http", state: "state: {backend: http, address: 'https://gitlab.example/state', lock_address: 'https://gitlab.example/lock'}\n",
			want: &StateConfig{Backend: "http", Address: "https://gitlab.example/state", LockAddress: "https://gitlab.example/lock", Pos: Pos{Line: 2, Col: 1}}},
		{name: "swift without key", state: "state: {backend: swift, site: CHI@UC, container: c}\n", err: "Leasefile:2:8: state: backend swift needs key"},
		{name: "http with a container", state: "state: {backend: http, address: x, container: c}\n", err: "state.container: backend http has no container"},
		{name: "unknown backend", state: "state: {backend: s3}\n", err: "state.backend"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "version: 1\n" + tt.state + leases
			f, err := Parse("Leasefile", []byte(src), Options{})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, f.State); diff != "" {
				t.Errorf("State (-want +got):\n%s", diff)
			}
			// StateOf reads the same block without a position.
			if diff := cmp.Diff(posless(tt.want), StateOf([]byte(src))); diff != "" {
				t.Errorf("StateOf (-want +got):\n%s", diff)
			}
		})
	}
}

func posless(c *StateConfig) *StateConfig {
	if c == nil {
		return nil
	}
	d := *c
	d.Pos = Pos{}
	return &d
}
