package state_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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

// TestJournalIntentsByKey: a save that adds, replaces or drops one intent among many
// journals that intent alone (the whole list in every record made a run of N creates cost
// N^2), and Load replays the journal to the same intents, in key order.
func TestJournalIntentsByKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	st, held := lockedStore(t, path)
	defer held.Unlock()
	at := time.Date(2027, 1, 4, 8, 0, 0, 0, time.UTC)
	if err := st.Update(func(f *state.File) {
		for i := range 200 {
			f.AddIntent(state.Intent{Key: fmt.Sprintf("k%03d", 199-i), Name: "n", Time: at, Unsent: true})
		}
	}); err != nil {
		t.Fatal(err)
	}
	journal := func() int64 {
		fi, err := os.Stat(path + ".journal")
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	steps := []func(*state.File){
		func(f *state.File) { f.AddIntent(state.Intent{Key: "k100", Name: "n", Time: at, Sent: at}) }, // replace
		func(f *state.File) { f.DropIntent("k007") },                                                  // drop
		func(f *state.File) { f.AddIntent(state.Intent{Key: "k0500", Name: "new", Time: at}) },        // insert
		func(f *state.File) { f.SetLease("k100", &state.Lease{ID: "L"}); f.DropIntent("k100") },       // record a create
	}
	for i, u := range steps {
		before := journal()
		if err := st.Update(u); err != nil {
			t.Fatal(err)
		}
		if grown := journal() - before; grown <= 0 || grown > 1024 {
			t.Errorf("step %d journalled %d bytes; want one intent's worth (the list holds 200)", i, grown)
		}
	}
	want := st.Snapshot().Intents
	got := mustLoad(t, path).Intents
	if len(got) != 199 || !slices.EqualFunc(got, want, func(a, b state.Intent) bool {
		return a.Key == b.Key && a.Name == b.Name && a.Time.Equal(b.Time) && a.Sent.Equal(b.Sent) && a.Unsent == b.Unsent
	}) {
		t.Fatalf("replayed %d intents, want the store's %d:\n%v\n%v", len(got), len(want), got, want)
	}
	if !slices.IsSortedFunc(got, func(a, b state.Intent) int { return strings.Compare(a.Key, b.Key) }) {
		t.Errorf("replayed intents not in key order: %v", got)
	}
}

// TestJournalIntentsReplay: after every save of a random run of intent and lease changes,
// Load (the file and its journal) gives the store's intents and leases.
func TestJournalIntentsReplay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	st, held := lockedStore(t, path)
	defer held.Unlock()
	rng := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2027, 1, 4, 8, 0, 0, 0, time.UTC)
	for step := range 400 {
		k := fmt.Sprintf("k%02d", rng.IntN(40))
		var u func(*state.File)
		switch rng.IntN(4) {
		case 0, 1:
			u = func(f *state.File) {
				f.AddIntent(state.Intent{Key: k, Name: k, Time: at.Add(time.Duration(step) * time.Second), Unsent: rng.IntN(2) == 0})
			}
		case 2:
			u = func(f *state.File) { f.DropIntent(k) }
		default:
			u = func(f *state.File) { f.SetLease(k, &state.Lease{ID: fmt.Sprint(step)}); f.DropIntent(k) }
		}
		if err := st.Update(u); err != nil {
			t.Fatal(err)
		}
		want, got := st.Snapshot(), mustLoad(t, path)
		if !slices.EqualFunc(got.Intents, want.Intents, func(a, b state.Intent) bool {
			return a.Key == b.Key && a.Time.Equal(b.Time) && a.Unsent == b.Unsent
		}) || !slices.Equal(got.Keys(), want.Keys()) {
			t.Fatalf("step %d: loaded intents %v, keys %v; the store has %v, %v", step, got.Intents, got.Keys(), want.Intents, want.Keys())
		}
	}
}
