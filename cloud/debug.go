package cloud

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxTraceBody bounds how much of a body a trace shows.
const maxTraceBody = 16 << 10

const redacted = "<redacted>"

// sensitiveHeaders carry credentials; their values never reach a trace.
var sensitiveHeaders = map[string]bool{
	"X-Auth-Token":        true,
	"X-Subject-Token":     true,
	"X-Service-Token":     true,
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	"Set-Cookie":          true,
}

type debugTransport struct {
	w    io.Writer
	mu   *sync.Mutex
	next http.RoundTripper
	now  func() time.Time
}

// DebugTransport returns a RoundTripper that writes each request and
// response (method, URL, status, headers, bodies) to w before passing them
// on to next (nil: http.DefaultTransport). Tokens, passwords and secrets are
// redacted: the X-Auth-Token, X-Subject-Token and similar headers, and JSON
// members whose names contain "password", "secret" or "token" (not OpenID
// Connect metadata such as token_endpoint), and OAuth2 device codes. Each
// exchange is written in one piece, so concurrent sites do not interleave.
func DebugTransport(w io.Writer, next http.RoundTripper) http.RoundTripper {
	return &debugTransport{w: w, mu: new(sync.Mutex), next: next, now: time.Now}
}

func (t *debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		req.ContentLength = int64(len(b))
	}
	var buf strings.Builder
	fmt.Fprintf(&buf, "> %s %s\n", req.Method, redactURL(req.URL))
	writeHeaders(&buf, "> ", req.Header)
	writeBody(&buf, "> ", reqBody)

	start := t.now()
	resp, err := next.RoundTrip(req)
	elapsed := t.now().Sub(start).Round(time.Millisecond)
	if err != nil {
		fmt.Fprintf(&buf, "< error after %v: %s\n\n", elapsed, redactText(err.Error()))
		t.write(buf.String())
		return nil, err
	}
	fmt.Fprintf(&buf, "< %s (%v)\n", resp.Status, elapsed)
	writeHeaders(&buf, "< ", resp.Header)
	if resp.Body != nil {
		b, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		writeBody(&buf, "< ", b)
		if rerr != nil {
			fmt.Fprintf(&buf, "< body read error: %v\n", rerr)
			resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), errReader{rerr}))
		}
	}
	buf.WriteString("\n")
	t.write(buf.String())
	return resp, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func (t *debugTransport) write(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	io.WriteString(t.w, s)
}

func writeHeaders(buf *strings.Builder, prefix string, h http.Header) {
	for _, k := range slices.Sorted(maps.Keys(h)) {
		v := strings.Join(h[k], ", ")
		if sensitiveHeaders[http.CanonicalHeaderKey(k)] {
			v = redacted
		}
		fmt.Fprintf(buf, "%s%s: %s\n", prefix, k, v)
	}
}

func writeBody(buf *strings.Builder, prefix string, b []byte) {
	if len(bytes.TrimSpace(b)) == 0 {
		return
	}
	text := redactBody(b)
	if len(text) > maxTraceBody {
		text = text[:maxTraceBody] + fmt.Sprintf("... (%d bytes)", len(text))
	}
	for line := range strings.SplitSeq(strings.TrimRight(text, "\n"), "\n") {
		buf.WriteString(prefix + line + "\n")
	}
}

func sensitiveKey(k string) bool {
	k = strings.ToLower(k)
	switch {
	case k == "device_code":
		// An OAuth2 device code can be traded for tokens.
		return true
	case strings.HasSuffix(k, "_endpoint") || strings.HasSuffix(k, "_supported") ||
		strings.HasSuffix(k, "_type") || strings.HasSuffix(k, "expires_in"):
		// OpenID Connect metadata and token-response fields that describe tokens
		// (token_endpoint, token_type, refresh_expires_in) and never hold one.
		return false
	}
	return strings.Contains(k, "password") || strings.Contains(k, "secret") ||
		strings.Contains(k, "token") || strings.Contains(k, "passcode")
}

// redactBody redacts a JSON body structurally, or any other body textually.
func redactBody(b []byte) string {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err == nil && !dec.More() {
		var out bytes.Buffer
		enc := json.NewEncoder(&out)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(redactJSON(v, false)); err == nil {
			return strings.TrimSuffix(out.String(), "\n")
		}
	}
	return redactText(string(b))
}

// redactJSON replaces the scalar values of sensitive members. Inside a
// sensitive object (Keystone's {"token": {"id": ...}}) ids are secrets too.
func redactJSON(v any, inSecret bool) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			secret := sensitiveKey(k) || (inSecret && strings.EqualFold(k, "id"))
			switch val.(type) {
			case map[string]any, []any:
				out[k] = redactJSON(val, secret)
			default:
				if secret && val != nil {
					out[k] = redacted
				} else {
					out[k] = val
				}
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			switch val.(type) {
			case map[string]any, []any:
				out[i] = redactJSON(val, inSecret)
			default:
				if inSecret && val != nil {
					out[i] = redacted
				} else {
					out[i] = val
				}
			}
		}
		return out
	}
	return v
}

// The secret patterns are compiled on first use, not at package init: only --debug traces
// use them, and every process would pay for them.
var (
	jsonSecretRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)("[^"]*(?:password|secret|token|passcode|device_code)[^"]*"\s*:\s*)"(?:[^"\\]|\\.)*"`)
	})
	formSecretRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)((?:password|secret|token|passcode|device_code)[a-z_]*=)[^&\s]+`)
	})
)

func redactText(s string) string {
	s = jsonSecretRE().ReplaceAllString(s, `$1"`+redacted+`"`)
	return formSecretRE().ReplaceAllString(s, "${1}"+redacted)
}

func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		if _, ok := c.User.Password(); ok {
			c.User = url.UserPassword(c.User.Username(), "REDACTED")
		}
	}
	q := c.Query()
	changed := false
	for k := range q {
		if sensitiveKey(k) {
			q[k] = []string{"REDACTED"}
			changed = true
		}
	}
	if changed {
		c.RawQuery = q.Encode()
	}
	return c.String()
}
