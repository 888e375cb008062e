package leases

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chameleoncloud/leasefile/blazar"
)

// The lease decoder. A plan lists every lease of the project, thousands of them, and keeps the
// details of the few its state tracks, so the list is the hot path of every command: it is
// read as a stream, one lease object at a time (memory holds one object and what is kept),
// and each object is decoded in one pass by the scanner below, without reflection. A lease
// keep wants as Scalars keeps its own fields only: its reservations and events are skipped
// without being decoded; one it drops is skipped from its name on (skipFrom: bracket to
// bracket, most bytes unread). docs/benchmarks.md has the numbers that chose this over
// encoding/json, gophercloud's own types and the fast decoders of the module proxy.
//
// It decodes what encoding/json would into the documented types: ids and counts as strings or
// numbers (wire.String, wire.Int), Blazar's date formats (blazar.ParseTime), every reservation
// key it does not model into Extra as encoding/json's generic values. One difference: keys
// match exactly, as Blazar writes them, where encoding/json also takes "ID" for "id".

// Keep says how much of a lease of the list a caller needs, from its id and name. It may be
// asked more than once about a lease (a lease split across two reads of the answer is decoded
// again), so it must answer alike and count nothing.
type Keep func(id, name string) Need

// Need is how much of a lease Keep asks for.
type Need uint8

const (
	// Drop leaves the lease out of the list: most of its bytes are skipped unread.
	Drop Need = iota
	// Scalars decodes the lease without its reservations and events.
	Scalars
	// Reservations decodes the lease and its reservations, not its events (which plan,
	// apply and output never read).
	Reservations
	// Whole decodes it all.
	Whole
)

// decodeList reads a lease listing ({"leases": [...]}) from r.
func decodeList(r io.Reader, keep Keep) ([]Lease, error) {
	st := &stream{r: r, buf: make([]byte, 0, 64<<10), intern: map[string]string{}}
	out := []Lease{}
	if err := st.expect('{'); err != nil {
		return nil, err
	}
	if c, err := st.peek(); err != nil {
		return nil, err
	} else if c == '}' {
		st.pos++
		if c, err := st.peek(); err == nil {
			return nil, st.errorf("data after the answer: %q", c)
		}
		return out, nil
	}
	for {
		kb, err := st.value()
		if err != nil {
			return nil, err
		}
		var key string
		if err := whole(kb, func(s *scanner) error {
			b, err := s.rawStr()
			key = string(b)
			return err
		}); err != nil {
			return nil, err
		}
		if err := st.expect(':'); err != nil {
			return nil, err
		}
		c, err := st.peek()
		if err != nil {
			return nil, err
		}
		if key != "leases" || c != '[' {
			v, err := st.value()
			if err != nil {
				return nil, err
			}
			if err := whole(v, (*scanner).skip); err != nil {
				return nil, err
			}
			if key == "leases" && string(v) != "null" {
				return nil, st.errorf("want the list of leases, got %.20q", v)
			}
		} else if out, err = st.leases(out[:0], keep); err != nil {
			return nil, err
		}
		c, err = st.peek()
		if err != nil {
			return nil, err
		}
		st.pos++
		switch c {
		case ',':
		case '}':
			if c, err := st.peek(); err == nil {
				return nil, st.errorf("data after the answer: %q", c)
			} else if st.err != io.EOF {
				return nil, err
			}
			return out, nil
		default:
			return nil, st.errorf("want , or } after an object member, got %q", c)
		}
	}
}

