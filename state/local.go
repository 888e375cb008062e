package state

import (
	"context"
	"time"
)

// Local is the state kept in a file on this machine: the default backend. Its lock is the
// file Path + ".lock", its previous version Path + ".backup".
type Local struct {
	Path string
}

// NewLocal returns the backend of the state file at path.
func NewLocal(path string) *Local { return &Local{Path: path} }

// Location returns the file's path.
func (l *Local) Location() string { return l.Path }

// Read loads the file, or returns New() when there is none yet.
func (l *Local) Read(context.Context) (*File, bool, error) { return LoadOrNew(l.Path) }

// Write saves f atomically (as File.Save), after checking that the file holds no other
// lineage and no newer serial.
func (l *Local) Write(_ context.Context, f *File) error {
	return f.save(l.Path, func(old []byte) error { return checkSuccessor(l.Path, old, f) })
}

// Lock takes the lock file (see the function Lock).
func (l *Local) Lock(ctx context.Context, info LockInfo, timeout time.Duration) (Held, error) {
	lk, err := Lock(ctx, l.Path, info, timeout)
	if err != nil {
		return nil, err
	}
	return lk, nil
}

// ForceUnlock removes the lock file (see the function ForceUnlock).
func (l *Local) ForceUnlock(_ context.Context, id string, force bool) (LockInfo, error) {
	return ForceUnlock(l.Path, id, force)
}

// Lost returns nil: a lock file cannot be lost while its holder runs.
func (l *Locker) Lost() <-chan struct{} { return nil }
