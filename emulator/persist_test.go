package emulator_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
)

func TestPersistence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "emu.json")
	clock := emulator.NewFakeClock(t0)
	a := newEnv(t, emulator.Config{Blazar: emulator.BlazarUpstream, Clock: clock, DataFile: file, StartDelay: -1})
	tok := a.login("CHI@UC", "demo")
	id := a.create("CHI@UC", tok, hostLease("kept", "2030-01-01 10:00", "2030-01-01 12:00", "gpu_a100_pcie", 2))["id"].(string)
	fi, err := os.Stat(file)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("data file: %v %v", fi, err)
	}
	raw, _ := os.ReadFile(file)
	if strings.Contains(string(raw), tok) || strings.Contains(string(raw), "demo-secret") {
		t.Error("a token or secret reached the data file")
	}

	// A second emulator on the same file, later: the lease is there and
	// has moved on with the clock; its hosts are still taken.
	clock.Set(t0.Add(90 * time.Minute))
	b := newEnv(t, emulator.Config{Blazar: emulator.BlazarUpstream, Clock: clock, DataFile: file, StartDelay: -1})
	tok2 := b.login("CHI@UC", "demo")
	if got := b.get("CHI@UC", tok2, id)["status"]; got != "ACTIVE" {
		t.Errorf("reloaded lease is %v", got)
	}
	r := b.call("POST", b.blazar("CHI@UC")+"/leases", tok2, hostLease("more", "2030-01-01 11:00", "2030-01-01 13:00", "gpu_a100_pcie", 1))
	if r.status != 500 {
		t.Errorf("allocation not persisted: %d", r.status)
	}
	if r := b.call("DELETE", b.blazar("CHI@UC")+"/leases/"+id, tok2, nil); r.status != 204 {
		t.Fatalf("delete: %d", r.status)
	}
	c, err := emulator.New(emulator.Config{Clock: clock, DataFile: file})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Leases("CHI@UC")); n != 0 {
		t.Errorf("deleted lease came back: %d", n)
	}
	if entries, _ := os.ReadDir(filepath.Dir(file)); len(entries) != 1 {
		t.Errorf("temp files left: %v", entries)
	}
}

func TestSteering(t *testing.T) {
	v := newEnv(t, emulator.Config{StartDelay: -1})
	tok := v.login("CHI@UC", "demo")
	id := v.create("CHI@UC", tok, hostLease("s", "2030-01-01 10:00", "2030-01-01 12:00", "compute_skylake", 1))["id"].(string)
	if err := v.emu.SetLeaseName("CHI@UC", id, "renamed"); err != nil {
		t.Fatal(err)
	}
	if err := v.emu.SetLeaseEnd("CHI@UC", id, t0.Add(30*time.Hour)); err != nil {
		t.Fatal(err)
	}
	l := v.get("CHI@UC", tok, id)
	eq(t, []any{"renamed", "2030-01-02T15:00:00.000000", "2030-01-02T15:00:00.000000"}, []any{l["name"], l["end_date"], eventsByType(l)["end_lease"]["time"]})
	if err := v.emu.DeleteLease("CHI@UC", id); err != nil {
		t.Fatal(err)
	}
	if r := v.call("GET", v.blazar("CHI@UC")+"/leases/"+id, tok, nil); r.status != 404 {
		t.Errorf("after DeleteLease: %d", r.status)
	}
	if err := v.emu.DeleteLease("CHI@UC", id); err == nil {
		t.Error("deleting twice succeeded")
	}
}

func TestServerHelpers(t *testing.T) {
	s, err := emulator.Start(emulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	eq(t, []string{"CHI@UC", "CHI@TACC", "CHI@Edge", "KVM@TACC"}, s.Sites())
	eq(t, s.URL+"/chi-edge/identity/v3", s.AuthURL("CHI@Edge"))
	env := strings.Join(s.Env("CHI@TACC"), "\n")
	for _, want := range []string{"OS_AUTH_URL=" + s.URL + "/chi-tacc/identity/v3", "OS_REGION_NAME=CHI@TACC", "OS_PROJECT_NAME=demo", "OS_AUTH_TYPE=password"} {
		if !strings.Contains(env, want) {
			t.Errorf("Env lacks %s", want)
		}
	}
	y := string(s.CloudsYAML())
	if !strings.Contains(y, `"CHI@UC":`) || !strings.Contains(y, `region_name: "CHI@UC"`) {
		t.Errorf("clouds.yaml:\n%s", y)
	}
}

func TestLoadInventory(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "inv.json")
	os.WriteFile(good, []byte(`{"sites": [{"name": "LAB@HOME", "hosts": [{"id": "1", "hypervisor_hostname": "h1", "vcpus": 4,
		"memory_mb": 1024, "local_gb": 10, "extra": {"node_type": "tiny"}}]}]}`), 0o600)
	inv, err := emulator.LoadInventory(good)
	if err != nil {
		t.Fatal(err)
	}
	v := newEnv(t, emulator.Config{Inventory: inv})
	tok := v.login("LAB@HOME", "demo")
	l := v.create("LAB@HOME", tok, hostLease("x", "2030-01-01 10:00", "2030-01-10 10:00", "tiny", 1))
	// Upstream's 60 minutes before the end; no duration policy.
	eq(t, "2030-01-10T09:00:00.000000", eventsByType(l)["before_end_lease"]["time"])

	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"sites": [{"name": "X", "hosts": [{"id": "1"}]}]}`), 0o600)
	if _, err := emulator.LoadInventory(bad); err == nil {
		t.Error("host without hypervisor_hostname accepted")
	}
}
