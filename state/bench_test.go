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

// BenchmarkLoad1000 is what every plan pays to read its state: the load of a file of 1,000
// leases shaped as the plan benchmark's (three sites, one lease in six with a second
// reservation, about 500 KB).
func BenchmarkLoad1000(b *testing.B) {
	path := filepath.Join(b.TempDir(), "leasefile.state.json")
	if err := benchState(1000).Save(path); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := state.Load(path); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// benchState is a state of n leases shaped as the plan benchmark's.
func benchState(n int) *state.File {
	f := state.New()
	sites := []string{"CHI@UC", "CHI@TACC", "CHI@Edge"}
	for _, s := range sites {
		f.SetSite(s, state.Identity{AuthURL: "http://127.0.0.1:46423/" + s + "/identity/v3",
			ProjectID: "ec352e7277f6f7153305b9966ee6348c", UserID: "96a2ffbec0f7ad073f719eea6c036f05"})
	}
	f.Leasefile = "Leasefile"
	t := time.Date(2027, 1, 4, 8, 0, 0, 0, time.UTC)
	for i := range n {
		res := map[string]state.Reservation{"nodes": {ID: fmt.Sprintf("d86d3c9d-2a64-400a-9d5f-%012d", i), ResourceType: "physical:host"}}
		if i%6 == 0 {
			res["ip"] = state.Reservation{ID: fmt.Sprintf("21220fc1-45a0-4517-a227-%012d", i), ResourceType: "virtual:floatingip"}
		}
		f.SetLease(fmt.Sprintf("l%04d", i), &state.Lease{ID: fmt.Sprintf("476669f4-2a7a-4bd0-9be3-%012d", i),
			Name: fmt.Sprintf("bench-l%04d", i), Site: sites[i%3], Status: "PENDING", Start: t, End: t.Add(time.Hour),
			UpdatedAt: "2027-01-01 08:00:00", Reservations: res, CreatedAt: t.Add(-72 * time.Hour)})
	}
	return f
}