// leases reads the array of lease objects, appending each to out. Each object is decoded
// where it lies in the read buffer, in one pass: an object the buffer holds only in part
// fails to decode, and is decoded again once more of the answer is read.
func (st *stream) leases(out []Lease, keep Keep) ([]Lease, error) {
	st.pos++ // '['
	if c, err := st.peek(); err != nil {
		return nil, err
	} else if c == ']' {
		st.pos++
		return out, nil
	}
	// The leases go in chunks, joined at the end: appending to one slice would copy and
	// clear it over and over as it grows.
	const chunk = 512
	var chunks [][]Lease
	cur := make([]Lease, 0, chunk)
	n := len(out)
	for {
		if _, err := st.peek(); err != nil {
			return nil, err
		}
		s := scanner{b: st.buf[st.pos:], intern: st.intern}
		if len(cur) == chunk {
			chunks, cur = append(chunks, cur), make([]Lease, 0, chunk)
		}
		// Decoded in place: a Lease is a few hundred bytes, not worth a copy.
		cur = append(cur, Lease{})
		kept, err := s.lease(&cur[len(cur)-1], keep)
		if err != nil || !kept {
			cur[len(cur)-1] = Lease{}
			cur = cur[:len(cur)-1]
		}
		if err != nil {
			// Read at least as much again before the next try, so that an object longer than
			// the reads costs a few tries, not one per read.
			if need := 2 * (len(st.buf) - st.pos); st.fill() {
				for len(st.buf)-st.pos < need {
					if !st.fill() {
						break
					}
				}
				continue
			}
			return nil, fmt.Errorf("lease %d: %w", n, err)
		}
		st.pos += s.i
		if kept {
			n++
		}
		c, err := st.peek()
		if err != nil {
			return nil, err
		}
		st.pos++
		switch c {
		case ',':
		case ']':
			if len(out) == 0 && len(chunks) == 0 {
				return cur, nil // one chunk: no copy
			}
			out = slices.Grow(out, n-len(out))
			for _, c := range chunks {
				out = append(out, c...)
			}
			return append(out, cur...), nil
		default:
			return nil, st.errorf("want , or ] after a lease, got %q", c)
		}
	}
}

// stream frames the JSON values of a reader: value returns the bytes of the next whole value,
// valid until the next call.
type stream struct {
	r    io.Reader
	buf  []byte
	pos  int   // next unread byte of buf
	read int64 // bytes of r consumed before buf[0]
	err  error // the reader's error, once it gave one
	// intern holds the strings many leases share (statuses, user and project ids).
	intern map[string]string
}

// fill reads more of r after the unread bytes, moving them to the front of buf first.
func (st *stream) fill() bool {
	if st.err != nil {
		return false
	}
	if st.pos > 0 {
		n := copy(st.buf, st.buf[st.pos:])
		st.read += int64(st.pos)
		st.buf, st.pos = st.buf[:n], 0
	}
	if len(st.buf) == cap(st.buf) {
		st.buf = append(st.buf, make([]byte, cap(st.buf))...)[:len(st.buf)]
	}
	n, err := st.r.Read(st.buf[len(st.buf):cap(st.buf)])
	st.buf = st.buf[:len(st.buf)+n]
	if err != nil {
		st.err = err
	}
	return n > 0 || err == nil
}

func (st *stream) errorf(format string, args ...any) error {
	return fmt.Errorf("leases: invalid JSON at byte %d: %s", st.read+int64(st.pos), fmt.Sprintf(format, args...))
}

// eof is the error for a body that ended early.
func (st *stream) eof() error {
	if st.err != nil && st.err != io.EOF {
		return st.err
	}
	return st.errorf("unexpected end of the answer")
}

// peek skips white space and returns the next byte without consuming it.
func (st *stream) peek() (byte, error) {
	for {
		for st.pos < len(st.buf) {
			switch c := st.buf[st.pos]; c {
			case ' ', '\t', '\n', '\r':
				st.pos++
			default:
				return c, nil
			}
		}
		if !st.fill() {
			return 0, st.eof()
		}
	}
}

func (st *stream) expect(want byte) error {
	c, err := st.peek()
	if err != nil {
		return err
	}
	if c != want {
		return st.errorf("want %q, got %q", want, c)
	}
	st.pos++
	return nil
}

