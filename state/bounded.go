package state

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
)

// MaxFileBytes is the largest state file or saved plan read: ten thousand leases take about
// 10 MB. A larger file is refused before it is read.
const MaxFileBytes = 32 << 20

// MaxJSONDepth bounds the nesting of a state file or saved plan; neither format nests more
// than eight levels.
const MaxJSONDepth = 32

// ReadBounded reads one JSON file of at most MaxFileBytes from r and checks that it nests no
// deeper than MaxJSONDepth, so that a hostile file costs bounded memory and time. The error
// says what was too large, with a line and column for the depth. Saved plans are read with
// it too.
func ReadBounded(r io.Reader) ([]byte, error) {
	data, err := readLimited(r)
	if err != nil {
		return nil, err
	}
	if err := checkDepth(data); err != nil {
		return nil, err
	}
	return data, nil
}

// readLimited is ReadBounded without the depth check.
func readLimited(r io.Reader) ([]byte, error) {
	var b bytes.Buffer
	if err := readLimitedInto(&b, r); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// readLimitedInto reads at most MaxFileBytes of r into b, in one go when r is a file.
func readLimitedInto(b interface {
	io.Writer
	Grow(int)
	Len() int
}, r io.Reader) error {
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			if st.Size() > MaxFileBytes {
				return fmt.Errorf("the file is %d bytes: at most %d MiB is read", st.Size(), MaxFileBytes>>20)
			}
			b.Grow(int(st.Size()) + bytes.MinRead) // read in one go, not grown and copied
		}
	}
	var err error
	if rf, ok := b.(io.ReaderFrom); ok {
		_, err = rf.ReadFrom(io.LimitReader(r, MaxFileBytes+1))
	} else {
		// A strings.Builder takes what is read through a buffer: a large one, for few reads.
		_, err = io.CopyBuffer(b, io.LimitReader(r, MaxFileBytes+1), make([]byte, 64<<10))
	}
	if err != nil {
		return err
	}
	if b.Len() > MaxFileBytes {
		return fmt.Errorf("the file is more than %d MiB: at most that is read", MaxFileBytes>>20)
	}
	return nil
}

// checkDepth says where data nests deeper than MaxJSONDepth, if it does.
func checkDepth(data []byte) error {
	if off := tooDeep(data, MaxJSONDepth); off >= 0 {
		line, col := lineCol(data, off)
		return fmt.Errorf("nested more than %d levels deep at line %d, column %d", MaxJSONDepth, line, col)
	}
	return nil
}

// readDecode is ReadBounded, then decode, without scanning a state that decodeFast takes for
// its depth: decodeFast reads nothing nested deeper than fastDepth, and decodeContent checks
// the depth of any other before encoding/json reads it. It reads the file straight into the
// text the state's strings are sliced from, not into bytes copied to a string. Its answer
// is the pair's (FuzzDecode), for one pass and one copy less of the file of every plan.
func readDecode(r io.Reader) (*File, error) {
	var b strings.Builder
	if err := readLimitedInto(&b, r); err != nil {
		return nil, err
	}
	return decodeText(b.String())
}

// tooDeep returns the offset of the first bracket nesting JSON deeper than max, or -1. It
// jumps over the text of strings, most of a state: a quote ends one unless an odd run of
// backslashes precedes it.
func tooDeep(data []byte, max int) int {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			for {
				j := bytes.IndexByte(data[i+1:], '"')
				if j < 0 {
					return -1 // the string runs to the end: no bracket after it counts
				}
				i += 1 + j
				k := i - 1
				for data[k] == '\\' {
					k--
				}
				if (i-1-k)%2 == 0 {
					break
				}
			}
		case '{', '[':
			if depth++; depth > max {
				return i
			}
		case '}', ']':
			depth--
		}
	}
	return -1
}

// lineCol is the 1-based line and column of byte offset off.
func lineCol(data []byte, off int) (line, col int) {
	before := data[:min(off, len(data))]
	return bytes.Count(before, []byte("\n")) + 1, len(before) - bytes.LastIndexByte(before, '\n')
}
