package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestLockDir: a second --local command waits for the first, then gives up with a message.
func TestLockDir(t *testing.T) {
	path := t.TempDir() + "/emulator.lock"
	unlock, err := lockDir(context.Background(), path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockDir(context.Background(), path, 200*time.Millisecond); err == nil || !strings.Contains(err.Error(), "another leasefile --local command") {
		t.Fatalf("second lock: %v, want it refused", err)
	}
	unlock()
	again, err := lockDir(context.Background(), path, time.Second)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again()
}

// TestPlanLiveDropsWhatAPlanNeverAsks: a plan's list keeps the leases the state tracks
// (whole) and those of the Leasefile's names (without their reservations), and leaves out the
// rest, whose IDs are still the project's for the availability check; live keeps them all.
func TestPlanLiveDropsWhatAPlanNeverAsks(t *testing.T) {
	const others = "version: 1\ndefaults: {site: CHI@UC, duration: 6h}\nleases:\n" +
		"  other: {reservations: {ip: {type: floating_ip}}}\n  b: {reservations: {ip: {type: floating_ip}}}\n"
	const ours = "version: 1\ndefaults: {site: CHI@UC, duration: 6h}\nleases:\n" +
		"  a: {reservations: {ip: {type: floating_ip}}}\n"
	w := newTestWorld(t, others)
	w.leasefile("apply", "-auto-approve")
	w.dir = t.TempDir() // another project directory, the same project
	w.write("Leasefile", ours)
	w.leasefile("apply", "-auto-approve")
	w.write("Leasefile", ours+"  b: {reservations: {ip: {type: floating_ip}}}\n")
	ids := map[string]string{}
	for _, l := range w.srv.Emulator.Leases("CHI@UC") {
		ids[l.Name] = l.ID
	}
	if len(ids) != 3 {
		t.Fatalf("the emulator holds %v, want a, b and other", ids)
	}

	ctx := context.Background()
	s, err := w.app().openSession(ctx, specRequired)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if err := s.connect(ctx, s.siteNames()); err != nil {
		t.Fatal(err)
	}
	live, err := s.planLive(ctx, s.spec)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{} // name: with its reservations
	for _, l := range live["CHI@UC"] {
		got[l.Name] = l.Reservations != nil
	}
	if want := map[string]bool{"a": true, "b": false}; !maps.Equal(got, want) {
		t.Errorf("planLive kept %v (name: whole), want %v", got, want)
	}
	if !slices.Equal(s.lastDropped, []string{ids["other"]}) {
		t.Errorf("dropped %v, want other's ID %s", s.lastDropped, ids["other"])
	}
	if own := ownLeases(live, s.lastDropped); len(own) != 3 || !own[ids["a"]] || !own[ids["b"]] || !own[ids["other"]] {
		t.Errorf("own leases %v, want the three of %v", own, ids)
	}
	all, err := s.live(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all["CHI@UC"]) != 3 || len(s.lastDropped) != 0 {
		t.Errorf("live listed %d leases and dropped %v, want all 3 and none", len(all["CHI@UC"]), s.lastDropped)
	}
}

// TestHashText holds the Leasefile hash of the text read as a string to the SHA-256 of the
// file's bytes, which saved plans recorded.
func TestHashText(t *testing.T) {
	for _, n := range []int{0, 1, 4095, 4096, 4097, 100_000} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i*7 + i/4096)
		}
		path := filepath.Join(t.TempDir(), "Leasefile")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		text, err := (&app{}).readLeasefileText(path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if text != string(data) || hashText(text) != hex.EncodeToString(sum[:]) {
			t.Errorf("%d bytes: read or hashed otherwise than the file's bytes", n)
		}
	}
}
