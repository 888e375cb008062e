package state_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/state"
)

// BenchmarkSave is one apply step's save (one lease recorded) through the Store and the local
// file, for states of 100, 1,000 and 10,000 leases: its cost per save is what apply pays per
// create (issue 13.2; docs/benchmarks.md).
func BenchmarkSave(b *testing.B) { benchSave(b, false) }

// BenchmarkSaveLocked is BenchmarkSave as apply runs it, under the lock: the saves after the
// first append to the journal, so their cost should not grow with the state.
func BenchmarkSaveLocked(b *testing.B) { benchSave(b, true) }

func benchSave(b *testing.B, locked bool) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("leases=%d", n), func(b *testing.B) {
			f := state.New()
			t := time.Date(2027, 1, 1, 8, 0, 0, 0, time.UTC)
			for i := range n {
				f.SetLease(fmt.Sprintf("l%05d", i), &state.Lease{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
					Name: fmt.Sprintf("bench-l%05d", i), Site: "CHI@UC", Status: "PENDING", Start: t, End: t.Add(time.Hour),
					CreatedAt: t, Reservations: map[string]state.Reservation{"nodes": {ID: fmt.Sprintf("r%05d", i), ResourceType: "physical:host"}}})
			}
			local := state.NewLocal(filepath.Join(b.TempDir(), "leasefile.state.json"))
			if locked {
				held, err := local.Lock(context.Background(), state.LockInfo{Operation: "bench"}, 0)
				if err != nil {
					b.Fatal(err)
				}
				defer held.Unlock()
			}
			st := state.NewStore(local, f)
			if err := st.Update(func(*state.File) {}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			i := 0
			cpu0 := cpuTime()
			for b.Loop() {
				i++
				if err := st.Update(func(f *state.File) {
					l, _ := f.Lease("l00000")
					c := *l
					c.Status = fmt.Sprintf("S%d", i)
					f.SetLease("l00000", &c)
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}
