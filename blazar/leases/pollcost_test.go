package leases

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
)

// BenchmarkPollCost is the measurement behind apply's rule for waits (apply/wait.go): what a
// client pays, in CPU, to see one lease by a GET, and to see it in a list of 1,000 leases
// (ListKeep keeping that one). The ratio of the two is how many listed leases one GET is
// worth. The server answers from memory, so its share is small and the same for both.
func BenchmarkPollCost(b *testing.B) {
	list := benchList(b, 1000)
	i := bytes.Index(list, []byte(`{"created_at"`))
	j := bytes.Index(list[i:], []byte(`]}, {"created_at"`))
	one := append(append([]byte(`{"lease": `), list[i:i+j+2]...), '}')
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/leases") {
			w.Write(list)
			return
		}
		w.Write(one)
	}))
	defer srv.Close()
	c := &gophercloud.ServiceClient{ProviderClient: &gophercloud.ProviderClient{HTTPClient: *srv.Client()}, Endpoint: srv.URL + "/"}
	ctx := context.Background()
	for k, name := range []string{"get", "list1000"} {
		b.Run(name, func(b *testing.B) {
			cpu := cpuTime()
			for b.Loop() {
				if k == 0 {
					if _, err := Get(ctx, c, "x").Extract(); err != nil {
						b.Fatal(err)
					}
					continue
				}
				if _, err := ListKeep(ctx, c, func(id, _ string) Need { return Scalars }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
		})
	}
}
