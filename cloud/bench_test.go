package cloud

import (
	"context"
	"testing"
)

// BenchmarkConnect is a plan's connect phase: a fresh Resolver authenticates to three of the
// emulator's sites from its clouds.yaml.
func BenchmarkConnect(b *testing.B) {
	srv := startEmulator(b)
	yaml := srv.CloudsYAML()
	sites := []string{"CHI@UC", "CHI@TACC", "CHI@Edge"}
	b.ReportAllocs()
	for b.Loop() {
		r := &Resolver{Env: envMap(), CloudsYAML: yaml}
		for _, name := range sites {
			if _, err := r.Connect(context.Background(), name); err != nil {
				b.Fatal(err)
			}
		}
	}
}
