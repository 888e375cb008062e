package httpstate

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chameleoncloud/leasefile/state"
)

// server is Terraform's HTTP backend protocol as GitLab serves it: a locked state accepts a
// POST only with the holder's ?ID, LOCK on a held lock answers 423 (or 409) with the holder.
type server struct {
	mu       sync.Mutex
	state    []byte
	lock     []byte // the holder's lock info, nil when free
	conflict bool   // answer 409 instead of 423
	user     string
	posts    int
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, _, _ := r.BasicAuth(); u != s.user {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	body, _ := io.ReadAll(r.Body)
	holder := func() string {
		var li struct{ ID string }
		_ = json.Unmarshal(s.lock, &li)
		return li.ID
	}
	switch r.Method {
	case http.MethodGet:
		if s.state == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Write(s.state)
	case http.MethodPost:
		if s.lock != nil && r.URL.Query().Get("ID") != holder() {
			http.Error(w, "locked by another", http.StatusConflict)
			return
		}
		s.state = body
		s.posts++
	case "LOCK":
		if s.lock != nil {
			if s.conflict {
				w.WriteHeader(http.StatusConflict)
			} else {
				w.WriteHeader(http.StatusLocked)
			}
			w.Write(s.lock)
			return
		}
		s.lock = body
	case "UNLOCK":
		var li struct{ ID string }
		if json.Unmarshal(body, &li) == nil && s.lock != nil && li.ID != holder() {
			w.WriteHeader(http.StatusConflict)
			w.Write(s.lock)
			return
		}
		s.lock = nil
	default:
		http.Error(w, "method", http.StatusMethodNotAllowed)
	}
}

var ctx = context.Background()

func newBackend(t *testing.T, s *server) *Backend {
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.user = "gitlab-ci-token"
	return New(Config{Address: srv.URL + "/api/v4/projects/1/terraform/state/exp42", Username: "gitlab-ci-token", Password: "secret-token"})
}

func TestReadWriteUnderLock(t *testing.T) {
	s := &server{}
	b := newBackend(t, s)
	f, existed, err := b.Read(ctx)
	if err != nil || existed {
		t.Fatalf("Read of an empty server: existed=%v err=%v", existed, err)
	}
	h, err := b.Lock(ctx, state.LockInfo{Operation: "apply"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var wire map[string]any
	_ = json.Unmarshal(s.lock, &wire)
	if wire["ID"] != h.Info().ID || wire["Operation"] != "apply" {
		t.Errorf("lock body = %s, want Terraform's lock info with ID and Operation", s.lock)
	}
	f.SetLease("a", &state.Lease{ID: "1"})
	if err := b.Write(ctx, f); err != nil {
		t.Fatal(err)
	}
	// A second run cannot lock, and learns who holds it.
	other := New(b.c)
	_, err = other.Lock(ctx, state.LockInfo{Operation: "apply"}, 0)
	var le *state.LockedError
	if !errors.As(err, &le) || le.Info.ID != h.Info().ID || le.Info.Operation != "apply" {
		t.Fatalf("second lock: err = %v, want a *state.LockedError naming %s", err, h.Info().ID)
	}
	// Nor write without the lock.
	g, _, _ := other.Read(ctx)
	g.SetLease("b", &state.Lease{ID: "2"})
	if err := other.Write(ctx, g); err == nil || !strings.Contains(err.Error(), "409") {
		t.Errorf("write without the lock: err = %v, want the server's 409", err)
	}
	if err := h.Unlock(); err != nil {
		t.Fatal(err)
	}
	got, existed, err := b.Read(ctx)
	if err != nil || !existed {
		t.Fatalf("Read: existed=%v err=%v", existed, err)
	}
	if diff := cmp.Diff([]string{"a"}, got.Keys()); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	// A stale copy is refused by the lineage/serial check.
	got.SetLease("c", &state.Lease{ID: "3"})
	if err := b.Write(ctx, got); err != nil {
		t.Fatal(err)
	}
	f.SetLease("d", &state.Lease{ID: "4"})
	var ce *state.ConflictError
	if err := b.Write(ctx, f); !errors.As(err, &ce) {
		t.Fatalf("stale write: err = %v, want a *state.ConflictError", err)
	}
}

func TestLockConflictAndForceUnlock(t *testing.T) {
	s := &server{conflict: true}
	b := newBackend(t, s)
	h, err := b.Lock(ctx, state.LockInfo{Operation: "apply"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var le *state.LockedError
	if _, err := New(b.c).Lock(ctx, state.LockInfo{}, 0); !errors.As(err, &le) || le.Info.ID != h.Info().ID {
		t.Fatalf("409: err = %v, want a *state.LockedError", err)
	}
	if _, err := b.ForceUnlock(ctx, "wrong", false); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("force-unlock with a wrong ID: %v", err)
	}
	if _, err := b.ForceUnlock(ctx, h.Info().ID, false); !errors.Is(err, state.ErrHolderAlive) {
		t.Errorf("force-unlock of a live holder: err = %v, want ErrHolderAlive", err)
	}
	if _, err := b.ForceUnlock(ctx, h.Info().ID, true); err != nil {
		t.Fatal(err)
	}
	if s.lock != nil {
		t.Errorf("lock still held after force-unlock: %s", s.lock)
	}
	if _, err := b.ForceUnlock(ctx, h.Info().ID, true); !errors.Is(err, state.ErrNotLocked) {
		t.Errorf("force-unlock with no lock: err = %v, want ErrNotLocked", err)
	}
	if s.lock != nil {
		t.Errorf("force-unlock of a free state left its probe lock: %s", s.lock)
	}
}

// Credentials never reach an error or the location.
func TestNoSecretInErrors(t *testing.T) {
	b := New(Config{Address: "http://user:pa55word@127.0.0.1:1/state?token=t0ken", Password: "pa55word"})
	_, _, err := b.Read(ctx)
	if err == nil {
		t.Fatal("read from a closed port succeeded")
	}
	for _, s := range []string{err.Error(), b.Location()} {
		if strings.Contains(s, "pa55word") || strings.Contains(s, "t0ken") {
			t.Errorf("a secret reached %q", s)
		}
	}
}