// value returns the next whole value, reading until its end. It only finds the end (strings,
// nesting); the scanner checks the rest.
func (st *stream) value() ([]byte, error) {
	c, err := st.peek()
	if err != nil {
		return nil, err
	}
	k := 1 // offset of the next byte to look at, from pos
	depth, inStr, esc := 0, false, false
	switch c {
	case '{', '[':
		depth = 1
	case '"':
		inStr = true
	}
	for {
		for st.pos+k < len(st.buf) {
			if inStr && !esc {
				// Jump to the next quote or backslash (most of a lease's bytes are in strings).
				rest := st.buf[st.pos+k:]
				j := bytes.IndexByte(rest, '"')
				if j < 0 {
					j = len(rest)
				}
				if e := bytes.IndexByte(rest[:j], '\\'); e >= 0 {
					j = e
				}
				if k += j; st.pos+k == len(st.buf) {
					break
				}
			}
			c := st.buf[st.pos+k]
			k++
			switch {
			case inStr:
				if esc {
					esc = false
				} else if c == '\\' {
					esc = true
				} else if c == '"' {
					inStr = false
				}
				if !inStr && depth == 0 {
					return st.take(k), nil
				}
			case depth > 0:
				switch c {
				case '"':
					inStr = true
				case '{', '[':
					depth++
				case '}', ']':
					depth--
					if depth == 0 {
						return st.take(k), nil
					}
				}
			default: // a literal or number ends at a delimiter
				switch c {
				case ',', '}', ']', ' ', '\t', '\n', '\r':
					return st.take(k - 1), nil
				}
			}
		}
		if !st.fill() {
			if depth == 0 && !inStr && st.err == io.EOF {
				return st.take(k), nil
			}
			return nil, st.eof()
		}
	}
}

func (st *stream) take(n int) []byte {
	b := st.buf[st.pos : st.pos+n]
	st.pos += n
	return b
}

// scanner decodes one value held whole in b.
type scanner struct {
	b      []byte
	i      int
	intern map[string]string // nil: no interning
}

func (s *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at byte %d of the object: %s", s.i, fmt.Sprintf(format, args...))
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek skips white space and returns the next byte (0 at the end).
func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) expect(want byte) error {
	if c := s.peek(); c != want {
		return s.errorf("want %q, got %q", want, c)
	}
	s.i++
	return nil
}

// object calls member for each member of an object, with its key (valid during the call);
// member must consume the value.
func (s *scanner) object(member func(key []byte) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		key, err := s.rawStr()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := member(key); err == errDrop {
			return err
		} else if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.errorf("want , or } after an object member")
		}
	}
}

// array calls elem for each element of an array (null is an empty one).
func (s *scanner) array(elem func() error) error {
	if s.literal("null") {
		return nil
	}
	if err := s.expect('['); err != nil {
		return err
	}
	if s.peek() == ']' {
		s.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.errorf("want , or ] after an array element")
		}
	}
}

// literal consumes lit (true, false, null) if it comes next.
func (s *scanner) literal(lit string) bool {
	s.ws()
	if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return true
	}
	return false
}

// rawStr reads a string and returns its bytes, unescaped (a copy only when it had escapes
// or bytes that are not UTF-8, which encoding/json's rules then decode).
func (s *scanner) rawStr() ([]byte, error) {
	if s.peek() != '"' {
		return nil, s.errorf("want a string")
	}
	start := s.i
	s.i++
	if j := s.i + plainEnd(s.b[s.i:]); j < len(s.b) && s.b[j] == '"' {
		s.i = j + 1
		return s.b[start+1 : j], nil
	}
	// simple: ASCII, and escapes of a quote, a backslash or a slash only (a query string
	// such as "[\"==\", \"$node_type\", \"x\"]"), unescaped here; anything else is
	// encoding/json's to decode.
	plain, simple := true, true
	for s.i < len(s.b) {
		c := s.b[s.i]
		s.i++
		switch {
		case c == '"':
			if plain {
				return s.b[start+1 : s.i-1], nil
			}
			if simple {
				return unescapeSimple(s.b[start+1 : s.i-1]), nil
			}
			var v string
			if err := json.Unmarshal(s.b[start:s.i], &v); err != nil {
				return nil, s.errorf("%v", err)
			}
			return []byte(v), nil
		case c == '\\':
			plain = false
			if s.i < len(s.b) {
				if e := s.b[s.i]; e != '"' && e != '\\' && e != '/' {
					simple = false
				}
			}
			s.i++
		case c < 0x20:
			return nil, s.errorf("control character in a string")
		case c >= utf8.RuneSelf:
			plain, simple = false, false
		}
	}
	return nil, s.errorf("unterminated string")
}

// unescapeSimple is the text of a string's bytes b whose only escapes are \", \\ and \/.
func unescapeSimple(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' {
			i++
		}
		out = append(out, b[i])
	}
	return out
}

