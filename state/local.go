package state

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Local is the state kept in a file on this machine: the default backend. Its lock is the
// file Path + ".lock", its previous version Path + ".backup". While a run holds its lock,
// saves after the first append to the journal Path + ".journal", which Unlock compacts into
// the file (journal.go).
type Local struct {
	Path string

	mu sync.Mutex // guards j
	j  *journal   // non-nil while this Local holds the lock
}

// NewLocal returns the backend of the state file at path.
func NewLocal(path string) *Local { return &Local{Path: path} }

// Location returns the file's path.
func (l *Local) Location() string { return l.Path }

// Read loads the file and replays its journal, or returns New() when there is none yet.
func (l *Local) Read(context.Context) (*File, bool, error) { return LoadOrNew(l.Path) }

// Write saves f atomically (as File.Save), after checking that the file holds no other
// lineage and no newer serial. Under the lock, a save after the first appends f's change to
// the journal instead, at the cost of the change.
func (l *Local) Write(_ context.Context, f *File) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.j != nil && f.Lineage != "" {
		if done, err := l.appendJournal(f); done {
			return err
		}
	}
	return l.fullWrite(f)
}

// Lock takes the lock file (see the function Lock). Its Unlock compacts the journal first.
func (l *Local) Lock(ctx context.Context, info LockInfo, timeout time.Duration) (Held, error) {
	lk, err := Lock(ctx, l.Path, info, timeout)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.j = &journal{}
	l.mu.Unlock()
	return &localHeld{Locker: lk, l: l}, nil
}

// localHeld is Local's lock: its Unlock compacts the journal into the file, so that the file
// alone holds the whole state once the run ends.
type localHeld struct {
	*Locker
	l *Local
}

func (h *localHeld) Unlock() error {
	if h.released {
		return nil
	}
	// Compact only while the lock is still this run's: after a force-unlock the file and
	// the journal are another run's (Locker.Unlock then says so).
	info, err := readLock(h.path)
	mine := err == nil && info.ID == h.info.ID
	return errors.Join(h.l.endJournal(mine), h.Locker.Unlock())
}

// endJournal compacts the journal if compact is set, and stops journalling.
func (l *Local) endJournal(compact bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.j == nil {
		return nil
	}
	var err error
	if compact {
		err = l.compact()
	}
	if l.j.w != nil {
		l.j.w.Close()
	}
	l.j = nil
	return err
}

// ForceUnlock removes the lock file (see the function ForceUnlock).
func (l *Local) ForceUnlock(_ context.Context, id string, force bool) (LockInfo, error) {
	return ForceUnlock(l.Path, id, force)
}

// Lost returns nil: a lock file cannot be lost while its holder runs.
func (l *Locker) Lost() <-chan struct{} { return nil }
