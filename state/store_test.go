package state

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStoreConcurrentUpdates(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	s := NewStore(NewLocal(path), New())
	if s.Location() != path {
		t.Errorf("Location() = %q, want %q", s.Location(), path)
	}
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("lease-%02d", i)
			errs <- s.Update(func(f *File) {
				f.AddIntent(Intent{Key: key, Name: key})
			})
			errs <- s.Update(func(f *File) {
				f.SetLease(key, &Lease{ID: "id-" + key, Reservations: map[string]Reservation{"r": {ID: key}}})
				f.DropIntent(key)
			})
			// Readers run alongside writers.
			_ = s.Snapshot().Keys()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := s.Snapshot()
	var wantKeys []string
	for i := range n {
		wantKeys = append(wantKeys, fmt.Sprintf("lease-%02d", i))
	}
	if diff := cmp.Diff(wantKeys, got.Keys()); diff != "" {
		t.Errorf("keys on disk (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, got, ignoreBaseline); diff != "" {
		t.Errorf("disk vs memory (-want +got):\n%s", diff)
	}
	// Every Update changed something; concurrent ones are written together (a group
	// commit), so there is at least one write and at most one per Update.
	if got.Serial < 1 || got.Serial > 2*n {
		t.Errorf("serial = %d, want 1..%d", got.Serial, 2*n)
	}
	// A no-op Update writes nothing.
	if err := s.Update(func(*File) {}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got.Serial, s.Snapshot().Serial); diff != "" {
		t.Errorf("serial after no-op update (-want +got):\n%s", diff)
	}
}

func TestSnapshotIsACopy(t *testing.T) {
	s := NewStore(NewLocal(filepath.Join(t.TempDir(), DefaultFileName)), sample())
	snap := s.Snapshot()
	snap.RemoveLease("training")
	if _, ok := s.Snapshot().Lease("training"); !ok {
		t.Error("changing a snapshot changed the store")
	}
}

// A write refuses to replace a state that another run wrote meanwhile, or another state.
func TestLocalWriteRefusesMovedState(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	b := NewLocal(path)
	ctx := context.Background()
	mine, _, err := b.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mine.SetLease("a", &Lease{ID: "1"})
	if err := b.Write(ctx, mine); err != nil {
		t.Fatal(err)
	}
	theirs, _, err := b.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	theirs.SetLease("b", &Lease{ID: "2"})
	if err := b.Write(ctx, theirs); err != nil {
		t.Fatal(err)
	}
	mine.SetLease("c", &Lease{ID: "3"})
	var ce *ConflictError
	if err := b.Write(ctx, mine); !errors.As(err, &ce) || ce.StoredSerial != 2 || ce.WantSerial != 1 {
		t.Fatalf("write over a newer serial: err = %v, want a *ConflictError 2 vs 1", err)
	}
	other := New()
	other.SetLease("d", &Lease{ID: "4"})
	if err := b.Write(ctx, other); !errors.As(err, &ce) || ce.StoredLineage == ce.WantLineage {
		t.Fatalf("write over another lineage: err = %v, want a *ConflictError", err)
	}
	got, _, err := b.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, got.Keys()); diff != "" {
		t.Errorf("state after refused writes (-want +got):\n%s", diff)
	}
}

// A Store whose lock is lost writes nothing more.
func TestStoreRefusesAfterLockLost(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	h := &fakeHeld{lost: make(chan struct{})}
	s := NewStore(NewLocal(path), New()).WithLock(h)
	if err := s.Update(func(f *File) { f.SetLease("a", &Lease{ID: "1"}) }); err != nil {
		t.Fatal(err)
	}
	close(h.lost)
	if err := s.Update(func(f *File) { f.SetLease("b", &Lease{ID: "2"}) }); !errors.Is(err, ErrLockLost) {
		t.Fatalf("update after the lock was lost: err = %v, want ErrLockLost", err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a"}, got.Keys()); diff != "" {
		t.Errorf("keys on disk (-want +got):\n%s", diff)
	}
}

type fakeHeld struct{ lost chan struct{} }

func (h *fakeHeld) Info() LockInfo        { return LockInfo{} }
func (h *fakeHeld) Unlock() error         { return nil }
func (h *fakeHeld) Lost() <-chan struct{} { return h.lost }
