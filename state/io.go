package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// ErrNewerFormat is wrapped by the error Load returns for a state written by
// a newer leasefile.
var ErrNewerFormat = errors.New("state format is newer than this leasefile")

// testOnlyBeforeRename, when set, runs after the temporary file is written
// and before it replaces the state; an error aborts the save.
var testOnlyBeforeRename func(tmp string) error

// Load reads the state file at path. A missing file is an error that
// satisfies errors.Is(err, fs.ErrNotExist); see LoadOrNew.
func Load(path string) (*File, error) {
	r, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	defer r.Close()
	f, err := readDecode(r)
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	if f.journaled, err = replayJournal(path, f); err != nil {
		return nil, err
	}
	if f.journaled {
		f.pending = nil // the content is the file's and the journal's
		if f.baseline, err = f.canonical(0); err != nil {
			return nil, err
		}
		f.snap = f.content()
	}
	return f, nil
}

// LoadOrNew reads the state file at path, or returns New() and existed=false
// when there is none yet.
func LoadOrNew(path string) (f *File, existed bool, err error) {
	f, err = Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return New(), false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return f, true, nil
}

// decode reads a state from data; its baseline and snap are made from data when first
// needed (File.settle).
func decode(data []byte) (*File, error) { return decodeText(string(data)) }

// decodeText is decode of the state's text, which it keeps for settle.
func decodeText(data string) (*File, error) {
	f, err := decodeContent(data)
	if err != nil {
		return nil, err
	}
	if f.unencodable() {
		// What settle would meet: say it now, as for any state that cannot be saved.
		if _, err := f.canonical(0); err != nil {
			return nil, err
		}
	}
	f.pending = &pending{data: data, snap: true}
	return f, nil
}

// decodeContent reads the content of a state from data, without baseline or snap.
func decodeContent(data string) (*File, error) {
	f, ok := decodeFast(data)
	if !ok || f.FormatVersion < 1 || f.FormatVersion > FormatVersion {
		b := []byte(data)
		// ReadBounded's check, which readDecode leaves to here.
		if err := checkDepth(b); err != nil {
			return nil, err
		}
		var err error
		if f, err = decodeJSON(b); err != nil {
			return nil, err
		}
	}
	if f.Lineage == "" {
		return nil, errors.New("no lineage")
	}
	for k, l := range f.Leases {
		if l == nil {
			return nil, fmt.Errorf("lease %q is null", k)
		}
	}
	if f.Sites == nil {
		f.Sites = map[string]Identity{}
	}
	if f.Leases == nil {
		f.Leases = map[string]*Lease{}
	}
	// A file of an older format is upgraded in memory and written in the
	// current one on the next Save.
	f.FormatVersion = FormatVersion
	f.normalize()
	return f, nil
}

