package blazar

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gophercloud/gophercloud/v2"
)

// Kind classifies a failed call for retry decisions and messages.
type Kind int

// The kinds of Error. Other is the zero value: a status none of the others
// describes.
const (
	Other        Kind = iota
	NotFound          // 404: the lease (or host, ...) does not exist, or is not visible to this project
	Conflict          // 409, or Blazar's 500 "Invalid lease status." while a lease is transitional
	Invalid           // other 4xx: the request was wrong (dates, parameters, formats)
	Forbidden         // 403: policy or Chameleon enforcement refused
	Unauthorized      // 401: the token was refused
	Capacity          // "Not enough ... available" (Blazar answers 500, sometimes 400)
	Transient         // 408, 429, 502, 503, 504, and broken or refused connections: worth retrying
	Internal          // other 5xx
)

var kindNames = [...]string{"other", "not found", "conflict", "invalid", "forbidden", "unauthorized", "capacity", "transient", "internal"}

// String returns a short lower-case name of the kind.
func (k Kind) String() string {
	if int(k) >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Error is the one error type of this client. It is built from the body of a
// failed response (or from a broken connection), so that Error() is the
// server's own message.
type Error struct {
	// StatusCode is the HTTP status; 0 when no response arrived or when the
	// error comes from a client-side lookup (NetworkIDByName).
	StatusCode int
	// Code is the code the body carried (error_code, error, error.code);
	// usually equal to StatusCode.
	Code int
	// Name is error_name or the Keystone title as sent. Blazar repeats the
	// numeric code here, so do not rely on it.
	Name string
	// Message is the server's message, shown to users as is.
	Message string
	// Kind classifies the failure.
	Kind Kind
	// RetryAfter is the server's Retry-After (429, 503), 0 if absent.
	RetryAfter time.Duration
	// Method and URL identify the request, when known.
	Method, URL string
	// RequestID is the x-openstack-request-id header, for support requests.
	RequestID string
	// Err is the underlying error (the gophercloud or transport error).
	Err error
}

// Error returns the server's own message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the underlying gophercloud or transport error.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether repeating the same call may succeed: a transient failure, but
// not a host name that does not resolve (DNS answered: it will not resolve a second later)
// nor a TLS certificate the client refuses.
func (e *Error) Retryable() bool {
	return e.Kind == Transient && !noSuchHost(e.Err) && !badCertificate(e.Err)
}

func badCertificate(err error) bool {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	var he x509.HostnameError
	var rh tls.RecordHeaderError
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &ci) || errors.As(err, &he) || errors.As(err, &rh)
}

// Retryable reports whether err is (or converts to) an *Error worth repeating.
func Retryable(err error) bool {
	e, ok := AsError(err)
	return ok && e.Retryable()
}

func noSuchHost(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

// Unreachable reports whether err is a connection that could not be made at all (refused,
// or a host name that does not resolve), and the endpoint it was for ("https://host:port",
// "" when unknown). The server never saw the request.
func Unreachable(err error) (endpoint string, ok bool) {
	var de *net.DNSError
	if !errors.Is(err, syscall.ECONNREFUSED) && !errors.As(err, &de) {
		return "", false
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
			return u.Scheme + "://" + u.Host, true
		}
	}
	if de != nil && de.Name != "" {
		return de.Name, true
	}
	return "", true
}

// AsError returns err as an *Error: either one already in err's chain, or
// one converted from a gophercloud ErrUnexpectedResponseCode or a transport
// failure found in it (so errors from a raw pagination.Pager work too).
func AsError(err error) (*Error, bool) {
	if err == nil {
		return nil, false
	}
	var be *Error
	if errors.As(err, &be) {
		return be, true
	}
	e := convert(err)
	return e, e != nil
}

// IsKind reports whether err is (or converts to) an *Error of kind k.
func IsKind(err error, k Kind) bool {
	e, ok := AsError(err)
	return ok && e.Kind == k
}

// ConvertError turns gophercloud's ErrUnexpectedResponseCode (also inside its
// re-authentication wrappers) and transport failures into *Error. nil stays
// nil; context cancellation and any other error are returned unchanged.
func ConvertError(err error) error {
	if err == nil {
		return nil
	}
	if e, ok := AsError(err); ok {
		return e
	}
	return err
}

