package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ErrNotLocked is wrapped by ForceUnlock's error when there is no lock.
var ErrNotLocked = errors.New("state is not locked")

// ErrHolderAlive is wrapped by ForceUnlock's error when the process that took the lock still
// runs on this machine.
var ErrHolderAlive = errors.New("the run holding the lock is still running")

// testOnlyPollInterval is how often Lock retries a held lock.
var testOnlyPollInterval = 100 * time.Millisecond

// LockInfo is the content of a lock file: enough for a user to tell whether
// the run holding it is still alive.
type LockInfo struct {
	ID        string    `json:"id"`
	Who       string    `json:"who"`
	Operation string    `json:"operation"`
	Created   time.Time `json:"created"`
	Path      string    `json:"path"`
	// Host and PID identify the process, so that a later run on the same machine can tell
	// a lock left by a killed process from one a live run holds.
	Host string `json:"host,omitempty"`
	PID  int    `json:"pid,omitempty"`
}

// Fill completes the empty fields of a lock about to be taken on the state at location: ID
// with a new UUID, Who with user@host, Created with the current time (in UTC), Path with
// location, Host and PID with this process's.
func (i *LockInfo) Fill(location string) {
	if i.ID == "" {
		i.ID = uuid.NewString()
	}
	if i.Who == "" {
		i.Who = whoAmI()
	}
	if i.Created.IsZero() {
		i.Created = time.Now()
	}
	i.Created = i.Created.UTC()
	if i.Path == "" {
		i.Path = location
	}
	if i.PID == 0 {
		i.PID = os.Getpid()
		i.Host, _ = os.Hostname()
	}
}

// holderGone reports whether the lock was taken by a process of this machine that no longer
// runs.
func (i LockInfo) holderGone() bool {
	host, err := os.Hostname()
	if err != nil || i.PID <= 0 || i.Host != host {
		return false
	}
	return !processAlive(i.PID)
}

// HolderAlive reports whether the lock was taken by a process of this machine that still
// runs. A lock from another machine, or one without a PID, is not known to be alive. Where
// processes cannot be checked (not unix), a same-host holder counts as alive.
func (i LockInfo) HolderAlive() bool {
	host, err := os.Hostname()
	if err != nil || i.PID <= 0 || i.Host != host {
		return false
	}
	return processAlive(i.PID)
}

// LockedError reports a lock held by another run.
type LockedError struct {
	Info LockInfo
	// Err is why the lock file could not be read, if it could not; the
	// Info is then empty except for Path.
	Err error
}

func (e *LockedError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("state %s is locked, and the lock file cannot be read (%v); if no run is in progress, remove %s.lock",
			e.Info.Path, e.Err, e.Info.Path)
	}
	if e.Info.holderGone() {
		return fmt.Sprintf("state %s is locked by %s since %s for %s (lock ID %s), but that process (pid %d) is no longer running: it was killed or crashed; release the lock with: leasefile force-unlock %s",
			e.Info.Path, e.Info.Who, e.Info.Created.UTC().Format(time.RFC3339), e.Info.Operation, e.Info.ID, e.Info.PID, e.Info.ID)
	}
	return fmt.Sprintf("state %s is locked by %s since %s for %s (lock ID %s); if that run is gone, release it with: leasefile force-unlock %s",
		e.Info.Path, e.Info.Who, e.Info.Created.UTC().Format(time.RFC3339), e.Info.Operation, e.Info.ID, e.Info.ID)
}

func (e *LockedError) Unwrap() error { return e.Err }

// Locker is a held state lock.
type Locker struct {
	path     string // of the lock file
	info     LockInfo
	released bool
}

// Lock takes the lock of the state at statePath, the file statePath +
// ".lock". Empty fields of info are filled: ID with a new UUID, Who with
// user@host, Created with the current time, Path with statePath. While
// another run holds the lock, Lock retries until timeout (0: a single try) or
// until ctx is done, then returns a *LockedError.
func Lock(ctx context.Context, statePath string, info LockInfo, timeout time.Duration) (*Locker, error) {
	info.Fill(statePath)
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode lock: %w", err)
	}
	lockPath := statePath + ".lock"
	deadline := time.Now().Add(timeout)
	for {
		err := createExclusive(lockPath, append(data, '\n'))
		if err == nil {
			return &Locker{path: lockPath, info: info}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("lock state: %w", err)
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return nil, heldError(statePath)
		}
		t := time.NewTimer(min(wait, testOnlyPollInterval))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("waiting for the state lock: %w: %w", ctx.Err(), heldError(statePath))
		case <-t.C:
		}
	}
}

