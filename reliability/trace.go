package reliability

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// exchange is one HTTP call of a --debug trace.
type exchange struct {
	method, path string
	status       int  // 0 when the call failed without an answer
	failed       bool // no answer: a dropped connection, a reset
}

var (
	traceReq  = regexp.MustCompile(`^> ([A-Z]+) (\S+)$`)
	traceResp = regexp.MustCompile(`^< (\d{3}) `)
	traceErr  = regexp.MustCompile(`^< error after `)
)

// parseTrace reads the exchanges of a `leasefile --debug` stderr. Each exchange is written in
// one piece (cloud.DebugTransport), so a request line is followed by its own answer.
func parseTrace(s string) []exchange {
	var out []exchange
	var cur *exchange
	for _, line := range strings.Split(s, "\n") {
		if m := traceReq.FindStringSubmatch(line); m != nil {
			path := m[2]
			if u, err := url.Parse(m[2]); err == nil {
				path = u.Path
			}
			out = append(out, exchange{method: m[1], path: path})
			cur = &out[len(out)-1]
			continue
		}
		if cur == nil {
			continue
		}
		if m := traceResp.FindStringSubmatch(line); m != nil {
			cur.status, _ = strconv.Atoi(m[1])
			cur = nil
		} else if traceErr.MatchString(line) {
			cur.failed = true
			cur = nil
		}
	}
	return out
}

// faulted reports whether an exchange is an injected fault: no answer, an expired token, a
// rate limit or a server error.
func (x exchange) faulted() bool {
	return x.failed || x.status == 401 || x.status == 429 || x.status >= 500
}

// traceStats counts the faults a run met and its retries: calls sent again (same method
// and path) after a faulted one.
func traceStats(s string) (faults, retries int) {
	xs := parseTrace(s)
	for i, x := range xs {
		if !x.faulted() {
			continue
		}
		faults++
		for _, y := range xs[i+1:] {
			if y.method == x.method && y.path == x.path {
				retries++
				break
			}
		}
	}
	return faults, retries
}
