package state

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// The fast state decoder. Every plan reads the whole state, a thousand leases or more, and
// encoding/json spends most of that reading in reflection and in scanning the bytes twice
// (once to validate, once to decode): decodeFast reads the state as this package writes it in
// one pass, without reflection, its strings sliced from one copy of the file.
//
// It decodes only what it is sure to decode as encoding/json does, and gives up (ok false) on
// anything else: a key it does not know or meets twice (encoding/json matches keys without
// regard to case and merges repeats), a null, a number that is not a plain integer, a time
// Time.UnmarshalJSON refuses, anything after the value, or a state decode refuses. The caller
// then decodes with encoding/json, which also says what is wrong. (A string with a \u escape
// or invalid UTF-8 is left to encoding/json alone.) So the fast path has no errors of its own;
// TestDecodeFastAgreesWithEncodingJSON and FuzzDecode hold it to encoding/json.

// fastDepth is the deepest decodeFast reads: a reservation's object, in its lease's
// reservations, in its lease, in leases, in the state.
const fastDepth = 5

// fastScanner reads a state held whole in s, what its strings are sliced from.
type fastScanner struct {
	s string
	i int
}

// decodeFast decodes a state file as decodeContent's encoding/json pass does, before the
// checks and the normalisation; ok is false when it cannot tell (see above).
func decodeFast(data string) (*File, bool) {
	sc := &fastScanner{s: data}
	f := &File{}
	version := false
	if !sc.fields(func(key string) (bit uint, ok bool) {
		switch key {
		case "format_version":
			var n int64
			n, ok = sc.integer(strconv.IntSize)
			f.FormatVersion, version = int(n), true
			return 1, ok
		case "lineage":
			f.Lineage, ok = sc.str()
			return 2, ok
		case "serial":
			f.Serial, ok = sc.integer(64)
			return 4, ok
		case "leasefile":
			f.Leasefile, ok = sc.str()
			return 8, ok
		case "sites":
			f.Sites = map[string]Identity{}
			return 16, sc.sites(f.Sites)
		case "leases":
			f.Leases = map[string]*Lease{}
			return 32, sc.leases(f.Leases)
		case "intents":
			f.Intents, ok = sc.intents()
			return 64, ok
		}
		return 0, false
	}) || !version || !sc.end() {
		return nil, false
	}
	return f, true
}

func (sc *fastScanner) ws() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

// next skips white space and consumes c if it comes next.
func (sc *fastScanner) next(c byte) bool {
	sc.ws()
	if sc.i < len(sc.s) && sc.s[sc.i] == c {
		sc.i++
		return true
	}
	return false
}

// end reports whether only white space is left.
func (sc *fastScanner) end() bool {
	sc.ws()
	return sc.i == len(sc.s)
}

// object calls member with the key of each member of an object; member consumes the value.
func (sc *fastScanner) object(member func(key string) bool) bool {
	if !sc.next('{') {
		return false
	}
	if sc.next('}') {
		return true
	}
	for {
		key, ok := sc.str()
		if !ok || !sc.next(':') || !member(key) {
			return false
		}
		if sc.next(',') {
			continue
		}
		return sc.next('}')
	}
}

// fields decodes an object of struct fields: set decodes the value of a known key into its
// field and returns the field's bit, 0 for a key it does not know.
func (sc *fastScanner) fields(set func(key string) (bit uint, ok bool)) bool {
	var seen uint
	return sc.object(func(key string) bool {
		bit, ok := set(key)
		if !ok || bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	})
}