// plainEnd returns the offset of the first byte of b that is a quote, a backslash, a control
// character or not ASCII (len(b) if none): a string's bytes up to a quote there decode to
// themselves. It looks at eight bytes at a time, in one pass: most strings of a lease are
// short, and a call to find the quote first costs more than the bytes.
func plainEnd(b []byte) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; len(b)-i >= 8; i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q, bs := x^(lo*'"'), x^(lo*'\\')
		// A byte's high bit is set for a zero byte of q or bs, a byte below 0x20, or a byte
		// of 0x80 or more. A borrow can set it falsely only above a byte truly set, so the
		// lowest one set is right.
		if m := ((q-lo)&^q | (bs-lo)&^bs | (x - lo*0x20) | x) & hi; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return i
		}
	}
	return i
}

// str reads a string or null ("").
func (s *scanner) str() (string, error) {
	if s.literal("null") {
		return "", nil
	}
	b, err := s.rawStr()
	return string(b), err
}

// shared reads a string many leases share, interning it (up to a bound, so that memory stays
// with what is kept).
func (s *scanner) shared() (string, error) {
	if s.intern == nil || s.literal("null") {
		return s.str()
	}
	b, err := s.rawStr()
	if err != nil {
		return "", err
	}
	if v, ok := s.intern[string(b)]; ok {
		return v, nil
	}
	v := string(b)
	if len(s.intern) < 1024 {
		s.intern[v] = v
	}
	return v, nil
}

// same reads a string or null as str does, reusing known when it is that string (a
// reservation's or event's lease_id is its lease's id).
func (s *scanner) same(known string) (string, error) {
	if s.literal("null") {
		return "", nil
	}
	b, err := s.rawStr()
	if err == nil && string(b) == known {
		return known, nil
	}
	return string(b), err
}

// key is an object key as a string, interned: reservations repeat the same few.
func (s *scanner) key(b []byte) string {
	if v, ok := s.intern[string(b)]; ok {
		return v
	}
	v := string(b)
	if s.intern != nil && len(s.intern) < 1024 {
		s.intern[v] = v
	}
	return v
}

// token reads a number, true, false or null and returns its text.
func (s *scanner) token() []byte {
	s.ws()
	start := s.i
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r', ':', '"', '{', '[':
			return s.b[start:s.i]
		}
		s.i++
	}
	return s.b[start:s.i]
}

// lenient reads what wire.String accepts: a string, a number (its text) or null ("").
func (s *scanner) lenient() (string, error) {
	if s.peek() == '"' {
		return s.str()
	}
	t := s.token()
	switch string(t) {
	case "null":
		return "", nil
	case "", "true", "false":
		return "", s.errorf("want a string or a number, got %q", t)
	}
	if !isNumber(t) {
		return "", s.errorf("want a string or a number, got %q", t)
	}
	return string(t), nil
}

// integer reads what wire.Int accepts: a number, an int-like string or null (nil).
func (s *scanner) integer() (*int, error) {
	v, err := s.lenient()
	if err != nil || v == "" {
		return nil, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		f, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil || f != float64(int(f)) {
			return nil, s.errorf("want an integer, got %q", v)
		}
		n = int(f)
	}
	return &n, nil
}

// boolean reads true, false or null (false).
func (s *scanner) boolean() (bool, error) {
	switch {
	case s.literal("true"):
		return true, nil
	case s.literal("false"), s.literal("null"):
		return false, nil
	}
	return false, s.errorf("want a boolean")
}

// date reads one of Blazar's dates, or null or "" (the zero time). The two formats Blazar
// writes are read directly; anything else goes through blazar.ParseTime.
func (s *scanner) date() (time.Time, error) {
	b, err := s.rawDate()
	if err != nil || b == nil {
		return time.Time{}, err
	}
	return parseDate(b)
}

// rawDate reads a date's text, nil for null or "".
func (s *scanner) rawDate() ([]byte, error) {
	if s.literal("null") {
		return nil, nil
	}
	b, err := s.rawStr()
	if len(b) == 0 {
		b = nil
	}
	return b, err
}

func parseDate(b []byte) (time.Time, error) {
	if t, ok := fastDate(b); ok {
		return t, nil
	}
	return blazar.ParseTime(string(b))
}

