package cloud

import (
	"context"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
)

// BenchmarkConnect is a plan's connect phase: a fresh Resolver authenticates to three of the
// emulator's sites from its clouds.yaml.
func BenchmarkConnect(b *testing.B) {
	srv, err := emulator.Start(emulator.Config{Clock: emulator.NewFakeClock(time.Date(2031, 3, 3, 8, 0, 0, 0, time.UTC))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
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
