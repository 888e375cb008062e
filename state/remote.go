package state

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// What a remote Backend needs of a File: it stores bytes, the package keeps the format.

// Decode reads a state from r (at most MaxFileBytes, as ReadBounded) as Load reads a file.
func Decode(r io.Reader) (*File, error) {
	data, err := ReadBounded(r)
	if err != nil {
		return nil, err
	}
	return decode(data)
}

// Stored is what a remote Backend's Read returns for the bytes it holds at location: a new
// state (existed false) when it holds none (nil), else the state they decode to.
func Stored(location string, data []byte) (f *File, existed bool, err error) {
	if data == nil {
		return New(), false, nil
	}
	if f, err = Decode(bytes.NewReader(data)); err != nil {
		return nil, false, fmt.Errorf("state %s: %w", location, err)
	}
	return f, true, nil
}

// Version is the next version of a state, ready to be stored: Data with Serial.
type Version struct {
	Data    []byte
	Serial  int64
	content []byte
}

// Next returns the next version of f (its serial bumped, in the file's form), or nil when
// f's content did not change since it was read or last written: there is nothing to write.
// Once Data is stored, Written records it in f.
func (f *File) Next() (*Version, error) {
	if f.Lineage == "" {
		return nil, errors.New("save state: no lineage (make states with state.New)")
	}
	content, err := f.canonical(0)
	if err != nil {
		return nil, err
	}
	f.settle()
	if f.baseline != nil && bytes.Equal(content, f.baseline) {
		return nil, nil
	}
	serial := f.Serial + 1
	return &Version{Data: indented(withSerial(content, serial)), Serial: serial, content: content}, nil
}

// Written records that v, from f.Next, is stored.
func (f *File) Written(v *Version) {
	f.settle() // the snap stays what it was read as
	f.Serial = v.Serial
	f.FormatVersion = FormatVersion
	f.baseline = v.content
}

// CheckSuccessor returns a *ConflictError when the stored state (its bytes; nil for none) at
// location has another lineage than f or a serial above f's, so that writing f would lose
// what another run wrote. Bytes that are not a state are no conflict.
func CheckSuccessor(location string, stored []byte, f *File) error {
	return checkSuccessor(location, stored, f)
}

// ForCopy returns a copy of f to write to another backend keeping f's lineage and serial:
// a backend's Write stores it with f's own serial (its bump lands there). The target's
// check refuses a state of another lineage, or one whose serial is f's or higher.
func (f *File) ForCopy() *File {
	c := f.Clone()
	c.baseline, c.pending = nil, nil
	c.Serial--
	return c
}