// fastDate parses "2006-01-02T15:04:05.000000" and "2006-01-02 15:04:05" (Blazar's output
// layouts) without time.Parse; ok is false for anything else (time.Parse then decides).
func fastDate(b []byte) (time.Time, bool) {
	if len(b) != 19 && len(b) != 26 {
		return time.Time{}, false
	}
	if b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range b[i : i+n] {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day, hour, minute, sec := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	usec := 0
	if len(b) == 26 {
		if b[19] != '.' {
			return time.Time{}, false
		}
		if usec = num(20, 6); usec < 0 {
			return time.Time{}, false
		}
	}
	// time.Date's normalisation and zone lookup, for a date already checked: the days since
	// 1970 by the civil-calendar formula (years from March, so that leap days come last).
	y, m := year, month-3
	if m < 0 {
		y, m = y-1, m+12
	}
	days := y*365 + y/4 - y/100 + y/400 + (153*m+2)/5 + day - 719469
	return time.Unix(int64(days)*86400+int64(hour*3600+minute*60+sec), int64(usec)*1000).UTC(), true
}

// daysIn is the number of days of month in year.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// skip consumes one value of any kind.
func (s *scanner) skip() error {
	switch s.peek() {
	case '{':
		return s.object(func([]byte) error { return s.skip() })
	case '[':
		return s.array(s.skip)
	case '"':
		_, err := s.rawStr()
		return err
	}
	switch t := s.token(); string(t) {
	case "null", "true", "false":
	default:
		if !isNumber(t) {
			return s.errorf("want a value, got %q", t)
		}
	}
	return nil
}

// isNumber reports whether t is a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isNumber(t []byte) bool {
	i := 0
	digits := func() bool {
		n := i
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
		}
		return i > n
	}
	if i < len(t) && t[i] == '-' {
		i++
	}
	if i < len(t) && t[i] == '0' {
		i++
	} else if !digits() {
		return false
	}
	if i < len(t) && t[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		i++
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(t)
}

// generic reads any value as encoding/json decodes it into an interface{}.
func (s *scanner) generic() (any, error) {
	switch s.peek() {
	case '{':
		m := map[string]any{}
		err := s.object(func(key []byte) error {
			v, err := s.generic()
			m[string(key)] = v
			return err
		})
		return m, err
	case '[':
		a := []any{}
		err := s.array(func() error {
			v, err := s.generic()
			a = append(a, v)
			return err
		})
		return a, err
	case '"':
		return s.str()
	}
	t := s.token()
	switch string(t) {
	case "null":
		return nil, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	f, err := strconv.ParseFloat(string(t), 64)
	if err != nil || !isNumber(t) {
		return nil, s.errorf("want a value, got %q", t)
	}
	return f, nil
}

// lease decodes a lease object; its reservations and events only when keep is nil or asks
// for them. kept is false when keep drops it: as soon as its id and name are known
// (Blazar sends them among the first keys), the rest of the object is skipped unread.
func (s *scanner) lease(l *Lease, keep Keep) (kept bool, err error) {
	var res, evs []byte // the raw arrays, decoded once the id and name are known
	// The dates Blazar sends before the id and name, read once the lease is known kept.
	var created, updated []byte
	seen := 0 // 1: the id, 2: the name, 4: keep asked
	need := Whole
	err = s.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "id":
			l.ID, err = s.str()
			seen |= 1
		case "name":
			l.Name, err = s.str()
			seen |= 2
		case "status":
			l.Status, err = s.shared()
		case "status_reason":
			l.StatusReason, err = s.str()
		case "degraded":
			l.Degraded, err = s.boolean()
		case "user_id":
			l.UserID, err = s.shared()
		case "project_id":
			l.ProjectID, err = s.shared()
		case "start_date":
			l.StartDate, err = s.date()
		case "end_date":
			l.EndDate, err = s.date()
		case "created_at":
			created, err = s.rawDate()
			if err == nil && (keep == nil || seen == 4) {
				l.CreatedAt, err = dateOf(&created)
			}
		case "updated_at":
			updated, err = s.rawDate()
			if err == nil && (keep == nil || seen == 4) {
				l.UpdatedAt, err = updatedOf(&updated)
			}
		case "reservations":
			res, err = s.span(keep == nil)
		case "events":
			evs, err = s.span(keep == nil)
		default:
			err = s.skip()
		}
		if err == nil && seen == 3 && keep != nil {
			seen = 4 // asked once
			if need = keep(l.ID, l.Name); need == Drop {
				return errDrop
			}
		}
		return err
	})
	if err == errDrop {
		end, err := skipFrom(s.b, s.i, '{', 1)
		if err != nil {
			return false, s.errorf("%v", err) // the stream reads more and tries again
		}
		s.i = end
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if keep != nil && seen != 4 {
		if need = keep(l.ID, l.Name); need == Drop {
			return false, nil
		}
	}
	if created != nil {
		if l.CreatedAt, err = dateOf(&created); err != nil {
			return false, fmt.Errorf("created_at: %w", err)
		}
	}
	if updated != nil {
		if l.UpdatedAt, err = updatedOf(&updated); err != nil {
			return false, fmt.Errorf("updated_at: %w", err)
		}
	}
	if need == Scalars {
		return true, nil
	}
	if res != nil && string(res) != "null" {
		l.Reservations = []Reservation{}
		rs := scanner{b: res, intern: s.intern}
		if err := rs.array(func() error {
			var r Reservation
			err := rs.reservation(&r, l.ID)
			l.Reservations = append(l.Reservations, r)
			return err
		}); err != nil {
			return false, fmt.Errorf("reservations: %w", err)
		}
	}
	if evs != nil && string(evs) != "null" && need == Whole {
		l.Events = make([]Event, 0, 3) // Blazar's three: start, end, before end
		es := scanner{b: evs, intern: s.intern}
		if err := es.array(func() error {
			var e Event
			err := es.event(&e, l.ID)
			l.Events = append(l.Events, e)
			return err
		}); err != nil {
			return false, fmt.Errorf("events: %w", err)
		}
	}
	return true, nil
}

