package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// persisted is the DataFile format. Statuses are not stored: they are
// derived from the clock when read. Tokens are never stored.
type persisted struct {
	Version int `json:"version"`
	// Addr is where a server last served this data (SetAddr), so that a restart listens
	// there again and the auth URLs recorded by clients stay valid.
	Addr  string              `json:"addr,omitempty"`
	Sites map[string][]*lease `json:"sites"`
}

// DataFileAddr returns the address recorded in the data file at path, "" when the file does
// not exist or records none.
func DataFileAddr(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("emulator: %w", err)
	}
	var p persisted
	if err := json.Unmarshal(b, &p); err != nil {
		return "", fmt.Errorf("emulator: %s: %w", path, err)
	}
	return p.Addr, nil
}

// ReadData returns the leases saved at path (a DataFile, with the mutations its journal
// holds applied) in the data file's format, for an observer of a running emulator; the error
// wraps fs.ErrNotExist when nothing was saved yet. An emulator rewrites the file and removes
// the journal only when it loads, closes or changes a lease in place, so a read made
// meanwhile may miss the journal's last mutations.
func ReadData(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	p := persisted{Sites: map[string][]*lease{}}
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("emulator: %s: %w", path, err)
	}
	if n, err := replayJournal(journalPath(path), p.Sites); err != nil || n == 0 {
		return b, err
	}
	return json.MarshalIndent(p, "", " ")
}

// SetAddr records in the data file the address the server listens on.
func (e *Emulator) SetAddr(addr string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.addr == addr {
		return nil
	}
	e.addr = addr
	return e.saveLocked()
}

func (e *Emulator) load() error {
	b, err := os.ReadFile(e.cfg.DataFile)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("emulator: %w", err)
	}
	p := persisted{Sites: map[string][]*lease{}}
	if b != nil {
		if err := json.Unmarshal(b, &p); err != nil {
			return fmt.Errorf("emulator: %s: %w", e.cfg.DataFile, err)
		}
	}
	n, err := replayJournal(journalPath(e.cfg.DataFile), p.Sites)
	if err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	e.restoreFrom(p)
	if n > 0 {
		// Compact: the mutations journaled since the last full write go into the data file.
		return e.saveLocked()
	}
	e.lastGood = b
	return nil
}

// restore replaces every site's leases with the ones in b.
func (e *Emulator) restore(b []byte) error {
	var p persisted
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	e.restoreFrom(p)
	return nil
}

// restoreFrom replaces every site's leases with the ones in p.
func (e *Emulator) restoreFrom(p persisted) {
	e.addr = p.Addr
	// Leases of sites missing from the inventory are kept and written back.
	e.orphans = map[string][]*lease{}
	for name, ls := range p.Sites {
		if e.byName[name] == nil {
			e.orphans[name] = ls
		}
	}
	for _, s := range e.sites {
		s.leases, s.byID = nil, map[string]*lease{}
		for _, l := range p.Sites[s.name] {
			s.add(l)
		}
	}
	e.markSavedLocked()
}

func (e *Emulator) marshalLocked() ([]byte, error) {
	p := persisted{Version: 1, Addr: e.addr, Sites: map[string][]*lease{}}
	for name, ls := range e.orphans {
		p.Sites[name] = ls
	}
	for _, s := range e.sites {
		p.Sites[s.name] = s.leases
		if p.Sites[s.name] == nil {
			p.Sites[s.name] = []*lease{}
		}
	}
	return json.MarshalIndent(p, "", " ")
}

// Save writes the state to DataFile now (a no-op in memory).
func (e *Emulator) Save() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.saveLocked()
}

// saveIfUnsaved writes the data file when nothing was ever loaded from or written to it, and
// compacts the journal when this emulator appended to it.
func (e *Emulator) saveIfUnsaved() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.lastGood != nil && !e.disk.journaled {
		return nil
	}
	return e.saveLocked()
}

// saveLocked writes the whole state to DataFile and empties the journal it now includes.
func (e *Emulator) saveLocked() error {
	if e.cfg.DataFile == "" {
		return nil
	}
	b, err := e.marshalLocked()
	if err != nil {
		return err
	}
	if err := writeAtomic(e.cfg.DataFile, b); err != nil {
		return fmt.Errorf("emulator: save: %w", err)
	}
	// A crash before the journal is emptied replays it over a file that has it all already,
	// which changes nothing (see replayJournal).
	if err := os.Remove(journalPath(e.cfg.DataFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("emulator: save: %w", err)
	}
	e.lastGood = b
	e.disk.journaled = false
	e.markSavedLocked()
	return nil
}

// persistLocked makes the mutation just done durable before it is answered: the leases it
// added, replaced or removed are appended to the journal as one fsynced line (journal.go),
// or, when it changed a lease in place, the whole file is rewritten. If that fails, the
// state is read back from disk so memory never runs ahead of the file.
func (e *Emulator) persistLocked() *apiError {
	if e.cfg.DataFile == "" {
		return nil
	}
	if err := e.journalLocked(); err == nil {
		return nil
	}
	if e.reloadLocked() != nil {
		if e.lastGood != nil {
			_ = e.restore(e.lastGood)
		} else {
			_ = e.restore([]byte(`{"sites":{}}`))
		}
	}
	return errInternal
}

// reloadLocked replaces the state with DataFile's and its journal's.
func (e *Emulator) reloadLocked() error {
	b, err := os.ReadFile(e.cfg.DataFile)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	p := persisted{Sites: map[string][]*lease{}}
	if b != nil {
		if err := json.Unmarshal(b, &p); err != nil {
			return err
		}
	}
	if _, err := replayJournal(journalPath(e.cfg.DataFile), p.Sites); err != nil {
		return err
	}
	e.restoreFrom(p)
	return nil
}

// writeAtomic replaces path with b: a temp file in the same directory,
// fsync, rename, so a crash leaves either the old or the new file.
func writeAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
