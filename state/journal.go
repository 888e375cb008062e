package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// The journal (path + ".journal") makes a Local save cost the size of the change: while a run
// holds the lock, each save after its first appends one line with the entries that changed,
// and fsyncs only that. Load replays the journal over the file; the run's Unlock compacts it
// into the file, so that between runs the file alone holds the whole state.
//
// A line is "CRC32 JSON\n": the IEEE CRC of the JSON in 8 hex digits, then a record. A line
// whose checksum or newline is missing (a save killed mid-append) is ignored, as is a record
// of another lineage or of any serial but the next one: a save killed before its fsync never
// returned, so its change was never relied on, and a compaction killed before it removed the
// journal leaves records the file already holds.

// journalCompactBytes is the size past which a save compacts the journal into the file
// instead of appending, so that replaying it stays cheap and far below MaxFileBytes.
const journalCompactBytes = 4 << 20

// journalPath is the journal of the state file at path.
func journalPath(path string) string { return path + ".journal" }

// record is one journal line: what changed at Serial. Nil fields did not change. Intents
// replaces the whole list; IntentSet and IntentDel then change it by key (set: replaced or
// inserted in key order; del: removed). A run records one intent per create in flight,
// thousands at once: the whole list in every record made each save cost the size of the
// batch, so saves tell the keys changed (intentsTouched).
type record struct {
	Lineage   string               `json:"lineage"`
	Serial    int64                `json:"serial"`
	Set       map[string]*Lease    `json:"set,omitempty"`
	Del       []string             `json:"del,omitempty"`
	Intents   *[]Intent            `json:"intents,omitempty"`
	IntentSet []Intent             `json:"intent_set,omitempty"`
	IntentDel []string             `json:"intent_del,omitempty"`
	Sites     *map[string]Identity `json:"sites,omitempty"`
	Leasefile *string              `json:"leasefile,omitempty"`
}

func (r *record) empty() bool {
	return len(r.Set) == 0 && len(r.Del) == 0 && r.Intents == nil && len(r.IntentSet) == 0 &&
		len(r.IntentDel) == 0 && r.Sites == nil && r.Leasefile == nil
}

// diff is what changed in f since snap, its last loaded or saved content; ok is false when
// it cannot be told as a record (no snap, a null lease).
func (f *File) diff() (r *record, ok bool) {
	f.settle()
	s := f.snap
	if s == nil {
		return nil, false
	}
	r = &record{Lineage: f.Lineage}
	if !f.diffTouched(r) {
		r = &record{Lineage: f.Lineage}
		for k, l := range f.Leases {
			if l == nil {
				return nil, false
			}
			if o := s.Leases[k]; o == nil || !leaseEqual(l, o) {
				if r.Set == nil {
					r.Set = map[string]*Lease{}
				}
				r.Set[k] = l
			}
		}
		for k := range s.Leases {
			if _, ok := f.Leases[k]; !ok {
				r.Del = append(r.Del, k)
			}
		}
	}
	slices.Sort(r.Del)
	if !r.intentsTouched(f, s) && !slices.EqualFunc(f.Intents, s.Intents, intentEqual) {
		in := slices.Clone(f.Intents)
		if in == nil {
			in = []Intent{}
		}
		r.Intents = &in
	}
	if !maps.Equal(f.Sites, s.Sites) {
		sites := maps.Clone(f.Sites)
		if sites == nil {
			sites = map[string]Identity{}
		}
		r.Sites = &sites
	}
	if f.Leasefile != s.Leasefile {
		lf := f.Leasefile
		r.Leasefile = &lf
	}
	return r, true
}

// diffTouched fills r's leases from the touched keys alone; false when they cannot tell
// (not tracked, a null lease, or the count of leases says the map changed otherwise).
func (f *File) diffTouched(r *record) bool {
	s := f.snap
	if f.touched == nil {
		return false
	}
	n := len(s.Leases)
	for k := range f.touched {
		l, in := f.Leases[k]
		o, was := s.Leases[k]
		switch {
		case in && l == nil:
			return false
		case in && (!was || !leaseEqual(l, o)):
			if r.Set == nil {
				r.Set = map[string]*Lease{}
			}
			r.Set[k] = l
			if !was {
				n++
			}
		case !in && was:
			r.Del = append(r.Del, k)
			n--
		}
	}
	return n == len(f.Leases)
}

