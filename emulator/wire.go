package emulator

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Wire formats. Blazar serialises datetimes with a fixed 6-digit fraction
// (python-chi and the CLI parse them with %f) and created_at/updated_at
// without a T (python-chi parses them with "%Y-%m-%d %H:%M:%S").
const (
	blazarDate    = "2006-01-02T15:04:05.000000"
	blazarStamp   = "2006-01-02 15:04:05"
	inputDate     = "2006-01-02 15:04"
	keystoneDate  = "2006-01-02T15:04:05.000000Z"
	neutronDate   = "2006-01-02T15:04:05Z"
	unauthMessage = "The request you have made requires authentication."
)

// kv and omap give ordered JSON objects: reservations and hosts have
// type-dependent keys and we keep Blazar's key order for readers diffing
// responses by eye.
type kv struct {
	K string
	V any
}

type omap []kv

func (m omap) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := appendJSON(&b, m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// appendJSON writes v as JSON. Ordered maps, lists and the scalars the wire shapes use are
// written directly: going through json.Marshal for every nested omap re-validated each level
// again, which made listing 10,000 leases cost seconds. Anything else falls back to it.
func appendJSON(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case omap:
		b.WriteByte('{')
		for i, p := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			appendString(b, p.K)
			b.WriteByte(':')
			if err := appendJSON(b, p.V); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, el := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := appendJSON(b, el); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			appendString(b, k)
			b.WriteByte(':')
			if err := appendJSON(b, v[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case string:
		appendString(b, v)
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int:
		b.WriteString(strconv.Itoa(v))
	case nil:
		b.WriteString("null")
	default:
		enc, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.Write(enc)
	}
	return nil
}

// appendString writes s as a JSON string, escaped as encoding/json escapes it.
func appendString(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= 0x80 {
			enc, _ := json.Marshal(s)
			b.Write(enc)
			return
		}
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}

func stamp(t time.Time) string { return t.UTC().Format(blazarStamp) }

func bdate(t time.Time) string { return t.UTC().Format(blazarDate) }

func newUUID() string { return uuid.NewString() }

// hexID returns a 32-hex-digit id (Keystone's format) that is stable for a
// given seed, so user and project ids survive restarts of a file-backed
// emulator.
func hexID(seed string) string {
	s := md5.Sum([]byte(seed))
	return hex.EncodeToString(s[:])
}

// stableUUID is a dashed UUID derived from a seed: Neutron objects that
// exist only while a reservation is active keep the same id across reads.
func stableUUID(seed string) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte(seed)).String()
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func requestID() string { return "req-" + uuid.NewString() }

// apiError is a Blazar error: the body is {"error_code", "error_message",
// "error_name"} with error_name repeating the numeric code, except for
// the unexpected exceptions Blazar's internal_error answers, named by Name.
type apiError struct {
	Status int
	Msg    string
	Name   string
}

func (e *apiError) Error() string { return e.Msg }

func blazarErr(status int, format string, args ...any) *apiError {
	return &apiError{Status: status, Msg: fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	err := appendJSON(&buf, v)
	body := buf.Bytes()
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error_code": 500, "error_message": "Internal Server Error", "error_name": "INTERNAL_SERVER_ERROR"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeBlazarError(w http.ResponseWriter, e *apiError) {
	var name any = e.Status
	if e.Name != "" {
		name = e.Name
	}
	writeJSON(w, e.Status, omap{{"error_code", e.Status}, {"error_message", e.Msg}, {"error_name", name}})
}

// writeWerkzeug answers like Flask does for routing-level errors.
func writeWerkzeug(w http.ResponseWriter, status int) {
	msg := map[int]string{
		400: "The browser (or proxy) sent a request that this server could not understand.",
		404: "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
		405: "The method is not allowed for the requested URL.",
		413: "The data value transmitted exceeds the capacity limit.",
		500: "The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.",
	}[status]
	writeJSON(w, status, omap{{"error", status}, {"error_message", msg}})
}

// writeUnauthorized is keystonemiddleware's answer to a missing, unknown or
// expired token; authURI "" leaves out the WWW-Authenticate header.
func writeUnauthorized(w http.ResponseWriter, authURI string) {
	if authURI != "" {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf("Keystone uri=%q", authURI))
	}
	writeJSON(w, http.StatusUnauthorized, map[string]any{"error": omap{{"code", 401}, {"title", "Unauthorized"}, {"message", unauthMessage}}})
}

// pyRepr renders a decoded JSON value the way Python's repr() would, since
// Blazar interpolates Python objects into some messages.
func pyRepr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		if strings.Contains(x, "'") && !strings.Contains(x, `"`) {
			return `"` + x + `"`
		}
		return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(x) + "'"
	case json.Number:
		return x.String()
	case float64:
		if x == float64(int64(x)) {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyRepr(k) + ": " + pyRepr(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// intLike mirrors oslo's strutils.is_int_like: ints and strings holding an
// int; not floats, not booleans.
func intLike(v any) (int, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := strconv.Atoi(x.String())
		return n, err == nil
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(x))
		return n, err == nil
	case int:
		return x, true
	}
	return 0, false
}

// Request body limits: past maxBodyBytes the answer is 413; a body nested deeper than
// maxBodyDepth is refused as malformed, so no request costs more than its size allows.
const (
	maxBodyBytes = 1 << 20
	maxBodyDepth = 64
)

// request is a decoded Blazar request body. order holds, for each element of "reservations",
// its keys in the order the client sent them: the fork quotes a reservation as a Python dict,
// in that order, in its capacity errors.
type request struct {
	body  map[string]any
	order [][]string
}

// decodeRequest decodes a JSON object body; an empty body is an empty object. Invalid UTF-8
// and nesting past maxBodyDepth are errors, as Python's json would fail on the first (and
// Blazar's own checks would recurse without end on the second).
func decodeRequest(b []byte) (request, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return request{body: map[string]any{}}, nil
	}
	if !utf8.Valid(b) {
		return request{}, fmt.Errorf("body is not UTF-8")
	}
	if jsonDepth(b) > maxBodyDepth {
		return request{}, fmt.Errorf("body nested deeper than %d", maxBodyDepth)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return request{}, err
	}
	if dec.More() {
		return request{}, fmt.Errorf("data after the JSON object")
	}
	if m == nil {
		m = map[string]any{}
	}
	return request{body: m, order: reservationKeyOrder(b)}, nil
}

// jsonDepth is the deepest nesting of arrays and objects in b (strings skipped).
func jsonDepth(b []byte) int {
	depth, most, inStr := 0, 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inStr && c == '\\':
			i++
		case inStr:
			inStr = c != '"'
		case c == '"':
			inStr = true
		case c == '[' || c == '{':
			if depth++; depth > most {
				most = depth
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return most
}

// reservationKeyOrder lists the keys of each "reservations" element of a valid JSON object,
// in order; an element that is not an object has none.
func reservationKeyOrder(b []byte) [][]string {
	var top map[string]json.RawMessage
	if json.Unmarshal(b, &top) != nil {
		return nil
	}
	var list []json.RawMessage
	if json.Unmarshal(top["reservations"], &list) != nil {
		return nil
	}
	out := make([][]string, len(list))
	for i, el := range list {
		dec := json.NewDecoder(bytes.NewReader(el))
		if t, err := dec.Token(); err != nil || t != json.Delim('{') {
			continue
		}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				break
			}
			out[i] = append(out[i], k.(string))
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				break
			}
		}
	}
	return out
}
