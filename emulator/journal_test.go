package emulator_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chameleoncloud/leasefile/emulator"
)

// TestJournal: mutations after the first are appended to the journal, an emulator that never
// closed (a killed --local client) loses none of them, and loading compacts the journal
// into the data file.
func TestJournal(t *testing.T) {
	file := filepath.Join(t.TempDir(), "emu.json")
	journal := file + ".journal"
	a := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0), DataFile: file, StartDelay: -1})
	tok := a.login("CHI@UC", "demo")
	gone := a.create("CHI@UC", tok, hostLease("gone", "2030-01-01 10:00", "2030-01-01 12:00", "compute_skylake", 1))["id"].(string)
	kept := a.create("CHI@UC", tok, hostLease("kept", "2030-01-02 10:00", "2030-01-02 12:00", "compute_skylake", 1))["id"].(string)
	if r := a.call("PUT", a.blazar("CHI@UC")+"/leases/"+kept, tok, map[string]any{"name": "renamed"}); r.status != 200 {
		t.Fatalf("update: %d %s", r.status, r.raw)
	}
	if r := a.call("DELETE", a.blazar("CHI@UC")+"/leases/"+gone, tok, nil); r.status/100 != 2 {
		t.Fatalf("delete: %d", r.status)
	}
	raw, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(raw), "\n"); n != 3 {
		t.Errorf("journal holds %d lines, want 3 (create, update, delete):\n%s", n, raw)
	}
	if strings.Contains(string(raw), tok) || strings.Contains(string(raw), "demo-secret") {
		t.Error("a token or secret reached the journal")
	}
	if fi, err := os.Stat(journal); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("journal: %v %v", fi, err)
	}
	if err := a.emu.SetLeaseName("CHI@UC", kept, "steered"); err != nil { // in place: a full write
		t.Fatal(err)
	}
	if _, err := os.Stat(journal); err == nil {
		t.Error("a full write left the journal behind")
	}
	if r := a.call("PUT", a.blazar("CHI@UC")+"/leases/"+kept, tok, map[string]any{"name": "last"}); r.status != 200 {
		t.Fatalf("update: %d %s", r.status, r.raw)
	}

	// a is never closed.
	b, err := emulator.New(emulator.Config{Clock: emulator.NewFakeClock(t0), DataFile: file})
	if err != nil {
		t.Fatal(err)
	}
	got := b.Leases("CHI@UC")
	if len(got) != 1 || got[0].ID != kept || got[0].Name != "last" {
		t.Fatalf("leases after a reload: %+v, want only %s named last", got, kept)
	}
	if _, err := os.Stat(journal); err == nil {
		t.Error("loading did not compact the journal")
	}
	if data, _ := os.ReadFile(file); !strings.Contains(string(data), `"name": "last"`) {
		t.Errorf("the compacted data file lacks the last update:\n%s", data)
	}
}

// TestJournalTornTail: a crash in the middle of appending leaves a line without its newline;
// that mutation was never answered, and loading ignores it and keeps the ones before.
func TestJournalTornTail(t *testing.T) {
	file := filepath.Join(t.TempDir(), "emu.json")
	a := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0), DataFile: file, StartDelay: -1})
	tok := a.login("CHI@UC", "demo")
	a.create("CHI@UC", tok, hostLease("first", "2030-01-01 10:00", "2030-01-01 12:00", "compute_skylake", 1))
	a.create("CHI@UC", tok, hostLease("second", "2030-01-02 10:00", "2030-01-02 12:00", "compute_skylake", 1))
	f, err := os.OpenFile(file+".journal", os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"changes":[{"site":"CHI@UC","put":[{"id":"torn","name":"to`); err != nil {
		t.Fatal(err)
	}
	f.Close()

	b := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0), DataFile: file, StartDelay: -1})
	var names []string
	for _, l := range b.emu.Leases("CHI@UC") {
		names = append(names, l.Name)
	}
	eq(t, []string{"first", "second"}, names)
	// The torn line is gone with the compaction: the next append does not land after it.
	b.create("CHI@UC", b.login("CHI@UC", "demo"), hostLease("third", "2030-01-03 10:00", "2030-01-03 12:00", "compute_skylake", 1))
	c, err := emulator.New(emulator.Config{Clock: emulator.NewFakeClock(t0), DataFile: file})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Leases("CHI@UC")); n != 3 {
		t.Errorf("%d leases after the next append, want 3", n)
	}
}

// TestJournalCorrupt: a damaged line that is not the last is an error that says where, not
// a silent loss of the mutations after it.
func TestJournalCorrupt(t *testing.T) {
	file := filepath.Join(t.TempDir(), "emu.json")
	if err := os.WriteFile(file+".journal", []byte("{oops\n{\"changes\":[]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := emulator.New(emulator.Config{DataFile: file})
	if err == nil || !strings.Contains(err.Error(), "emu.json.journal:1:") {
		t.Fatalf("New: %v, want an error at emu.json.journal:1", err)
	}
}

// TestJournalFailedAppend: a mutation that cannot be journaled answers 500 and is undone.
func TestJournalFailedAppend(t *testing.T) {
	file := filepath.Join(t.TempDir(), "emu.json")
	v := newEnv(t, emulator.Config{Clock: emulator.NewFakeClock(t0), DataFile: file, StartDelay: -1})
	tok := v.login("CHI@UC", "demo")
	v.create("CHI@UC", tok, hostLease("saved", "2030-01-01 10:00", "2030-01-01 12:00", "compute_skylake", 1))
	if err := os.Mkdir(file+".journal", 0o700); err != nil { // no file can be opened there
		t.Fatal(err)
	}
	r := v.call("POST", v.blazar("CHI@UC")+"/leases", tok, hostLease("unsaved", "2030-01-02 10:00", "2030-01-02 12:00", "compute_skylake", 1))
	if r.status != 500 {
		t.Errorf("create with no journal: %d, want 500", r.status)
	}
	if got := v.emu.Leases("CHI@UC"); len(got) != 1 || got[0].Name != "saved" {
		t.Errorf("leases after the failed save: %+v, want only the saved one", got)
	}
}
