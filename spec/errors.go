package spec

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Pos is a position in the Leasefile, 1-based like editors show it.
type Pos struct {
	Line, Col int
}

// Error is one problem in a Leasefile, positioned so an editor can jump to it.
type Error struct {
	File string
	Pos  Pos
	Path string // dotted path of the field, "" for the whole document
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: ", e.File, e.Pos.Line, e.Pos.Col)
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in one Leasefile, sorted by position.
type ErrorList []*Error

func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// maxErrors is the most problems one run lists: past it, a file was made to produce them.
const maxErrors = 200

// sort orders the list by position, then path and message, and drops duplicates: the same
// mistake reached through two schema branches, or through several aliases of one node (same
// position and message, other path). A list longer than maxErrors ends with a count of the rest.
func (l ErrorList) sort() ErrorList {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Msg < b.Msg
	})
	type at struct {
		pos Pos
		msg string
	}
	seen := map[at]bool{}
	out := l[:0]
	for _, e := range l {
		if seen[at{e.Pos, e.Msg}] {
			continue
		}
		seen[at{e.Pos, e.Msg}] = true
		out = append(out, e)
	}
	if len(out) > maxErrors {
		rest := out[maxErrors]
		n := len(out) - maxErrors
		out = append(out[:maxErrors], &Error{File: rest.File, Pos: rest.Pos, Msg: fmt.Sprintf("and %d more problems", n)})
	}
	return out
}

// Collect gathers problems found after parsing: every positioned *Error among errs (joined
// errors are looked into) goes into one ErrorList sorted by position, joined with the other
// errors if any. nil when errs holds none.
func Collect(errs ...error) error {
	var list ErrorList
	var other []error
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		var l ErrorList
		switch e := err.(type) {
		case *Error:
			list = append(list, e)
			return
		case ErrorList:
			l = e
		case interface{ Unwrap() []error }:
			for _, u := range e.Unwrap() {
				walk(u)
			}
			return
		}
		if l != nil {
			list = append(list, l...)
			return
		}
		var pe *Error
		if errors.As(err, &pe) {
			list = append(list, pe)
			return
		}
		other = append(other, err)
	}
	for _, err := range errs {
		walk(err)
	}
	if len(list) == 0 {
		return errors.Join(other...)
	}
	list = list.sort()
	if len(other) == 0 {
		return list
	}
	return errors.Join(append([]error{list}, other...)...)
}

// maxQuoted is how much of a value a message quotes: enough to recognise it, never a
// megabyte of it.
const maxQuoted = 120

// clip returns s, or its first maxQuoted bytes (whole runes) followed by "...".
func clip(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	return s[:prefixLen(s)] + "..."
}

// prefixLen is the length of the longest prefix of s of at most maxQuoted bytes that ends
// between runes.
func prefixLen(s string) int {
	cut := min(maxQuoted, len(s))
	for cut > 0 && cut < len(s) && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return cut
}

// quote is %q of s, clipped: a long value shows as "its first bytes"... (N bytes).
func quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%s... (%d bytes)", strconv.Quote(s[:prefixLen(s)]), len(s))
}
