package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// The journal is DataFile's companion, DataFile + ".journal": one line per mutation, each a
// JSON journalEntry naming the leases the mutation added or replaced and the ids it removed,
// appended and fsynced before the mutation is answered. So a mutation costs what it changed,
// not the size of the file. Loading replays the journal over DataFile and compacts: the whole
// state goes into DataFile (same format as ever) and the journal is emptied; Server.Close
// compacts too when this emulator appended. A line without its newline is a write torn by a
// crash, whose mutation was never answered: it is ignored.

// journalEntry is one mutation.
type journalEntry struct {
	Changes []journalChange `json:"changes"`
}

type journalChange struct {
	Site    string   `json:"site"`
	Put     []*lease `json:"put,omitempty"`
	Deleted []string `json:"deleted,omitempty"`
}

// journalState is what the emulator knows of the leases on disk.
type journalState struct {
	journaled bool // appended to the journal since the last full write
	// saved marks every lease as last written, per site in the site's order (creation order:
	// leases are appended and removed, never moved), to find what a mutation changed.
	saved map[*site][]leaseMark
}

// leaseMark identifies a lease's version without reading it: a lease is replaced through
// clone (new reservations, new events) or added as a new value. A change made in place
// keeps its mark; persistLocked then finds no change and rewrites the whole file.
type leaseMark struct {
	id string
	l  *lease
	r0 *reservation
	e0 *event
	nr int
	ne int
}

func markOf(l *lease) leaseMark {
	m := leaseMark{id: l.ID, l: l, nr: len(l.Reservations), ne: len(l.Events)}
	if m.nr > 0 {
		m.r0 = l.Reservations[0]
	}
	if m.ne > 0 {
		m.e0 = l.Events[0]
	}
	return m
}

func journalPath(dataFile string) string { return dataFile + ".journal" }

// markSavedLocked records every lease as written.
func (e *Emulator) markSavedLocked() {
	e.disk.saved = map[*site][]leaseMark{}
	for _, s := range e.sites {
		e.markSiteLocked(s)
	}
}

func (e *Emulator) markSiteLocked(s *site) {
	m := e.disk.saved[s][:0]
	for _, l := range s.leases {
		m = append(m, markOf(l))
	}
	e.disk.saved[s] = m
}

// changedLocked compares site s with its marks, one pass over both in order: the leases
// added or replaced since, and the ids removed.
func (e *Emulator) changedLocked(s *site) journalChange {
	c := journalChange{Site: s.name}
	saved, i := e.disk.saved[s], 0
	for _, l := range s.leases {
		for i < len(saved) && saved[i].id != l.ID && s.byID[saved[i].id] == nil {
			c.Deleted = append(c.Deleted, saved[i].id)
			i++
		}
		switch {
		case i < len(saved) && saved[i].id == l.ID:
			if saved[i] != markOf(l) {
				c.Put = append(c.Put, l)
			}
			i++
		default: // new
			c.Put = append(c.Put, l)
		}
	}
	for ; i < len(saved); i++ {
		if s.byID[saved[i].id] == nil {
			c.Deleted = append(c.Deleted, saved[i].id)
		}
	}
	return c
}

// journalLocked writes what changed since the last write: one journal line, or the whole
// file when the change cannot be told apart (a lease changed in place) or there is no file yet.
func (e *Emulator) journalLocked() error {
	var entry journalEntry
	for _, s := range e.sites {
		if c := e.changedLocked(s); len(c.Put) > 0 || len(c.Deleted) > 0 {
			entry.Changes = append(entry.Changes, c)
		}
	}
	if len(entry.Changes) == 0 || e.lastGood == nil {
		return e.saveLocked() // a change made in place, or the first write: the whole file
	}
	b, err := json.Marshal(entry)
	if err != nil {
		return err
	}
	if err := appendSync(journalPath(e.cfg.DataFile), append(b, '\n')); err != nil {
		return fmt.Errorf("emulator: save: %w", err)
	}
	e.disk.journaled = true
	for _, c := range entry.Changes {
		e.markSiteLocked(e.byName[c.Site])
	}
	return nil
}

// appendSync appends b to path and fsyncs it; a failed write is cut off again, so the next
// line does not land after a torn one.
func appendSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	if _, err = f.Write(b); err == nil {
		err = f.Sync()
	}
	if err != nil {
		_ = f.Truncate(fi.Size())
		f.Close()
		return err
	}
	return f.Close()
}

// replayJournal applies the journal at path to sites (by site name) and returns how many
// lines it held, a torn last line included. Replaying over a DataFile that already holds
// some of its mutations changes nothing: a put replaces the lease of its id or appends it, a
// removal of a missing id does nothing.
func replayJournal(path string, sites map[string][]*lease) (int, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for line := 1; len(b) > 0; line++ {
		n++
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break // torn by a crash mid-write: that mutation was never answered
		}
		var entry journalEntry
		if err := json.Unmarshal(b[:i], &entry); err != nil {
			return 0, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		b = b[i+1:]
		for _, c := range entry.Changes {
			ls := sites[c.Site]
			for _, l := range c.Put {
				if j := indexOf(ls, l.ID); j >= 0 {
					ls[j] = l
				} else {
					ls = append(ls, l)
				}
			}
			for _, id := range c.Deleted {
				if j := indexOf(ls, id); j >= 0 {
					ls = append(ls[:j], ls[j+1:]...)
				}
			}
			sites[c.Site] = ls
		}
	}
	return n, nil
}

func indexOf(ls []*lease, id string) int {
	for i, l := range ls {
		if l.ID == id {
			return i
		}
	}
	return -1
}
