package emulator_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
)

// BenchmarkListHandler is the emulator's GET /leases for a project holding 100 and 1,000
// leases (one host each, in two-hour windows one after the other): what every plan's list
// costs the emulator (docs/benchmarks.md).
func BenchmarkListHandler(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("leases=%d", n), func(b *testing.B) {
			v := newEnv(b, emulator.Config{})
			token := v.login("CHI@UC", emulator.DemoUser)
			for i := range n {
				start := t0.Add(72*time.Hour + time.Duration(i)*2*time.Hour)
				v.create("CHI@UC", token, hostLease(fmt.Sprintf("bench-%04d", i), start.Format("2006-01-02 15:04"),
					start.Add(time.Hour).Format("2006-01-02 15:04"), "compute_skylake", 1))
			}
			req, err := http.NewRequest("GET", v.blazar("CHI@UC")+"/leases", nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Accept", "application/json")
			req.Header.Set("X-Auth-Token", token)
			b.ReportAllocs()
			size := 0
			for b.Loop() {
				res, err := http.DefaultClient.Do(req)
				if err != nil || res.StatusCode != 200 {
					b.Fatalf("list: %v %v", err, res)
				}
				nb, _ := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				size = int(nb)
			}
			b.ReportMetric(float64(size)/(1<<20), "list-MB")
		})
	}
}
