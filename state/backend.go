package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Backend is where a state is kept, in the shape of Terraform's statemgr: the local file
// (Local), an object store, an HTTP server. apply, plan, import, wait and the state commands
// reach the state only through it.
type Backend interface {
	// Location is where the state is, printable in messages ("leasefile.state.json",
	// "swift://CHI@UC/leasefile-state/exp42").
	Location() string
	// Read returns the stored state, or New() and existed=false when there is none yet.
	Read(ctx context.Context) (f *File, existed bool, err error)
	// Write stores f if its content changed since it was read or last written, bumping
	// f.Serial; otherwise it does nothing. It refuses, with a *ConflictError, when the stored
	// state has another lineage or a serial above f's: someone else wrote it meanwhile.
	Write(ctx context.Context, f *File) error
	// Lock takes the state lock for the run described by info (empty fields are filled as
	// Lock fills them). While another run holds it, Lock retries until timeout (0: a single
	// try) or until ctx is done, then returns a *LockedError.
	Lock(ctx context.Context, info LockInfo, timeout time.Duration) (Held, error)
	// ForceUnlock releases the lock whose ID is id and returns what it said; it refuses a
	// holder known to be alive (ErrHolderAlive) unless force is set.
	ForceUnlock(ctx context.Context, id string, force bool) (LockInfo, error)
}

// Held is a state lock this run holds.
type Held interface {
	// Info is what the lock says about its holder.
	Info() LockInfo
	// Unlock releases the lock if it is still this run's; calling it again does nothing.
	Unlock() error
	// Lost is closed when the lock can no longer be trusted (a lease on it could not be
	// renewed): the holder must start no new work. A lock that cannot be lost returns nil.
	Lost() <-chan struct{}
}

// ErrLockLost is wrapped by the errors of a Store whose lock was lost.
var ErrLockLost = errors.New("the state lock was lost")

// ConflictError is a write refused because the stored state moved since it was read.
type ConflictError struct {
	Location string
	// Stored is the lineage and serial found in the store, Want those of the state written.
	StoredLineage, WantLineage string
	StoredSerial, WantSerial   int64
}

func (e *ConflictError) Error() string {
	if e.StoredLineage != e.WantLineage {
		return fmt.Sprintf("state %s now holds another state (lineage %s, not %s): not overwritten",
			e.Location, e.StoredLineage, e.WantLineage)
	}
	return fmt.Sprintf("state %s was written by another run meanwhile (serial %d, this run read %d): not overwritten",
		e.Location, e.StoredSerial, e.WantSerial)
}

// header is the part of a stored state that tells whose successor a write is.
type header struct {
	Lineage string `json:"lineage"`
	Serial  int64  `json:"serial"`
}

// checkSuccessor refuses to replace the stored state (its bytes, nil for none) with f when
// the stored one has another lineage or a newer serial. Bytes that do not decode are not a
// state anyone could lose by the write (the previous copy is kept as the backend keeps it).
func checkSuccessor(location string, stored []byte, f *File) error {
	if stored == nil {
		return nil
	}
	var h header
	if json.Unmarshal(stored, &h) != nil || h.Lineage == "" {
		return nil
	}
	if h.Lineage != f.Lineage || h.Serial > f.Serial {
		return &ConflictError{Location: location, StoredLineage: h.Lineage, WantLineage: f.Lineage,
			StoredSerial: h.Serial, WantSerial: f.Serial}
	}
	return nil
}