// dateOf parses the date text *b read earlier (the zero time for none) and forgets it, so
// that a key sent twice keeps its last value.
func dateOf(b *[]byte) (time.Time, error) {
	if *b == nil {
		return time.Time{}, nil
	}
	t, err := parseDate(*b)
	*b = nil
	return t, err
}

// updatedOf is dateOf for updated_at, nil until the lease is first changed.
func updatedOf(b *[]byte) (*time.Time, error) {
	if *b == nil {
		return nil, nil
	}
	t, err := dateOf(b)
	if err != nil || t.IsZero() {
		return nil, err
	}
	return &t, nil
}

// span skips one value and returns its bytes. Unless check is set, it only finds the end of
// the value (skipNested), as stream.value did: the bytes are checked in full if the lease is
// kept and they are decoded.
func (s *scanner) span(check bool) ([]byte, error) {
	s.ws()
	start := s.i
	if check || s.i >= len(s.b) || (s.b[s.i] != '[' && s.b[s.i] != '{') {
		err := s.skip()
		return s.b[start:s.i], err
	}
	end, err := skipNested(s.b, s.i)
	if err != nil {
		return nil, s.errorf("%v", err) // the stream reads more and tries again
	}
	s.i = end
	return s.b[start:s.i], nil
}

// skipNested returns the offset after the array or object that starts at b[i], finding it
// without looking at most of its bytes: most of a lease is strings, and visiting each of them
// costs more than the bytes do. In valid JSON only the brackets of the value's own kind
// matter (the others balance inside it), so it jumps from one such bracket to the next and
// tells whether a bracket is inside a string by the parity of the quotes before it, counting
// them in bulk; a stretch with a backslash (an escaped quote may hide there) is walked byte by
// byte instead. The bytes are not checked: an unkept lease's reservations are never decoded.
func skipNested(b []byte, i int) (int, error) { return skipFrom(b, i+1, b[i], 1) }

// skipFrom is skipNested from b[at], outside any string, depth brackets deep in a value that
// opened with open.
func skipFrom(b []byte, at int, open byte, depth int) (int, error) {
	closer := open + 2 // '[' ']' and '{' '}' are two apart
	inStr := false     // quotes before at are accounted for; inStr holds at at
	nc := -1           // the next closer at or after at, once found
	for {
		if nc < at {
			j := bytes.IndexByte(b[at:], closer)
			if j < 0 {
				return 0, errUnterminated
			}
			nc = at + j
		}
		q := nc
		if j := bytes.IndexByte(b[at:nc], open); j >= 0 {
			q = at + j
		}
		seg := b[at:q]
		if bytes.IndexByte(seg, '\\') < 0 {
			if bytes.Count(seg, quote)%2 == 1 {
				inStr = !inStr
			}
		} else {
			inStr = walkStrings(seg, inStr)
		}
		at = q + 1
		if inStr {
			continue
		}
		if b[q] == open {
			depth++
		} else if depth--; depth == 0 {
			return at, nil
		}
	}
}

