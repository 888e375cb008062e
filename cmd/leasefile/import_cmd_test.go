package main

import (
	"context"
	"strings"
	"testing"
)

const importLeasefile = `version: 1
defaults: {site: CHI@UC, duration: 6h}
leases:
  a:
    reservations:
      n: {type: node, node_type: compute_skylake}
  b:
    reservations:
      n: {type: node, count: 2, node_type: compute_skylake}
      ip: {type: floating_ip}
`

// TestRunImport: import's run function records a lease made elsewhere under a Leasefile key,
// and refuses, with what to do, an ID that is none, a key the Leasefile lacks, a lease that
// does not fit the entry, and a lease or key the state already tracks.
func TestRunImport(t *testing.T) {
	w := newTestWorld(t, importLeasefile)
	w.leasefile("apply", "-auto-approve")
	a, b := w.leaseID("a"), w.leaseID("b")
	w.leasefile("state", "rm", "b")
	tests := []struct {
		name string
		o    importOptions
		want string // in the output (success) or in the diagnostics (failure)
		ok   bool
	}{
		{"not a UUID", importOptions{key: "b", id: "nope"}, "error: \"nope\" is not a lease ID\nleasefile: hint: give the lease's UUID", false},
		{"undeclared key", importOptions{key: "c", id: b}, "error: the Leasefile declares no lease \"c\"\nleasefile: hint: add it to the Leasefile first", false},
		{"unknown lease", importOptions{key: "b", id: "6ee55c78-ac52-41a6-99af-2d2d73bcc466"}, "error: no lease 6ee55c78-ac52-41a6-99af-2d2d73bcc466 at CHI@UC", false},
		{"a lease that does not fit", importOptions{key: "b", id: a}, "error: lease " + a + " has 1 reservations (physical:host) but leases.b declares 2 (virtual:floatingip, physical:host)\nleasefile: hint: make the Leasefile entry match the lease", false},
		{"a lease tracked under another key", importOptions{key: "a", id: a}, "error: lease.a is already in the state (lease " + a + ")\nleasefile: hint: run leasefile state rm a first", false},
		{"imported", importOptions{key: "b", id: b}, "Imported lease " + b + " (b, ACTIVE) as lease.b.", true},
		{"imported twice", importOptions{key: "b", id: b}, "error: lease.b is already in the state", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := w.app().runImport(context.Background(), tt.o)
			got := w.out.String()
			if !tt.ok {
				got = errorText(err)
			} else if err != nil {
				t.Fatalf("import: %v", err)
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("got:\n%s\nwant it to contain:\n%s", got, tt.want)
			}
		})
	}
	if out := w.leasefile("plan"); !strings.Contains(out, "No changes.") {
		t.Errorf("plan after import:\n%s", out)
	}
}
