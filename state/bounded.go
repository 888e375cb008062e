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
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > MaxFileBytes {
			return nil, fmt.Errorf("the file is %d bytes: at most %d MiB is read", st.Size(), MaxFileBytes>>20)
		}
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("the file is more than %d MiB: at most that is read", MaxFileBytes>>20)
	}
	if off := tooDeep(data, MaxJSONDepth); off >= 0 {
		line, col := lineCol(data, off)
		return nil, fmt.Errorf("nested more than %d levels deep at line %d, column %d", MaxJSONDepth, line, col)
	}
	return data, nil
}

// tooDeep returns the offset of the first bracket nesting JSON deeper than max, or -1.
func tooDeep(data []byte, max int) int {
	depth, inString, escaped := 0, false, false
	for i, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if depth++; depth > max {
				return i
			}
		case c == '}' || c == ']':
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
