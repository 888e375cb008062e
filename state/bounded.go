package state

import (
	"bytes"
	"fmt"
	"io"
	"os"
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

// readLimited is ReadBounded without the depth check, for readDecode.
func readLimited(r io.Reader) ([]byte, error) {
	var b bytes.Buffer
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			if st.Size() > MaxFileBytes {
				return nil, fmt.Errorf("the file is %d bytes: at most %d MiB is read", st.Size(), MaxFileBytes>>20)
			}
			b.Grow(int(st.Size()) + bytes.MinRead) // read in one go, not grown and copied
		}
	}
	if _, err := b.ReadFrom(io.LimitReader(r, MaxFileBytes+1)); err != nil {
		return nil, err
	}
	data := b.Bytes()
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("the file is more than %d MiB: at most that is read", MaxFileBytes>>20)
	}
	return data, nil
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
// the depth of any other before encoding/json reads it. Its answer is the pair's
// (FuzzDecode), for one pass less over the file of every plan.
func readDecode(r io.Reader) (*File, error) {
	data, err := readLimited(r)
	if err != nil {
		return nil, err
	}
	return decode(data)
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