// decodeJSON is the decode of data by encoding/json (what decodeFast must agree with), its
// format version checked first so that a newer format is told as such, not as a type error.
func decodeJSON(data []byte) (*File, error) {
	var probe struct {
		FormatVersion *int `json:"format_version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, jsonError(data, err)
	}
	switch {
	case probe.FormatVersion == nil:
		return nil, errors.New("not a leasefile state (no format_version)")
	case *probe.FormatVersion > FormatVersion:
		return nil, fmt.Errorf("%w: the file has format version %d, this leasefile reads up to version %d; upgrade leasefile",
			ErrNewerFormat, *probe.FormatVersion, FormatVersion)
	case *probe.FormatVersion < 1:
		return nil, fmt.Errorf("invalid format_version %d", *probe.FormatVersion)
	}
	f := &File{}
	if err := json.Unmarshal(data, f); err != nil {
		return nil, jsonError(data, err)
	}
	return f, nil
}

// unencodable reports whether a time of f, in UTC, is one JSON cannot hold (a year outside
// 0 to 9999, as encoding/json's Time.MarshalJSON refuses): the only content canonical fails on.
func (f *File) unencodable() bool {
	bad := func(t time.Time) bool { y := t.UTC().Year(); return y < 0 || y > 9999 }
	for _, l := range f.Leases {
		if bad(l.Start) || bad(l.End) || bad(l.CreatedAt) {
			return true
		}
	}
	for _, in := range f.Intents {
		if bad(in.Time) || bad(in.Sent) {
			return true
		}
	}
	return false
}

// jsonError adds a line and column to JSON errors that carry an offset, and
// says where a good copy may be.
func jsonError(data []byte, err error) error {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off < 0 {
		return fmt.Errorf("corrupt JSON: %v; the previous copy is in the .backup file", err)
	}
	line, col := lineCol(data, int(off))
	return fmt.Errorf("corrupt JSON at line %d, column %d: %v; the previous copy is in the .backup file", line, col, err)
}

// normalize puts times in UTC (dropping monotonic readings) so equal states
// encode to equal bytes, and drops what may carry a secret from auth URLs (a
// state written before PublicURL existed).
func (f *File) normalize() {
	for name, s := range f.Sites {
		if u := PublicURL(s.AuthURL); u != s.AuthURL {
			s.AuthURL = u
			f.Sites[name] = s
		}
	}
	for _, l := range f.Leases {
		l.Start, l.End, l.CreatedAt = utc(l.Start), utc(l.End), utc(l.CreatedAt)
	}
	for i := range f.Intents {
		f.Intents[i].Time = utc(f.Intents[i].Time)
		f.Intents[i].Sent = utc(f.Intents[i].Sent)
	}
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// canonical encodes f's content compactly with the given serial, times in UTC: what Save
// compares to tell whether anything changed.
func (f *File) canonical(serial int64) ([]byte, error) {
	c := f.Clone()
	c.normalize()
	c.Serial = serial
	c.FormatVersion = FormatVersion
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	return b, nil
}

// indented is the file form of canonical JSON: indented for people reading diffs.
func indented(compact []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(compact) * 2)
	_ = json.Indent(&b, compact, "", "  ") // compact came from json.Marshal
	b.WriteByte('\n')
	return b.Bytes()
}

// Save writes f to path if its content changed since it was last loaded or
// saved, bumping Serial; otherwise it does nothing. On error the file at path
// and f are left as they were.
func (f *File) Save(path string) error { return f.save(path, nil) }

// save is Save with a check of the file it replaces (nil when there is none) run first.
func (f *File) save(path string, check func(old []byte) error) error {
	if f.Lineage == "" {
		return errors.New("save state: no lineage (make states with state.New)")
	}
	content, err := f.canonical(0)
	if err != nil {
		return err
	}
	if f.unchanged(content) {
		return nil
	}
	return f.writeFull(path, f.Serial+1, content, check)
}

// unchanged reports whether content, f's canonical JSON, is what f was last loaded or saved
// as (or, after a journal save, the content that save recorded).
func (f *File) unchanged(content []byte) bool {
	f.settle()
	if f.baseline != nil {
		return bytes.Equal(content, f.baseline)
	}
	if r, ok := f.diff(); ok {
		return r.empty()
	}
	return false
}

// writeFull writes f's canonical content with serial to path, the file it replaces kept as
// the backup, after check (see save).
func (f *File) writeFull(path string, serial int64, content []byte, check func(old []byte) error) error {
	removeLeftovers(path)
	// Only the serial differs from content: patch it in rather than encode the state again.
	data := indented(withSerial(content, serial))
	old, err := os.ReadFile(path)
	if check != nil && (err == nil || errors.Is(err, fs.ErrNotExist)) {
		if err := check(old); err != nil {
			return err
		}
	}
	switch {
	case err == nil:
		if err := WriteAtomic(path+".backup", old); err != nil {
			return fmt.Errorf("save state backup: %w", err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("save state: %w", err)
	}
	if err := WriteAtomic(path, data); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	f.Serial = serial
	f.FormatVersion = FormatVersion
	f.baseline, f.pending = content, nil
	f.snap = f.content()
	return nil
}

// removeLeftovers deletes the temporary files a save killed before its rename left beside
// the state and its backup (WriteAtomic names them after the file). Saves run under the
// state lock, so none of them belongs to a save in progress.
func removeLeftovers(path string) {
	for _, target := range []string{path, path + ".backup"} {
		dir, base := filepath.Split(target)
		if dir == "" {
			dir = "."
		}
		left, _ := filepath.Glob(filepath.Join(dir, tempPrefix(base)+"*"))
		for _, p := range left {
			os.Remove(p)
		}
	}
}

// tempPrefix is how the temporary files of WriteAtomic for a file named base start.
func tempPrefix(base string) string { return "." + base + ".tmp-" }

// withSerial returns compact canonical JSON whose serial is 0 with the serial set instead.
// The serial is a top-level field that encoding/json writes before any lease or intent, so
// its first occurrence is the one to replace.
func withSerial(content []byte, serial int64) []byte {
	return bytes.Replace(content, []byte(`"serial":0`), []byte(fmt.Sprintf(`"serial":%d`, serial)), 1)
}

// WriteAtomic replaces path with data, mode 0600, so that a reader or a crash sees the old
// content or the new, never a mix. The CLI writes saved plans with it too.
func WriteAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, tempPrefix(base)+"*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if testOnlyBeforeRename != nil {
		if err := testOnlyBeforeRename(tmp.Name()); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes the rename durable. Windows cannot fsync a directory; its
// rename is durable enough there.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