func convert(err error) *Error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	var reauth *gophercloud.ErrUnableToReauthenticate
	if errors.As(err, &reauth) {
		msg := "the token was refused and re-authentication failed"
		if reauth.ErrReauth != nil {
			if inner, ok := AsError(reauth.ErrReauth); ok {
				if inner.Kind == Transient || inner.Kind == Internal {
					// Keystone was busy or failing, not refusing the credentials: as
					// retryable as the inner failure, and not blamed on the credentials.
					return &Error{StatusCode: inner.StatusCode, Code: inner.Code, Kind: inner.Kind, RetryAfter: inner.RetryAfter,
						Message: "the token expired and renewing it failed: " + inner.Message, Err: err}
				}
				msg += ": " + inner.Message
			}
		}
		return &Error{StatusCode: http.StatusUnauthorized, Code: http.StatusUnauthorized, Message: msg, Kind: Unauthorized, Err: err}
	}
	var code gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &code) {
		return fromCode(code, err)
	}
	var pcode *gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &pcode) && pcode != nil {
		return fromCode(*pcode, err)
	}
	if isTransportFailure(err) {
		return &Error{Message: "connection failed: " + err.Error(), Kind: Transient, Err: err}
	}
	return nil
}

func fromCode(c gophercloud.ErrUnexpectedResponseCode, err error) *Error {
	e := FromResponse(c.Actual, c.ResponseHeader, c.Body)
	e.Method, e.URL, e.Err = c.Method, c.URL, err
	return e
}

func isTransportFailure(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe)
}

// now is replaced in tests that parse HTTP-date Retry-After values.
var now = time.Now

var capacityRE = regexp.MustCompile(`(?i)not enough .*available`)

// FromResponse builds an *Error from a failed response's status, headers and
// body, whatever shape the body has: Blazar's {"error_code", "error_message",
// "error_name"}, werkzeug's {"error": code, "error_message"},
// keystonemiddleware's {"error": {"code", "title", "message"}}, Neutron's
// {"NeutronError": {"type", "message"}}, or no JSON at all.
func FromResponse(status int, header http.Header, body []byte) *Error {
	e := &Error{StatusCode: status, Code: status}
	parseBody(e, body)
	if e.Message == "" {
		text := strings.TrimSpace(string(body))
		if text != "" && len(text) < 300 && !strings.HasPrefix(text, "<") && !strings.HasPrefix(text, "{") {
			e.Message = text
		} else {
			e.Message = fmt.Sprintf("%s (HTTP %d)", http.StatusText(status), status)
		}
	}
	e.Kind = classify(status, e.Message)
	if header != nil {
		e.RequestID = header.Get("X-Openstack-Request-Id")
		e.RetryAfter = parseRetryAfter(header.Get("Retry-After"))
	}
	return e
}

func parseBody(e *Error, body []byte) {
	var raw map[string]json.RawMessage
	if json.Unmarshal(body, &raw) != nil {
		return
	}
	str := func(m json.RawMessage) string {
		var s string
		if json.Unmarshal(m, &s) == nil {
			return s
		}
		var n json.Number
		if json.Unmarshal(m, &n) == nil {
			return n.String()
		}
		return ""
	}
	num := func(m json.RawMessage) int {
		n, _ := strconv.Atoi(str(m))
		return n
	}
	if m, ok := raw["error_message"]; ok {
		e.Message = str(m)
		if c, ok := raw["error_code"]; ok && num(c) != 0 {
			e.Code = num(c)
		} else if c, ok := raw["error"]; ok && num(c) != 0 {
			e.Code = num(c)
		}
		if n, ok := raw["error_name"]; ok {
			e.Name = str(n)
		}
		return
	}
	for _, key := range []string{"error", "NeutronError"} {
		if m, ok := raw[key]; ok {
			var inner struct {
				Code    json.RawMessage `json:"code"`
				Title   string          `json:"title"`
				Type    string          `json:"type"`
				Message string          `json:"message"`
			}
			if json.Unmarshal(m, &inner) == nil {
				e.Message = inner.Message
				e.Name = inner.Title + inner.Type
				if c := num(inner.Code); c != 0 {
					e.Code = c
				}
				return
			}
		}
	}
	if m, ok := raw["message"]; ok {
		e.Message = str(m)
	}
}

func classify(status int, message string) Kind {
	if capacityRE.MatchString(message) {
		return Capacity
	}
	switch {
	case status == http.StatusUnauthorized:
		return Unauthorized
	case status == http.StatusForbidden:
		return Forbidden
	case status == http.StatusNotFound:
		return NotFound
	case status == http.StatusConflict:
		return Conflict
	case status == http.StatusRequestTimeout, status == http.StatusTooManyRequests,
		status == http.StatusBadGateway, status == http.StatusServiceUnavailable,
		status == http.StatusGatewayTimeout:
		return Transient
	case status == http.StatusInternalServerError && strings.HasPrefix(message, "Invalid lease status"):
		// The lease is STARTING/UPDATING/...: the same call works once it settles.
		return Conflict
	case status >= 400 && status < 500:
		return Invalid
	case status >= 500 && status < 600:
		return Internal
	}
	return Other
}

func parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now()); d > 0 {
			return d
		}
	}
	return 0
}

// Hints returned by HintFor; exported so callers and tests can recognise them.
const (
	// HintUnrestrictedAppCred explains Blazar's bare 500 on lease creation.
	HintUnrestrictedAppCred = "a bare 500 on lease creation usually means Keystone refused Blazar a trust from an application credential: " +
		"authenticate with a password instead (auth_type: password in clouds.yaml, or OS_AUTH_TYPE=password), which always works; " +
		"since Keystone's 2025 change Blazar cannot make a trust from any application credential, and before it only from an unrestricted one " +
		"(openstack application credential create --unrestricted NAME)"
	// HintChameleonForbidden explains a 403 from Blazar on Chameleon.
	HintChameleonForbidden = "Chameleon needs an unrestricted application credential " +
		"(openstack application credential create --unrestricted NAME) and a project with an active allocation to manage leases"
	// HintMaxDuration explains Chameleon's lease length limits.
	HintMaxDuration = "Chameleon limits leases to 7 days; a lease can be extended only within 48 hours of its end"
	// HintUnauthorized explains a refused token.
	HintUnauthorized = "the credentials for this site were refused: check the clouds.yaml entry or the OS_* variables"
	// HintCapacity explains a refused reservation.
	HintCapacity = "the resources are not free for the whole window: choose another time, fewer resources, or check the site's lease calendar"
	// HintTransient explains an overloaded or unreachable service.
	HintTransient = "the service is busy or unreachable; running the command again usually works"
	// HintNeutron explains a failure of the floating IP network lookup.
	HintNeutron = "the network service (Neutron) failed while looking up the floating IP network; it is not about the credentials: try again in a few minutes"
	// HintNoAnswer explains a call that timed out.
	HintNoAnswer = "the service did not answer in time: check that the endpoint is the right one and reachable from here, or try again later"
	// HintRetryLater explains a Retry-After longer than leasefile waits.
	HintRetryLater = "the service asked to be retried later than leasefile waits: try again later, or give a longer -timeout"
)

// HintFor returns a remedy for err, or "" when there is none. op is the
// operation that failed: "create", "update", "delete", "get", "list" or
// "network" (the Neutron lookup of a floating IP network); a bare 500 is only
// blamed on the credential for "create".
func HintFor(err error, op string) string {
	var na *NoAnswerError
	if errors.As(err, &na) {
		return HintNoAnswer
	}
	e, ok := AsError(err)
	if !ok {
		return ""
	}
	if op == "network" && (e.Kind == Internal || e.Kind == Transient) {
		return HintNeutron
	}
	switch e.Kind {
	case Internal:
		if op == "create" && e.StatusCode == http.StatusInternalServerError &&
			(e.Message == "Internal Server Error" || strings.HasPrefix(e.Message, http.StatusText(500))) {
			return HintUnrestrictedAppCred
		}
	case Forbidden, Invalid:
		if strings.Contains(e.Message, "maximum lease duration") || strings.Contains(e.Message, "can only be extended within") {
			return HintMaxDuration
		}
		// Only a policy refusal is about credentials; Blazar's other 403s (a before-end date
		// outside the lease, a lease too long) say what is wrong themselves.
		if e.Kind == Forbidden && strings.HasPrefix(e.Message, "Policy doesn't allow") {
			return HintChameleonForbidden
		}
	case Unauthorized:
		return HintUnauthorized
	case Capacity:
		return HintCapacity
	case Transient:
		if ep, ok := Unreachable(e); ok {
			return UnreachableHint(ep)
		}
		var ra *RetryAfterError
		if errors.As(err, &ra) {
			return HintRetryLater
		}
		return HintTransient
	}
	return ""
}

// UnreachableHint is the remedy for a connection that could not be made to endpoint.
func UnreachableHint(endpoint string) string {
	if endpoint == "" {
		endpoint = "the endpoint"
	}
	return endpoint + " is unreachable (connection refused, or the host name does not resolve): " +
		"check the URL (auth_url, OS_AUTH_URL, or the endpoint in the service catalog), the network, and that the service is running"
}
