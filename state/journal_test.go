package state_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chameleoncloud/leasefile/state"
)

// lockedStore is a Store on a Local whose lock is held, as apply runs: its saves after the
// first go to the journal.
func lockedStore(t *testing.T, path string) (*state.Store, state.Held) {
	t.Helper()
	b := state.NewLocal(path)
	held, err := b.Lock(context.Background(), state.LockInfo{Operation: "test"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	f, _, err := b.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return state.NewStore(b, f).WithLock(held), held
}

func setLease(key, id string) func(*state.File) {
	return func(f *state.File) { f.SetLease(key, &state.Lease{ID: id, Status: "PENDING"}) }
}

func mustLoad(t *testing.T, path string) *state.File {
	t.Helper()
	f, err := state.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestJournalSavesAndCompacts: under the lock the saves after the first append to the
// journal, which Load replays (serial one per change), and Unlock writes it into the file.
func TestJournalSavesAndCompacts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	st, held := lockedStore(t, path)
	for _, u := range []func(*state.File){setLease("a", "id-a"), setLease("b", "id-b"),
		func(f *state.File) {}, func(f *state.File) { f.RemoveLease("a") }} {
		if err := st.Update(u); err != nil {
			t.Fatal(err)
		}
	}
	onDisk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(onDisk), "id-b") {
		t.Fatal("the file was rewritten; want the saves after the first in the journal")
	}
	fi, err := os.Stat(path + ".journal")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v, want 0600", fi.Mode().Perm())
	}
	f := mustLoad(t, path)
	if _, ok := f.Lease("a"); ok || f.Serial != 3 {
		t.Fatalf("replayed serial %d, keys %v; want 3, [b]", f.Serial, f.Keys())
	}
	if l, ok := f.Lease("b"); !ok || l.ID != "id-b" {
		t.Fatalf("replayed keys %v; want [b]", f.Keys())
	}
	if err := held.Unlock(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".journal"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("journal after Unlock: %v; want it compacted away", err)
	}
	onDisk, _ = os.ReadFile(path)
	if !strings.Contains(string(onDisk), "id-b") || strings.Contains(string(onDisk), "id-a") ||
		!strings.Contains(string(onDisk), `"serial": 3`) {
		t.Fatalf("file after Unlock:\n%s", onDisk)
	}
	backup, _ := os.ReadFile(path + ".backup")
	if !strings.Contains(string(backup), `"serial": 1`) {
		t.Fatalf("backup after Unlock:\n%s\nwant the previous full state (serial 1)", backup)
	}
}

