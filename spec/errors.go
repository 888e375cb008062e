package spec

import (
	"errors"
	"fmt"
	"sort"
	"strings"
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

// sort orders the list by position, then path and message, and drops exact duplicates
// (the same mistake reached through two schema branches).
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
	out := l[:0]
	for i, e := range l {
		if i > 0 && *e == *l[i-1] {
			continue
		}
		out = append(out, e)
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