func leaseEqual(a, b *Lease) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Site == b.Site && a.Status == b.Status &&
		a.Start.Equal(b.Start) && a.End.Equal(b.End) && a.UpdatedAt == b.UpdatedAt &&
		a.CreatedAt.Equal(b.CreatedAt) && maps.Equal(a.Reservations, b.Reservations)
}

// intentsTouched sets r's IntentSet and IntentDel from the intent keys touched since snap
// was made, looked up in both keyed lists; false when they cannot tell (not tracked, or a
// list not keyed, or changed other than by AddIntent and DropIntent), and the record then
// carries the whole list.
func (r *record) intentsTouched(f, snap *File) bool {
	if f.touchedIntents == nil || !f.keyed() || !snap.keyed() {
		return false
	}
	n := len(snap.Intents)
	for _, k := range slices.Sorted(maps.Keys(f.touchedIntents)) {
		i, now := f.intentIndex(k)
		j, was := snap.intentIndex(k)
		switch {
		case now && (!was || !intentEqual(f.Intents[i], snap.Intents[j])):
			r.IntentSet = append(r.IntentSet, f.Intents[i])
			if !was {
				n++
			}
		case !now && was:
			r.IntentDel = append(r.IntentDel, k)
			n--
		}
	}
	if n != len(f.Intents) { // the list changed other than by AddIntent and DropIntent
		r.IntentSet, r.IntentDel = nil, nil
		return false
	}
	return true
}

func intentEqual(a, b Intent) bool {
	return a.Key == b.Key && a.Site == b.Site && a.Name == b.Name && a.ID == b.ID &&
		a.Unsent == b.Unsent && a.Time.Equal(b.Time) && a.Sent.Equal(b.Sent)
}

// apply makes the record's change to f (and to snap, when it is f's snapshot, with copies).
func (r *record) apply(f *File, copies bool) {
	if f.Leases == nil {
		f.Leases = map[string]*Lease{}
	}
	for k, l := range r.Set {
		if copies {
			l = l.clone()
		}
		f.Leases[k] = l
	}
	for _, k := range r.Del {
		delete(f.Leases, k)
	}
	if r.Intents != nil {
		f.Intents = slices.Clone(*r.Intents)
	}
	for _, k := range r.IntentDel {
		f.DropIntent(k)
	}
	for _, in := range r.IntentSet {
		f.AddIntent(in)
	}
	if r.Sites != nil {
		f.Sites = maps.Clone(*r.Sites)
	}
	if r.Leasefile != nil {
		f.Leasefile = *r.Leasefile
	}
	f.Serial = r.Serial
}

// encodeRecord is r's journal line.
func encodeRecord(r *record) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode state journal: %w", err)
	}
	line := make([]byte, 0, len(b)+10)
	line = fmt.Appendf(line, "%08x ", crc32.ChecksumIEEE(b))
	line = append(line, b...)
	return append(line, '\n'), nil
}

// replayJournal applies to f the records of the journal beside path that follow it; it
// reports whether any did.
func replayJournal(path string, f *File) (bool, error) {
	r, err := os.Open(journalPath(path))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read state journal: %w", err)
	}
	defer r.Close()
	data, err := ReadBounded(r)
	if err != nil {
		return false, fmt.Errorf("state journal %s: %w", journalPath(path), err)
	}
	applied := false
	for len(data) > 0 {
		line, rest, complete := bytes.Cut(data, []byte{'\n'})
		data = rest
		if !complete { // torn by a kill mid-append
			break
		}
		rec, ok := decodeRecord(line)
		if !ok || rec.Lineage != f.Lineage || rec.Serial != f.Serial+1 {
			continue
		}
		rec.apply(f, false)
		applied = true
	}
	if applied {
		f.normalize()
	}
	return applied, nil
}

func decodeRecord(line []byte) (*record, bool) {
	sum, b, ok := bytes.Cut(line, []byte{' '})
	if !ok || len(sum) != 8 {
		return nil, false
	}
	want, err := strconv.ParseUint(string(sum), 16, 32)
	if err != nil || uint32(want) != crc32.ChecksumIEEE(b) {
		return nil, false
	}
	var rec record
	if json.Unmarshal(b, &rec) != nil {
		return nil, false
	}
	for _, l := range rec.Set {
		if l == nil {
			return nil, false
		}
	}
	return &rec, true
}

// journal is the open journal of a Local whose lock this run holds.
type journal struct {
	w    *os.File
	size int64       // bytes of w written or checked by this run
	base fs.FileInfo // the state file as this run last wrote it; nil before its first save
}

