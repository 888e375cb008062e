package reliability

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Proxy stands between leasefile and the emulator to inject what `emulator serve --fault`
// cannot: a fault with a chosen Retry-After, at a point of the run chosen by a rule. It keeps
// the Host header, so the Keystone catalog points clients back through it.
type Proxy struct {
	URL string

	srv  *http.Server
	mu   sync.Mutex
	rule func(r *http.Request) *injected
}

// injected is the answer a rule gives instead of the emulator's.
type injected struct {
	status     int
	retryAfter string
}

// StartProxy serves a proxy to the emulator at target; rule (called under a lock, in order)
// returns the fault to answer with, or nil to pass the request on.
func StartProxy(target string, rule func(r *http.Request) *injected) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{URL: "http://" + ln.Addr().String(), rule: rule}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.Out.Host = r.In.Host
	}}
	p.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		f := p.rule(r)
		p.mu.Unlock()
		if f == nil {
			rp.ServeHTTP(w, r)
			return
		}
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte(`{"error_code": 429, "error_message": "Too many requests", "error_name": "TooManyRequests"}`))
	})}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// Close stops the proxy.
func (p *Proxy) Close() { _ = p.srv.Close() }

// via rewrites an OS_AUTH_URL of the emulator to go through the proxy.
func (p *Proxy) via(authURL string) string {
	u, err := url.Parse(authURL)
	if err != nil {
		return authURL
	}
	pu, _ := url.Parse(p.URL)
	u.Host = pu.Host
	return u.String()
}

// retryAfterDuringWait answers the first lease list after a create with 429 and a
// Retry-After of secs: a wait poll told to come back long after the run's -timeout.
func retryAfterDuringWait(secs string) func(r *http.Request) *injected {
	created, done := false, false
	return func(r *http.Request) *injected {
		isLeases := strings.HasSuffix(r.URL.Path, "/reservation/v1/leases")
		switch {
		case isLeases && r.Method == http.MethodPost:
			created = true
		case isLeases && r.Method == http.MethodGet && created && !done:
			done = true
			return &injected{status: http.StatusTooManyRequests, retryAfter: secs}
		}
		return nil
	}
}