var (
	quote           = []byte{'"'}
	errUnterminated = errors.New("unterminated value")
	errDrop         = errors.New("dropped") // stops the members of a lease keep drops
)

// walkStrings returns whether the end of seg is inside a string, given whether its start is,
// counting quotes in bulk from one backslash to the next: a backslash (in a string, in valid
// JSON) escapes the byte after it, which is inside the string too, even when that byte is the
// one after seg.
func walkStrings(seg []byte, inStr bool) bool {
	for {
		k := bytes.IndexByte(seg, '\\')
		if k < 0 {
			k = len(seg)
		}
		if bytes.Count(seg[:k], quote)%2 == 1 {
			inStr = !inStr
		}
		switch {
		case k == len(seg):
			return inStr
		case inStr:
			seg = seg[min(k+2, len(seg)):]
		default: // not JSON: a backslash outside strings escapes nothing
			seg = seg[k+1:]
		}
	}
}

// reservation decodes a reservation object of the lease leaseID, keeping the keys it does not
// model in Extra.
func (s *scanner) reservation(r *Reservation, leaseID string) error {
	return s.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "id":
			r.ID, err = s.str()
		case "lease_id":
			r.LeaseID, err = s.same(leaseID)
		case "resource_id":
			r.ResourceID, err = s.lenient()
		case "resource_type":
			r.ResourceType, err = s.shared()
		case "status":
			r.Status, err = s.shared()
		case "min":
			r.Min, err = s.integer()
		case "max":
			r.Max, err = s.integer()
		case "resource_properties":
			r.ResourceProperties, err = s.str()
		case "hypervisor_properties":
			r.HypervisorProperties, err = s.str()
		case "before_end":
			r.BeforeEnd, err = s.shared()
		case "network_id":
			r.NetworkID, err = s.str()
		case "amount":
			r.Amount, err = s.integer()
		case "required_floatingips":
			if s.literal("null") {
				r.RequiredFloatingIPs = nil
				return nil
			}
			r.RequiredFloatingIPs = []string{}
			err = s.array(func() error {
				v, err := s.str()
				r.RequiredFloatingIPs = append(r.RequiredFloatingIPs, v)
				return err
			})
		case "missing_resources":
			r.MissingResources, err = s.boolean()
		case "resources_changed":
			r.ResourcesChanged, err = s.boolean()
		default:
			var v any
			if s.peek() == '"' {
				// Most are the dates and policies every reservation repeats.
				var str string
				str, err = s.shared()
				v = str
			} else {
				v, err = s.generic()
			}
			if err == nil {
				if r.Extra == nil {
					r.Extra = make(map[string]any, 4)
				}
				r.Extra[s.key(key)] = v
			}
		}
		return err
	})
}

// event decodes an event object of the lease leaseID.
func (s *scanner) event(e *Event, leaseID string) error {
	return s.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "id":
			e.ID, err = s.str()
		case "lease_id":
			e.LeaseID, err = s.same(leaseID)
		case "event_type":
			e.EventType, err = s.shared()
		case "time":
			e.Time, err = s.date()
		case "status":
			e.Status, err = s.shared()
		case "created_at":
			e.CreatedAt, err = s.date()
		case "updated_at":
			var t time.Time
			if t, err = s.date(); !t.IsZero() {
				e.UpdatedAt = &t
			}
		default:
			err = s.skip()
		}
		return err
	})
}

// whole decodes b with fn and checks that nothing but white space follows.
func whole(b []byte, fn func(*scanner) error) error {
	s := scanner{b: b}
	if err := fn(&s); err != nil {
		return err
	}
	if s.peek() != 0 {
		return s.errorf("data after the value")
	}
	return nil
}

// DecodeList decodes a lease listing read from r, as ListKeep does (for benchmarks and tools
// that hold the bytes).
func DecodeList(r io.Reader, keep Keep) ([]Lease, error) { return decodeList(r, keep) }
