package spec_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/spec"
)

// benchSites spreads generated leases over the three default sites.
var benchSites = []string{"CHI@UC", "CHI@TACC", "CHI@Edge"}

// writeLease appends lease i of a generated Leasefile: nodes (every fourth with a floating
// IP) at the bare-metal sites, a device at CHI@Edge, each in its own two-hour window.
func writeLease(b *strings.Builder, i int) {
	site := benchSites[i%3]
	start := time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC).Add(time.Duration(i/3) * 2 * time.Hour)
	fmt.Fprintf(b, "  l%04d:\n    site: %s\n    start: %q\n    duration: 1h\n    reservations:\n",
		i, site, start.Format("2006-01-02 15:04"))
	if site == "CHI@Edge" {
		b.WriteString("      boards:\n        type: device\n        count: 1\n        machine_name: raspberrypi4-64\n")
		return
	}
	b.WriteString("      nodes:\n        type: node\n        count: 1\n        node_type: compute_skylake\n")
	if i%4 == 0 {
		b.WriteString("      ip:\n        type: floating_ip\n")
	}
}

// genLeasefile returns a valid Leasefile declaring the leases first..first+n-1.
func genLeasefile(first, n int) []byte {
	var b strings.Builder
	b.WriteString("version: 1\nname_prefix: bench-\nleases:\n")
	for i := first; i < first+n; i++ {
		writeLease(&b, i)
	}
	return []byte(b.String())
}

var noEnv = spec.Options{LookupEnv: func(string) (string, bool) { return "", false }}

// BenchmarkValidate1000 parses and validates one 1,000-lease Leasefile (DESIGN.md §7: under
// 100 ms), and, as the one-at-a-time baseline, the same 1,000 leases as 1,000 one-lease
// files validated one after the other, the way a script calling python-chi or the openstack
// CLI per lease checks each lease on its own. It reports both times and their ratio.
func BenchmarkValidate1000(b *testing.B) {
	const n = 1000
	whole := genLeasefile(0, n)
	single := make([][]byte, n)
	for i := range single {
		single[i] = genLeasefile(i, 1)
	}
	defer spec.WithoutVerdictCheck()()
	b.SetBytes(int64(len(whole)))
	b.ReportAllocs()
	var batch, one time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		f, err := spec.Parse("Leasefile", whole, noEnv)
		batch += time.Since(start)
		if err != nil || len(f.Leases) != n {
			b.Fatalf("parse: %v", err)
		}
		b.StopTimer()
		start = time.Now()
		for _, src := range single {
			if _, err := spec.Parse("Leasefile", src, noEnv); err != nil {
				b.Fatalf("parse one: %v", err)
			}
		}
		one += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(batch.Seconds()/float64(b.N), "s/leasefile")
	b.ReportMetric(one.Seconds()/float64(b.N), "s/one-at-a-time")
	b.ReportMetric(one.Seconds()/batch.Seconds(), "speedup")
}

// BenchmarkParse1000 is spec.Parse alone on the generated 1,000-lease Leasefile, the part of
// every plan the parser owns, with its allocations.
func BenchmarkParse1000(b *testing.B) {
	defer spec.WithoutVerdictCheck()()
	whole := genLeasefile(0, 1000)
	b.SetBytes(int64(len(whole)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := spec.Parse("Leasefile", whole, noEnv); err != nil {
			b.Fatal(err)
		}
	}
}