// TestJournalTornAppend: a save killed mid-append leaves a partial last line; the state
// loads as of the save before, and the next run appends after it.
func TestJournalTornAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	st, held := lockedStore(t, path)
	for _, u := range []func(*state.File){setLease("a", "id-a"), setLease("b", "id-b"), setLease("c", "id-c")} {
		if err := st.Update(u); err != nil {
			t.Fatal(err)
		}
	}
	j, err := os.ReadFile(path + ".journal")
	if err != nil {
		t.Fatal(err)
	}
	// The kill: the last line (lease c) only partly written, and the lock left behind.
	last := strings.LastIndexByte(strings.TrimSuffix(string(j), "\n"), '\n')
	if err := os.WriteFile(path+".journal", j[:last+1+(len(j)-last)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	f := mustLoad(t, path)
	if _, ok := f.Lease("c"); ok || f.Serial != 2 {
		t.Fatalf("after a torn append: serial %d, keys %v; want 2, [a b]", f.Serial, f.Keys())
	}
	if _, ok := f.Lease("b"); !ok {
		t.Fatalf("after a torn append: keys %v; want [a b]", f.Keys())
	}
	// A corrupt line (bad checksum) is ignored too, like a torn one.
	jf, err := os.OpenFile(path+".journal", os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	jf.WriteString("\n00000000 {\"lineage\":\"" + f.Lineage + "\",\"serial\":3,\"del\":[\"a\"]}\n")
	jf.Close()
	if f := mustLoad(t, path); f.Serial != 2 || len(f.Keys()) != 2 {
		t.Fatalf("after a corrupt line: serial %d, keys %v; want 2, [a b]", f.Serial, f.Keys())
	}

	if _, err := state.ForceUnlock(path, held.Info().ID, true); err != nil { // never unlocked: killed
		t.Fatal(err)
	}
	st, held = lockedStore(t, path)
	for _, u := range []func(*state.File){setLease("d", "id-d"), setLease("e", "id-e")} {
		if err := st.Update(u); err != nil {
			t.Fatal(err)
		}
	}
	f = mustLoad(t, path)
	if f.Serial != 4 || strings.Join(f.Keys(), ",") != "a,b,d,e" {
		t.Fatalf("next run: serial %d, keys %v; want 4, [a b d e]", f.Serial, f.Keys())
	}
	if err := held.Unlock(); err != nil {
		t.Fatal(err)
	}
	if f := mustLoad(t, path); f.Serial != 4 || strings.Join(f.Keys(), ",") != "a,b,d,e" {
		t.Fatalf("compacted: serial %d, keys %v; want 4, [a b d e]", f.Serial, f.Keys())
	}
}

// TestJournalUnchangedCompacts: a run that changes nothing still writes the journal a
// killed run left into the file, without bumping the serial.
func TestJournalUnchangedCompacts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	st, held := lockedStore(t, path)
	for _, u := range []func(*state.File){setLease("a", "id-a"), setLease("b", "id-b")} {
		if err := st.Update(u); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := state.ForceUnlock(path, held.Info().ID, true); err != nil { // killed
		t.Fatal(err)
	}
	st, held = lockedStore(t, path)
	if err := st.Update(func(*state.File) {}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".journal"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("journal after a full save: %v; want none", err)
	}
	if err := held.Unlock(); err != nil {
		t.Fatal(err)
	}
	onDisk, _ := os.ReadFile(path)
	if !strings.Contains(string(onDisk), "id-b") || !strings.Contains(string(onDisk), `"serial": 2`) {
		t.Fatalf("file:\n%s\nwant lease b at serial 2", onDisk)
	}
}

// TestJournalNoCompactAfterForceUnlock: a run whose lock was taken over leaves the file and
// the journal to the new holder.
func TestJournalNoCompactAfterForceUnlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	st, held := lockedStore(t, path)
	for _, u := range []func(*state.File){setLease("a", "id-a"), setLease("b", "id-b")} {
		if err := st.Update(u); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := state.ForceUnlock(path, held.Info().ID, true); err != nil {
		t.Fatal(err)
	}
	_, other := lockedStore(t, path)
	defer other.Unlock()
	if err := held.Unlock(); err == nil {
		t.Fatal("Unlock of a lock taken over: no error")
	}
	if _, err := os.Stat(path + ".journal"); err != nil {
		t.Fatalf("journal after the old holder's Unlock: %v; want it left to the new holder", err)
	}
}

// TestJournalTracksChanges: a journal save writes what changed through the pointer Lease
// returns, a Move, and leases added or removed directly in the map.
func TestJournalTracksChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	st, held := lockedStore(t, path)
	defer held.Unlock()
	steps := []func(*state.File){
		setLease("a", "id-a"), setLease("b", "id-b"),
		func(f *state.File) { l, _ := f.Lease("a"); l.Status = "ACTIVE" },
		func(f *state.File) {
			if err := f.Move("b", "c"); err != nil {
				t.Error(err)
			}
		},
		func(f *state.File) { f.Leases["d"] = &state.Lease{ID: "id-d"} },
	}
	for _, u := range steps {
		if err := st.Update(u); err != nil {
			t.Fatal(err)
		}
	}
	f := mustLoad(t, path)
	if f.Serial != 5 || strings.Join(f.Keys(), ",") != "a,c,d" {
		t.Fatalf("replayed serial %d, keys %v; want 5, [a c d]", f.Serial, f.Keys())
	}
	if l, _ := f.Lease("a"); l.Status != "ACTIVE" {
		t.Fatalf("lease a status %q; want the change made through Lease's pointer", l.Status)
	}
}
