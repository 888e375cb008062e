package emulator_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
)

// TestCloseKeepsOtherWriters: two processes on one data file (two --local commands) must not
// undo each other's leases when the one that changed nothing exits.
func TestCloseKeepsOtherWriters(t *testing.T) {
	data := filepath.Join(t.TempDir(), "emu.json")
	clock := emulator.NewFakeClock(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC))
	first, err := emulator.Start(emulator.Config{Clock: clock, DataFile: data})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil { // creates the file
		t.Fatal(err)
	}
	idle, err := emulator.Start(emulator.Config{Clock: clock, DataFile: data})
	if err != nil {
		t.Fatal(err)
	}
	busy := newEnv(t, emulator.Config{Clock: clock, DataFile: data})
	busy.create("CHI@UC", busy.login("CHI@UC", "demo"), hostLease("kept", "2026-12-02 09:00", "2026-12-02 10:00", "compute_skylake", 1))
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := emulator.New(emulator.Config{Clock: clock, DataFile: data})
	if err != nil {
		t.Fatal(err)
	}
	if got := again.Leases("CHI@UC"); len(got) != 1 || got[0].Name != "kept" {
		t.Fatalf("leases after the idle emulator closed: %+v, want the one lease another emulator saved", got)
	}
}
