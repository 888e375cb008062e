package swift

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/objectstorage/v1/objects"

	"github.com/chameleoncloud/leasefile/state"
)

// envURL names the Swift endpoint (http://127.0.0.1:PORT/v1, no auth) that scripts/swift.sh
// starts; make swift-test sets it.
const envURL = "LEASEFILE_SWIFT_URL"

// testClient returns a client of a fresh account of the real Swift.
func testClient(t *testing.T) *gophercloud.ServiceClient {
	t.Helper()
	u := os.Getenv(envURL)
	if u == "" {
		t.Skip(envURL + " is not set: run make swift-test, which starts a Swift on loopback with scripts/swift.sh")
	}
	return accountClient(u, "AUTH_"+strings.ReplaceAll(uuid.NewString(), "-", ""))
}

func accountClient(base, account string) *gophercloud.ServiceClient {
	pc := &gophercloud.ProviderClient{}
	return &gophercloud.ServiceClient{ProviderClient: pc, Endpoint: strings.TrimSuffix(base, "/") + "/" + account + "/"}
}

var ctx = context.Background()

func TestReadWriteKeepsHistory(t *testing.T) {
	c := testClient(t)
	b := New(c, "leasefile-state", "exp42", Options{Site: "CHI@UC"})
	if got, want := b.Location(), "swift://CHI@UC/leasefile-state/exp42"; got != want {
		t.Errorf("Location() = %q, want %q", got, want)
	}
	f, existed, err := b.Read(ctx)
	if err != nil || existed {
		t.Fatalf("Read of an empty store: existed=%v, err=%v", existed, err)
	}
	f.SetLease("a", &state.Lease{ID: "1"})
	if err := b.Write(ctx, f); err != nil {
		t.Fatal(err)
	}
	f.SetLease("b", &state.Lease{ID: "2"})
	if err := b.Write(ctx, f); err != nil {
		t.Fatal(err)
	}
	if err := b.Write(ctx, f); err != nil { // unchanged: nothing written
		t.Fatal(err)
	}
	got, existed, err := b.Read(ctx)
	if err != nil || !existed {
		t.Fatalf("Read: existed=%v, err=%v", existed, err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, got.Keys()); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if got.Serial != 2 || got.Lineage != f.Lineage {
		t.Errorf("serial %d lineage %s, want 2 %s", got.Serial, got.Lineage, f.Lineage)
	}
	names, err := objects.List(c, "leasefile-state", objects.ListOpts{Prefix: b.HistoryPrefix()}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hist, _ := objects.ExtractNames(names)
	if len(hist) != 2 || !strings.HasPrefix(hist[0], b.HistoryPrefix()+fmt.Sprintf("%020d", 1)) {
		t.Errorf("history = %q, want one object per version written", hist)
	}

	// A run that read serial 2 cannot write after another wrote serial 3.
	stale, _, _ := b.Read(ctx)
	got.SetLease("c", &state.Lease{ID: "3"})
	if err := b.Write(ctx, got); err != nil {
		t.Fatal(err)
	}
	stale.SetLease("d", &state.Lease{ID: "4"})
	var ce *state.ConflictError
	if err := b.Write(ctx, stale); !errors.As(err, &ce) {
		t.Fatalf("stale write: err = %v, want a *state.ConflictError", err)
	}
	other := state.New()
	other.SetLease("x", &state.Lease{ID: "9"})
	if err := b.Write(ctx, other); !errors.As(err, &ce) || ce.StoredLineage == ce.WantLineage {
		t.Fatalf("write of another lineage: err = %v, want a lineage *state.ConflictError", err)
	}
	final, _, _ := b.Read(ctx)
	if diff := cmp.Diff([]string{"a", "b", "c"}, final.Keys()); diff != "" {
		t.Errorf("keys after refused writes (-want +got):\n%s", diff)
	}
}

func TestLockExcludesAndForceUnlock(t *testing.T) {
	c := testClient(t)
	o := Options{Site: "CHI@UC", PollInterval: 100 * time.Millisecond}
	a := New(c, "leasefile-state", "exp", o)
	b := New(c, "leasefile-state", "exp", o)
	h, err := a.Lock(ctx, state.LockInfo{Operation: "apply"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Lock(ctx, state.LockInfo{Operation: "apply"}, 0)
	var le *state.LockedError
	if !errors.As(err, &le) || le.Info.ID != h.Info().ID || le.Info.Operation != "apply" {
		t.Fatalf("second lock: err = %v, want a *state.LockedError naming %s", err, h.Info().ID)
	}
	if _, err := b.ForceUnlock(ctx, "not-the-id", false); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("force-unlock with a wrong ID: err = %v", err)
	}
	// The holder is this process: alive.
	if _, err := b.ForceUnlock(ctx, h.Info().ID, false); !errors.Is(err, state.ErrHolderAlive) {
		t.Errorf("force-unlock of a live holder: err = %v, want ErrHolderAlive", err)
	}
	if _, err := b.ForceUnlock(ctx, h.Info().ID, true); err != nil {
		t.Fatal(err)
	}
	if err := h.Unlock(); err == nil || !strings.Contains(err.Error(), "removed by someone else") {
		t.Errorf("unlock after force-unlock: err = %v", err)
	}
	h2, err := b.Lock(ctx, state.LockInfo{Operation: "import"}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := h2.Unlock(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ForceUnlock(ctx, h2.Info().ID, false); !errors.Is(err, state.ErrNotLocked) {
		t.Errorf("force-unlock with no lock: err = %v, want ErrNotLocked", err)
	}
}

// A lock deleted behind the holder's back (expired, force-unlocked) is reported lost at the
// next renewal.
func TestLockLostWhenRenewalFails(t *testing.T) {
	c := testClient(t)
	b := New(c, "leasefile-state", "exp", Options{TTL: 3 * time.Second})
	h, err := b.Lock(ctx, state.LockInfo{Operation: "apply"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ForceUnlock(ctx, h.Info().ID, true); err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.Lost():
	case <-time.After(time.Minute): // a bound against a hang, not a timing assertion
		t.Fatal("the lock was not reported lost")
	}
	s := state.NewStore(b, state.New()).WithLock(h)
	if err := s.Update(func(f *state.File) { f.SetLease("a", &state.Lease{ID: "1"}) }); !errors.Is(err, state.ErrLockLost) {
		t.Errorf("write after the lock was lost: err = %v, want ErrLockLost", err)
	}
}

// A store that accepts a second conditional create (as Ceph RadosGW's Swift API does) is
// refused for locking, unless locking is off.
func TestProbeRefusesStoreIgnoringConditionalWrites(t *testing.T) {
	var mu sync.Mutex
	objs := map[string][]byte{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.Method {
		case http.MethodPut:
			objs[r.URL.Path] = []byte("x") // If-None-Match ignored
			w.WriteHeader(http.StatusCreated)
		case http.MethodDelete:
			delete(objs, r.URL.Path)
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := accountClient(srv.URL+"/v1", "AUTH_x")
	_, err := New(c, "leasefile-state", "exp", Options{}).Lock(ctx, state.LockInfo{}, 0)
	if !errors.Is(err, ErrNoConditionalWrites) {
		t.Fatalf("lock on a store ignoring If-None-Match: err = %v, want ErrNoConditionalWrites", err)
	}
	mu.Lock()
	for name := range objs {
		if strings.HasSuffix(name, ".lock") {
			t.Errorf("a lock object %s was written on a store that failed the probe", name)
		}
	}
	mu.Unlock()
	h, err := New(c, "leasefile-state", "exp", Options{NoLock: true}).Lock(ctx, state.LockInfo{}, 0)
	if err != nil {
		t.Fatalf("lock: none: %v", err)
	}
	if err := h.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// Race: many processes contend for one lock, each round adding its key to the state under
// it. The test binary is the contender (envRace). Exactly one holds the lock at a time (a
// marker file created exclusively while holding it), and no write is lost or refused.
const envRace = "LEASEFILE_SWIFT_RACE"

func TestLockRace(t *testing.T) {
	c := testClient(t)
	const procs, rounds = 5, 2
	dir := t.TempDir()
	account := strings.TrimSuffix(c.Endpoint[strings.LastIndex(strings.TrimSuffix(c.Endpoint, "/"), "/")+1:], "/")
	var wg sync.WaitGroup
	outs := make([][]byte, procs)
	errs := make([]error, procs)
	for i := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestLockRaceContender$", "-test.v")
			cmd.Env = append(os.Environ(), envRace+"="+strings.Join([]string{dir, account, strconv.Itoa(i), strconv.Itoa(rounds)}, ","))
			outs[i], errs[i] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for i := range procs {
		if errs[i] != nil {
			t.Errorf("contender %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "violation")); err == nil {
		v, _ := os.ReadFile(filepath.Join(dir, "violation"))
		t.Errorf("two contenders held the lock at once: %s", v)
	}
	f, _, err := New(c, "leasefile-state", "race", Options{}).Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range procs {
		for r := range rounds {
			want = append(want, fmt.Sprintf("p%d-r%d", i, r))
		}
	}
	if diff := cmp.Diff(want, f.Keys()); diff != "" {
		t.Errorf("keys written under the lock (-want +got):\n%s", diff)
	}
	if f.Serial != procs*rounds {
		t.Errorf("serial = %d, want %d: one write per round", f.Serial, procs*rounds)
	}
}

func TestLockRaceContender(t *testing.T) {
	arg := os.Getenv(envRace)
	if arg == "" {
		t.Skip("run by TestLockRace")
	}
	parts := strings.Split(arg, ",")
	dir, account, me := parts[0], parts[1], parts[2]
	rounds, _ := strconv.Atoi(parts[3])
	c := accountClient(os.Getenv(envURL), account)
	b := New(c, "leasefile-state", "race", Options{PollInterval: 200 * time.Millisecond})
	marker := filepath.Join(dir, "holding")
	for r := range rounds {
		h, err := b.Lock(ctx, state.LockInfo{Operation: "race " + me}, 3*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		m, err := os.OpenFile(marker, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			os.WriteFile(filepath.Join(dir, "violation"), []byte("p"+me+" got the lock while "+marker+" existed"), 0o600)
			t.Fatalf("p%s holds the lock, but so does another: %v", me, err)
		}
		m.Close()
		f, _, err := b.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f.SetLease(fmt.Sprintf("p%s-r%d", me, r), &state.Lease{ID: me})
		if err := b.Write(ctx, f); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(marker); err != nil {
			t.Fatal(err)
		}
		if err := h.Unlock(); err != nil {
			t.Fatal(err)
		}
	}
}