// testOnlyBeforePublish, when set, runs once the lock's content is written and synced, before
// the lock file appears under its name.
var testOnlyBeforePublish func(lockPath string)

// createExclusive writes data to a new file at path, failing with fs.ErrExist if there is one
// already. The file appears with its whole content or not at all: data goes to a temporary
// file first, which is hard-linked to path (a link fails when path exists). Creating path
// empty and writing it afterwards let another run read an empty lock, and be told to remove
// it, while the holder was alive; a kill in between left a lock nobody could identify.
func createExclusive(path string, data []byte) error {
	removeStaleLockTemps(path)
	tmp := fmt.Sprintf("%s.new-%d", path, os.Getpid())
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if testOnlyBeforePublish != nil {
		testOnlyBeforePublish(path)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fs.ErrExist
		}
		return err
	}
	return syncDir(filepath.Dir(path))
}

// removeStaleLockTemps removes the temporary lock files (path.new-PID) of runs that died
// before publishing their lock.
func removeStaleLockTemps(path string) {
	tmps, _ := filepath.Glob(path + ".new-*")
	for _, t := range tmps {
		pid, err := strconv.Atoi(strings.TrimPrefix(t, path+".new-"))
		if err == nil && pid != os.Getpid() && !processAlive(pid) {
			os.Remove(t)
		}
	}
}

func heldError(statePath string) *LockedError {
	info, err := readLock(statePath + ".lock")
	if err != nil {
		return &LockedError{Info: LockInfo{Path: statePath}, Err: err}
	}
	return &LockedError{Info: info}
}

func readLock(lockPath string) (LockInfo, error) {
	var info LockInfo
	f, err := os.Open(lockPath)
	if err != nil {
		return info, err
	}
	defer f.Close()
	data, err := ReadBounded(f)
	if err != nil {
		return info, fmt.Errorf("lock file %s: %w", lockPath, err)
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return LockInfo{}, fmt.Errorf("lock file %s: %w", lockPath, err)
	}
	return info, nil
}

func whoAmI() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return name + "@" + host
}

// Info returns what the lock file says about this lock (the Held interface).
func (l *Locker) Info() LockInfo { return l.info }

// Unlock releases the lock. It removes the lock file only if it still holds
// this lock's ID, and reports an error if someone force-unlocked it
// meanwhile. Calling it again after a success does nothing.
func (l *Locker) Unlock() error {
	if l.released {
		return nil
	}
	info, err := readLock(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("unlock state: lock %s was removed by someone else (force-unlock?)", l.info.ID)
	}
	if err != nil {
		return fmt.Errorf("unlock state: %w", err)
	}
	if info.ID != l.info.ID {
		return fmt.Errorf("unlock state: the lock is now held by %s (lock ID %s), not by this run (lock ID %s); left in place",
			info.Who, info.ID, l.info.ID)
	}
	if err := os.Remove(l.path); err != nil {
		return fmt.Errorf("unlock state: %w", err)
	}
	l.released = true
	return nil
}

// ForceUnlock removes the lock of the state at statePath if its ID is id, and returns what
// the lock said. Asking for the ID keeps a user from breaking a lock they have not looked at.
// It refuses, with an error wrapping ErrHolderAlive, when the process that took the lock
// still runs on this machine (releasing a live run's lock lets a second apply duplicate its
// leases), unless force is set: the caller then warns.
func ForceUnlock(statePath, id string, force bool) (LockInfo, error) {
	lockPath := statePath + ".lock"
	info, err := readLock(lockPath)
	if errors.Is(err, fs.ErrNotExist) {
		return LockInfo{}, fmt.Errorf("force-unlock: %w (no %s)", ErrNotLocked, lockPath)
	}
	if err != nil {
		return LockInfo{}, fmt.Errorf("force-unlock: %w; if no run is in progress, remove %s", err, lockPath)
	}
	if info.ID != id {
		return info, fmt.Errorf("force-unlock: lock ID %q does not match the lock held by %s since %s for %s (lock ID %s)",
			id, info.Who, info.Created.UTC().Format(time.RFC3339), info.Operation, info.ID)
	}
	if !force && info.HolderAlive() {
		return info, fmt.Errorf("force-unlock: %w: the lock is held by process %d on this machine (%s) for %s since %s, and that process is running",
			ErrHolderAlive, info.PID, info.Host, info.Operation, info.Created.UTC().Format(time.RFC3339))
	}
	if err := os.Remove(lockPath); err != nil {
		return info, fmt.Errorf("force-unlock: %w", err)
	}
	return info, nil
}