// appendJournal writes f's change as one journal line; it returns done=false, having
// written nothing, when the change has to be saved in full instead.
func (l *Local) appendJournal(f *File) (done bool, err error) {
	j := l.j
	if j.base == nil || j.size >= journalCompactBytes {
		return false, nil
	}
	// Nothing but this run may have written the file or the journal since: a change there
	// is for the full save's conflict check to see.
	if st, err := os.Stat(l.Path); err != nil || !os.SameFile(st, j.base) ||
		st.Size() != j.base.Size() || !st.ModTime().Equal(j.base.ModTime()) {
		return false, nil
	}
	rec, ok := f.diff()
	if !ok {
		return false, nil
	}
	if rec.empty() {
		f.touched, f.touchedIntents = map[string]struct{}{}, map[string]struct{}{}
		return true, nil
	}
	rec.Serial = f.Serial + 1
	line, err := encodeRecord(rec)
	if err != nil {
		return true, err
	}
	if j.w == nil {
		if err := l.openJournal(); err != nil {
			return true, fmt.Errorf("save state journal: %w", err)
		}
	} else if st, err := os.Stat(journalPath(l.Path)); err != nil || st.Size() != j.size {
		return false, nil
	} else if wst, err := j.w.Stat(); err != nil || !os.SameFile(st, wst) {
		return false, nil
	}
	if _, err := j.w.Write(line); err != nil {
		j.w.Truncate(j.size)
		return true, fmt.Errorf("save state journal: %w", err)
	}
	if err := j.w.Sync(); err != nil {
		j.w.Truncate(j.size)
		return true, fmt.Errorf("save state journal: %w", err)
	}
	j.size += int64(len(line))
	f.touched, f.touchedIntents = map[string]struct{}{}, map[string]struct{}{}
	rec.apply(f.snap, true)
	f.Serial = rec.Serial
	f.FormatVersion = FormatVersion
	f.baseline = nil // the content is now told by snap
	return true, nil
}

// openJournal opens (or creates, 0600, durably) the journal for appending, after a newline
// if a killed append left a torn last line.
func (l *Local) openJournal() error {
	p := journalPath(l.Path)
	_, statErr := os.Stat(p)
	w, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	st, err := w.Stat()
	if err != nil {
		w.Close()
		return err
	}
	size := st.Size()
	if size > 0 {
		last := make([]byte, 1)
		r, err := os.Open(p)
		if err == nil {
			_, err = r.ReadAt(last, size-1)
			r.Close()
		}
		if err != nil && err != io.EOF {
			w.Close()
			return err
		}
		if last[0] != '\n' {
			if _, err := w.Write([]byte{'\n'}); err != nil {
				w.Close()
				return err
			}
			size++
		}
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		dir := filepath.Dir(p)
		if err := syncDir(dir); err != nil {
			w.Close()
			return err
		}
	}
	l.j.w, l.j.size = w, size
	return nil
}

// fullWrite saves f in full (File.save with the conflict check), then drops the journal the
// file now holds.
func (l *Local) fullWrite(f *File) error {
	check := func(old []byte) error { return checkSuccessor(l.Path, old, f) }
	before := f.Serial
	if err := f.save(l.Path, check); err != nil {
		return err
	}
	if l.j == nil {
		return nil
	}
	f.touched, f.touchedIntents = map[string]struct{}{}, map[string]struct{}{}
	if _, err := os.Stat(journalPath(l.Path)); f.Serial == before && err == nil {
		// Nothing changed, but the file may lag the journal f was loaded with: write it in
		// full at the same serial before dropping the journal.
		content, err := f.canonical(0)
		if err != nil {
			return err
		}
		if err := f.writeFull(l.Path, f.Serial, content, check); err != nil {
			return err
		}
	}
	return l.dropJournal()
}

// dropJournal removes the journal once the file holds its content, and notes the file as
// this run wrote it.
func (l *Local) dropJournal() error {
	j := l.j
	if j.w != nil {
		j.w.Close()
		j.w, j.size = nil, 0
	}
	if err := os.Remove(journalPath(l.Path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("save state: %w", err)
	}
	st, err := os.Stat(l.Path)
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	j.base = st
	return nil
}

// compact writes the journal into the file (keeping the file it replaces as the backup) and
// removes it: the end of a run's journal.
func (l *Local) compact() error {
	if _, err := os.Stat(journalPath(l.Path)); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	f, err := Load(l.Path)
	if err != nil {
		return err
	}
	if f.journaled {
		if err := f.writeFull(l.Path, f.Serial, f.baseline, nil); err != nil {
			return err
		}
	}
	return l.dropJournal()
}
