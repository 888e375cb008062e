package state

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStoreConcurrentUpdates(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	s := NewStore(path, New())
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
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
	// Every Update changed something, so each one saved once.
	if diff := cmp.Diff(int64(2*n), got.Serial); diff != "" {
		t.Errorf("serial (-want +got):\n%s", diff)
	}
	// A no-op Update writes nothing.
	if err := s.Update(func(*File) {}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(int64(2*n), s.Snapshot().Serial); diff != "" {
		t.Errorf("serial after no-op update (-want +got):\n%s", diff)
	}
}

func TestSnapshotIsACopy(t *testing.T) {
	s := NewStore(filepath.Join(t.TempDir(), DefaultFileName), sample())
	snap := s.Snapshot()
	snap.RemoveLease("training")
	if _, ok := s.Snapshot().Lease("training"); !ok {
		t.Error("changing a snapshot changed the store")
	}
}
