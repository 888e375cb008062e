package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func fastPoll(t *testing.T) {
	old := testOnlyPollInterval
	testOnlyPollInterval = time.Millisecond
	t.Cleanup(func() { testOnlyPollInterval = old })
}

var lockTime = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func TestLockWritesInfo(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	l, err := Lock(context.Background(), path, LockInfo{Operation: "apply", Created: lockTime.In(time.FixedZone("X", 3600))}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	data, err := os.ReadFile(path + ".lock")
	if err != nil {
		t.Fatal(err)
	}
	var got LockInfo
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got.ID == "" || !strings.Contains(got.Who, "@") {
		t.Errorf("lock info lacks ID or user@host: %+v", got)
	}
	host, _ := os.Hostname()
	want := LockInfo{ID: got.ID, Who: got.Who, Operation: "apply", Created: lockTime, Path: path, Host: host, PID: os.Getpid()}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lock file (-want +got):\n%s", diff)
	}
	if st, err := os.Stat(path + ".lock"); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode: %v %v", st.Mode(), err)
	}
}

func TestLockHeld(t *testing.T) {
	fastPoll(t)
	path := filepath.Join(t.TempDir(), DefaultFileName)
	holder := LockInfo{ID: "11111111-aaaa", Who: "alice@laptop", Operation: "apply", Created: lockTime}
	first, err := Lock(context.Background(), path, holder, 0)
	if err != nil {
		t.Fatal(err)
	}
	holder.Path = path
	holder.Host, _ = os.Hostname()
	holder.PID = os.Getpid()
	const wantMsg = "is locked by alice@laptop since 2026-05-01T10:00:00Z for apply (lock ID 11111111-aaaa); if that run is gone, release it with: leasefile force-unlock 11111111-aaaa"

	for _, timeout := range []time.Duration{0, 20 * time.Millisecond} {
		start := time.Now()
		_, err := Lock(context.Background(), path, LockInfo{Operation: "plan"}, timeout)
		var le *LockedError
		if !errors.As(err, &le) {
			t.Fatalf("timeout %v: error %v is not a *LockedError", timeout, err)
		}
		if diff := cmp.Diff(holder, le.Info); diff != "" {
			t.Errorf("timeout %v: LockedError.Info (-want +got):\n%s", timeout, diff)
		}
		if !strings.HasSuffix(err.Error(), wantMsg) {
			t.Errorf("timeout %v: message %q does not end with %q", timeout, err, wantMsg)
		}
		if time.Since(start) < timeout {
			t.Errorf("gave up after %v, before the %v timeout", time.Since(start), timeout)
		}
	}

	// A cancelled context stops the wait and still says who holds the lock.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Lock(ctx, path, LockInfo{}, time.Hour)
	var le *LockedError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &le) || le.Info.ID != holder.ID {
		t.Errorf("cancelled wait: %v, want context.Canceled and a LockedError", err)
	}

	// Released while waiting: the waiter gets it.
	go func() {
		time.Sleep(3 * time.Millisecond)
		first.Unlock()
	}()
	second, err := Lock(context.Background(), path, LockInfo{Operation: "apply"}, 5*time.Second)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	if err := second.Unlock(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".lock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file left after Unlock: %v", err)
	}
	if err := second.Unlock(); err != nil {
		t.Errorf("second Unlock: %v", err)
	}
}

func TestLockUnreadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	if err := os.WriteFile(path+".lock", []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Lock(context.Background(), path, LockInfo{}, 0)
	var le *LockedError
	if !errors.As(err, &le) || le.Err == nil || !strings.Contains(err.Error(), "remove "+path+".lock") {
		t.Errorf("unreadable lock: %v", err)
	}
}

func TestUnlockAfterForceUnlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	l, err := Lock(context.Background(), path, LockInfo{ID: "mine"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ForceUnlock(path, "mine", true); err != nil { // this process holds it: forced
		t.Fatal(err)
	}
	other, err := Lock(context.Background(), path, LockInfo{ID: "theirs", Who: "bob@host"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	err = l.Unlock()
	if err == nil || !strings.Contains(err.Error(), "held by bob@host (lock ID theirs)") {
		t.Errorf("Unlock of a stolen lock: %v", err)
	}
	if _, err := os.Stat(path + ".lock"); err != nil {
		t.Errorf("Unlock removed another run's lock: %v", err)
	}
	if err := other.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := l.Unlock(); err == nil || !strings.Contains(err.Error(), "removed by someone else") {
		t.Errorf("Unlock with no lock file: %v", err)
	}
}

func TestForceUnlock(t *testing.T) {
	tests := []struct {
		name       string
		locked     bool
		id         string
		wantErr    string // substring; "" for success
		notLocked  bool
		lockRemain bool
	}{
		{"right ID", true, "abc", "", false, false},
		{"holder alive on this host", true, "abc", "force-unlock: the run holding the lock is still running: the lock is held by process", false, true},
		{"holder alive, forced", true, "abc", "", false, false},
		{"wrong ID", true, "abd", `lock ID "abd" does not match the lock held by alice@laptop since 2026-05-01T10:00:00Z for apply (lock ID abc)`, false, true},
		{"no lock", false, "abc", "state is not locked", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), DefaultFileName)
			if tt.locked {
				info := LockInfo{ID: "abc", Who: "alice@laptop", Operation: "apply", Created: lockTime, Host: "laptop", PID: 4242}
				if strings.HasPrefix(tt.name, "holder alive") {
					info.Host, info.PID = "", 0 // Lock fills in this process, which is alive
				}
				if _, err := Lock(context.Background(), path, info, 0); err != nil {
					t.Fatal(err)
				}
			}
			_, err := ForceUnlock(path, tt.id, strings.HasSuffix(tt.name, "forced"))
			if strings.HasPrefix(tt.name, "holder alive on") != errors.Is(err, ErrHolderAlive) {
				t.Errorf("errors.Is(err, ErrHolderAlive) = %v", errors.Is(err, ErrHolderAlive))
			}
			got := ""
			if err != nil {
				got = err.Error()
			}
			if (tt.wantErr == "") != (got == "") || !strings.Contains(got, tt.wantErr) {
				t.Errorf("ForceUnlock error %q, want one containing %q", got, tt.wantErr)
			}
			if errors.Is(err, ErrNotLocked) != tt.notLocked {
				t.Errorf("errors.Is(err, ErrNotLocked) = %v, want %v", !tt.notLocked, tt.notLocked)
			}
			_, statErr := os.Stat(path + ".lock")
			if diff := cmp.Diff(tt.lockRemain, statErr == nil); diff != "" {
				t.Errorf("lock file remains (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLockOfDeadProcess: a lock left by a killed run on this machine says so, with the remedy.
func TestLockOfDeadProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	gone := LockInfo{ID: "22222222-bbbb", Who: "bob@" + host, Operation: "apply", Created: lockTime, Host: host, PID: cmd.Process.Pid}
	if _, err := Lock(context.Background(), path, gone, 0); err != nil {
		t.Fatal(err)
	}
	_, err := Lock(context.Background(), path, LockInfo{Operation: "plan"}, 0)
	want := fmt.Sprintf("but that process (pid %d) is no longer running: it was killed or crashed; release the lock with: leasefile force-unlock 22222222-bbbb", cmd.Process.Pid)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("lock of a finished process: %v\nwant it to contain %q", err, want)
	}
	// The live holder (this test process) is not called gone.
	alive := LockInfo{Host: host, PID: os.Getpid()}
	if alive.holderGone() || !alive.HolderAlive() {
		t.Error("a live process's lock is called stale")
	}
	if gone.HolderAlive() {
		t.Error("a finished process's lock is called alive")
	}
}

// TestLockAppearsWhole: the lock file was created empty and written afterwards, so a second
// run could read an empty lock (and be told to remove it) while the holder was alive, and a
// kill in between left a lock with no ID or PID. It now appears with its content or not at all.
func TestLockAppearsWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	published := false
	testOnlyBeforePublish = func(lockPath string) {
		published = true
		if _, err := os.Stat(lockPath); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the lock file exists before its content is ready: %v", err)
		}
	}
	t.Cleanup(func() { testOnlyBeforePublish = nil })
	l, err := Lock(context.Background(), path, LockInfo{Operation: "apply"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !published {
		t.Fatal("the publish hook never ran")
	}
	info, err := readLock(path + ".lock")
	if err != nil || info.ID != l.Info().ID {
		t.Fatalf("lock file: %+v, %v; want ID %s", info, err, l.Info().ID)
	}
	if tmps, _ := filepath.Glob(path + ".lock.new-*"); len(tmps) != 0 {
		t.Errorf("temporary lock files left: %v", tmps)
	}
	// A second run sees the held lock, never an empty one.
	testOnlyBeforePublish = nil
	if _, err := Lock(context.Background(), path, LockInfo{Operation: "plan"}, 0); err == nil || !strings.Contains(err.Error(), l.Info().ID) {
		t.Errorf("second Lock: %v, want the holder's ID %s", err, l.Info().ID)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// TestLockRemovesDeadRunsTemps: a run killed before publishing its lock leaves path.lock.new-PID;
// the next Lock removes it when that process is gone.
func TestLockRemovesDeadRunsTemps(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	dead := path + ".lock.new-999999999"
	if err := os.WriteFile(dead, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Lock(context.Background(), path, LockInfo{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if _, err := os.Stat(dead); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a dead run's temporary lock file stayed: %v", err)
	}
}