// token returns the next string's bytes, quotes included, whether it has an escape, and
// whether its bytes are valid UTF-8. A control character (invalid JSON) is not ok.
func (sc *fastScanner) token() (start, end int, escaped, valid, ok bool) {
	if !sc.next('"') {
		return 0, 0, false, false, false
	}
	start, ascii := sc.i-1, true
	for j := sc.i; j < len(sc.s); j++ {
		switch c := sc.s[j]; {
		case c == '"':
			sc.i = j + 1
			return start, sc.i, escaped, ascii || utf8.ValidString(sc.s[start+1:j]), true
		case c == '\\':
			escaped = true
			if j++; j == len(sc.s) {
				return 0, 0, false, false, false
			}
		case c < 0x20:
			return 0, 0, false, false, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return 0, 0, false, false, false
}

// str decodes a string: sliced from the file when it has no escape, its one-letter escapes
// replaced when valid UTF-8 has nothing else, else unquoted by encoding/json.
func (sc *fastScanner) str() (string, bool) {
	start, end, escaped, valid, ok := sc.token()
	switch {
	case !ok:
		return "", false
	case !escaped && valid:
		return sc.s[start+1 : end-1], true
	case valid:
		if v, ok := unescape(sc.s[start+1 : end-1]); ok {
			return v, true
		}
	}
	var v string
	if json.Unmarshal([]byte(sc.s[start:end]), &v) != nil {
		return "", false
	}
	return v, true
}

// unescape replaces the one-letter escapes of a string's text (\" \\ \/ \b \f \n \r \t, what
// resource properties are full of); ok is false for any other (\u is encoding/json's).
func unescape(b string) (string, bool) {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++ // token saw that a character follows
		switch b[i] {
		case '"', '\\', '/':
			c = b[i]
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		default:
			return "", false
		}
		out = append(out, c)
	}
	return string(out), true
}

// time decodes a time as encoding/json does: Time.UnmarshalJSON of the string as written.
func (sc *fastScanner) time() (time.Time, bool) {
	var t time.Time
	start, end, _, _, ok := sc.token()
	if !ok || t.UnmarshalJSON([]byte(sc.s[start:end])) != nil {
		return time.Time{}, false
	}
	return t, true
}

// integer decodes a number written as an integer that fits bits.
func (sc *fastScanner) integer(bits int) (int64, bool) {
	sc.ws()
	start := sc.i
	if sc.i < len(sc.s) && sc.s[sc.i] == '-' {
		sc.i++
	}
	digits := sc.i
	for sc.i < len(sc.s) && '0' <= sc.s[sc.i] && sc.s[sc.i] <= '9' {
		sc.i++
	}
	switch {
	case sc.i == digits, sc.s[digits] == '0' && sc.i > digits+1: // no digit, a leading zero
		return 0, false
	case sc.i < len(sc.s) && (sc.s[sc.i] == '.' || sc.s[sc.i] == 'e' || sc.s[sc.i] == 'E'):
		return 0, false
	}
	n, err := strconv.ParseInt(sc.s[start:sc.i], 10, bits)
	return n, err == nil
}

// boolean decodes true or false.
func (sc *fastScanner) boolean() (v, ok bool) {
	sc.ws()
	rest := sc.s[sc.i:]
	switch {
	case len(rest) >= 4 && rest[:4] == "true":
		sc.i += 4
		return true, true
	case len(rest) >= 5 && rest[:5] == "false":
		sc.i += 5
		return false, true
	}
	return false, false
}

func (sc *fastScanner) sites(m map[string]Identity) bool {
	return sc.object(func(name string) bool {
		if _, dup := m[name]; dup {
			return false
		}
		var id Identity
		if !sc.fields(func(key string) (bit uint, ok bool) {
			switch key {
			case "auth_url":
				id.AuthURL, ok = sc.str()
				return 1, ok
			case "project_id":
				id.ProjectID, ok = sc.str()
				return 2, ok
			case "user_id":
				id.UserID, ok = sc.str()
				return 4, ok
			case "local":
				id.Local, ok = sc.boolean()
				return 8, ok
			}
			return 0, false
		}) {
			return false
		}
		m[name] = id
		return true
	})
}

func (sc *fastScanner) leases(m map[string]*Lease) bool {
	return sc.object(func(key string) bool {
		if _, dup := m[key]; dup {
			return false
		}
		l := &Lease{}
		if !sc.fields(func(key string) (bit uint, ok bool) {
			switch key {
			case "id":
				l.ID, ok = sc.str()
				return 1, ok
			case "name":
				l.Name, ok = sc.str()
				return 2, ok
			case "site":
				l.Site, ok = sc.str()
				return 4, ok
			case "status":
				l.Status, ok = sc.str()
				return 8, ok
			case "start":
				l.Start, ok = sc.time()
				return 16, ok
			case "end":
				l.End, ok = sc.time()
				return 32, ok
			case "updated_at":
				l.UpdatedAt, ok = sc.str()
				return 64, ok
			case "reservations":
				l.Reservations = map[string]Reservation{}
				return 128, sc.reservations(l.Reservations)
			case "created_at":
				l.CreatedAt, ok = sc.time()
				return 256, ok
			}
			return 0, false
		}) {
			return false
		}
		m[key] = l
		return true
	})
}

func (sc *fastScanner) reservations(m map[string]Reservation) bool {
	return sc.object(func(key string) bool {
		if _, dup := m[key]; dup {
			return false
		}
		var r Reservation
		if !sc.fields(func(key string) (bit uint, ok bool) {
			switch key {
			case "id":
				r.ID, ok = sc.str()
				return 1, ok
			case "resource_type":
				r.ResourceType, ok = sc.str()
				return 2, ok
			case "network_name":
				r.NetworkName, ok = sc.str()
				return 4, ok
			case "network_description":
				r.NetworkDescription, ok = sc.str()
				return 8, ok
			case "resource_properties":
				r.ResourceProperties, ok = sc.str()
				return 16, ok
			case "before_end":
				r.BeforeEnd, ok = sc.str()
				return 32, ok
			}
			return 0, false
		}) {
			return false
		}
		m[key] = r
		return true
	})
}

func (sc *fastScanner) intents() ([]Intent, bool) {
	if !sc.next('[') {
		return nil, false
	}
	out := []Intent{}
	if sc.next(']') {
		return out, true
	}
	for {
		var in Intent
		if !sc.fields(func(key string) (bit uint, ok bool) {
			switch key {
			case "key":
				in.Key, ok = sc.str()
				return 1, ok
			case "site":
				in.Site, ok = sc.str()
				return 2, ok
			case "name":
				in.Name, ok = sc.str()
				return 4, ok
			case "time":
				in.Time, ok = sc.time()
				return 8, ok
			case "id":
				in.ID, ok = sc.str()
				return 16, ok
			case "unsent":
				in.Unsent, ok = sc.boolean()
				return 32, ok
			case "sent":
				in.Sent, ok = sc.time()
				return 64, ok
			}
			return 0, false
		}) {
			return nil, false
		}
		out = append(out, in)
		if sc.next(',') {
			continue
		}
		return out, sc.next(']')
	}
}
