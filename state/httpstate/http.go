// Package httpstate keeps a leasefile state on a server speaking Terraform's HTTP backend
// protocol (GitLab's managed Terraform state, for one), as a state.Backend:
//
//	GET    address            the state (404 or 204: none yet)
//	POST   address?ID=LOCKID  store the state
//	LOCK   lock_address       take the lock; the body is the lock info; 423 or 409 when held,
//	                          with the holder's lock info as the body
//	UNLOCK unlock_address     release it; the body is the lock info
//
// Lock info is Terraform's JSON (ID, Operation, Info, Who, Version, Created, Path) plus
// leasefile's Host and PID. Write re-reads the state and refuses a changed lineage or a
// higher serial (state.ConflictError). The package prints nothing; credentials (basic auth)
// are given by the caller and never appear in errors.
package httpstate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/chameleoncloud/leasefile/state"
)

// callTimeout bounds each request, so that a write the caller cannot cancel still ends.
const callTimeout = 30 * time.Second

// Config places the state.
type Config struct {
	Address       string // the state's URL
	LockAddress   string // "" : Address
	UnlockAddress string // "" : LockAddress
	// Username and Password, when set, are sent as basic auth.
	Username, Password string
	// NoLock skips locking (lock: none).
	NoLock bool
	// Client is the HTTP client; nil: http.DefaultClient.
	Client *http.Client
	// PollInterval is how often a held lock is tried again (0: one second).
	PollInterval time.Duration
}

// Backend is a state on an HTTP backend server.
type Backend struct {
	c Config

	mu     sync.Mutex
	lockID string // of the lock this process holds through b, sent with every POST
}

// New returns the backend of c.
func New(c Config) *Backend {
	if c.LockAddress == "" {
		c.LockAddress = c.Address
	}
	if c.UnlockAddress == "" {
		c.UnlockAddress = c.LockAddress
	}
	if c.Client == nil {
		c.Client = http.DefaultClient
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	return &Backend{c: c}
}

// Location is the state's address without credentials or query.
func (b *Backend) Location() string { return state.PublicURL(b.c.Address) }

// lockInfo is Terraform's lock info on the wire, with leasefile's process identity.
type lockInfo struct {
	ID        string    `json:"ID"`
	Operation string    `json:"Operation"`
	Info      string    `json:"Info"`
	Who       string    `json:"Who"`
	Version   string    `json:"Version"`
	Created   time.Time `json:"Created"`
	Path      string    `json:"Path"`
	Host      string    `json:"Host,omitempty"`
	PID       int       `json:"PID,omitempty"`
}

func toWire(i state.LockInfo) lockInfo {
	return lockInfo{ID: i.ID, Operation: i.Operation, Who: i.Who, Version: "leasefile", Created: i.Created, Path: i.Path, Host: i.Host, PID: i.PID}
}

func fromWire(w lockInfo) state.LockInfo {
	return state.LockInfo{ID: w.ID, Operation: w.Operation, Who: w.Who, Created: w.Created, Path: w.Path, Host: w.Host, PID: w.PID}
}

// do sends one request and returns the status and at most MaxFileBytes of the body.
func (b *Backend) do(ctx context.Context, method, addr string, body []byte) (int, []byte, error) {
	c, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(c, method, addr, r)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, state.PublicURL(addr), err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.c.Username != "" || b.c.Password != "" {
		req.SetBasicAuth(b.c.Username, b.c.Password)
	}
	resp, err := b.c.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the URL, which may carry credentials
		}
		return 0, nil, fmt.Errorf("%s %s: %w", method, state.PublicURL(addr), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, state.MaxFileBytes+1))
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, state.PublicURL(addr), err)
	}
	return resp.StatusCode, data, nil
}

func statusError(method, addr string, code int, body []byte) error {
	msg := string(bytes.TrimSpace(body))
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	if msg == "" {
		return fmt.Errorf("%s %s: HTTP %d", method, state.PublicURL(addr), code)
	}
	return fmt.Errorf("%s %s: HTTP %d: %s", method, state.PublicURL(addr), code, msg)
}

func (b *Backend) get(ctx context.Context) ([]byte, error) {
	code, data, err := b.do(ctx, http.MethodGet, b.c.Address, nil)
	switch {
	case err != nil:
		return nil, err
	case code == http.StatusNotFound || code == http.StatusNoContent || code == http.StatusOK && len(data) == 0:
		return nil, nil
	case code != http.StatusOK:
		return nil, statusError("GET", b.c.Address, code, data)
	}
	return data, nil
}

// Read returns the state, or a new one when the server has none.
func (b *Backend) Read(ctx context.Context) (*state.File, bool, error) {
	data, err := b.get(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("read state: %w", err)
	}
	return state.Stored(b.Location(), data)
}

// Write re-reads the state, refuses one that moved, and posts f's next version with the ID
// of the lock held through b, if any.
func (b *Backend) Write(ctx context.Context, f *state.File) error {
	b.mu.Lock()
	lockID := b.lockID
	b.mu.Unlock()
	v, err := f.Next()
	if err != nil || v == nil {
		return err
	}
	stored, err := b.get(ctx)
	if err != nil {
		return fmt.Errorf("save state: re-read: %w", err)
	}
	if err := state.CheckSuccessor(b.Location(), stored, f); err != nil {
		return err
	}
	addr := b.c.Address
	if lockID != "" {
		u, err := url.Parse(addr)
		if err != nil {
			return fmt.Errorf("save state: address: %w", err)
		}
		q := u.Query()
		q.Set("ID", lockID)
		u.RawQuery = q.Encode()
		addr = u.String()
	}
	code, data, err := b.do(ctx, http.MethodPost, addr, v.Data)
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	if code != http.StatusOK && code != http.StatusCreated && code != http.StatusNoContent {
		return fmt.Errorf("save state: %w", statusError("POST", b.c.Address, code, data))
	}
	f.Written(v)
	return nil
}

// Lock sends LOCK until the server grants it, timeout passes or ctx is done.
func (b *Backend) Lock(ctx context.Context, info state.LockInfo, timeout time.Duration) (state.Held, error) {
	info.Fill(b.Location())
	if b.c.NoLock {
		return &held{b: b, info: info, noLock: true}, nil
	}
	body, err := json.Marshal(toWire(info))
	if err != nil {
		return nil, fmt.Errorf("encode lock: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		code, data, err := b.do(ctx, "LOCK", b.c.LockAddress, body)
		if err != nil {
			return nil, fmt.Errorf("lock state: %w", err)
		}
		switch code {
		case http.StatusOK:
			b.mu.Lock()
			b.lockID = info.ID
			b.mu.Unlock()
			return &held{b: b, info: info, body: body}, nil
		case http.StatusLocked, http.StatusConflict:
		default:
			return nil, fmt.Errorf("lock state: %w", statusError("LOCK", b.c.LockAddress, code, data))
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return nil, b.lockedError(data)
		}
		t := time.NewTimer(min(wait, b.c.PollInterval))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("waiting for the state lock: %w: %w", ctx.Err(), b.lockedError(data))
		case <-t.C:
		}
	}
}

// lockedError reads the holder from a 423 or 409 body.
func (b *Backend) lockedError(body []byte) error {
	var w lockInfo
	if err := json.Unmarshal(body, &w); err != nil || w.ID == "" {
		if err == nil {
			err = errors.New("the server named no holder")
		}
		return &state.LockedError{Info: state.LockInfo{Path: b.Location()}, Err: err}
	}
	return &state.LockedError{Info: fromWire(w)}
}

// ForceUnlock learns the holder (a LOCK attempt answers with it), checks its ID, and sends
// UNLOCK with the holder's lock info.
func (b *Backend) ForceUnlock(ctx context.Context, id string, force bool) (state.LockInfo, error) {
	probe := state.LockInfo{Operation: "force-unlock"}
	probe.Fill(b.Location())
	body, _ := json.Marshal(toWire(probe))
	code, data, err := b.do(ctx, "LOCK", b.c.LockAddress, body)
	if err != nil {
		return state.LockInfo{}, fmt.Errorf("force-unlock: %w", err)
	}
	switch code {
	case http.StatusOK:
		// Nobody held it: release the lock just taken.
		if code, data, err := b.do(ctx, "UNLOCK", b.c.UnlockAddress, body); err != nil || code != http.StatusOK {
			if err == nil {
				err = statusError("UNLOCK", b.c.UnlockAddress, code, data)
			}
			return state.LockInfo{}, fmt.Errorf("force-unlock: %w (the state was not locked; releasing the probe lock %s failed)", err, probe.ID)
		}
		return state.LockInfo{}, fmt.Errorf("force-unlock: %w", state.ErrNotLocked)
	case http.StatusLocked, http.StatusConflict:
	default:
		return state.LockInfo{}, fmt.Errorf("force-unlock: %w", statusError("LOCK", b.c.LockAddress, code, data))
	}
	var le *state.LockedError
	if !errors.As(b.lockedError(data), &le) || le.Err != nil {
		return state.LockInfo{}, fmt.Errorf("force-unlock: the server did not say who holds the lock")
	}
	info := le.Info
	if info.ID != id {
		return info, fmt.Errorf("force-unlock: lock ID %q does not match the lock held by %s since %s for %s (lock ID %s)",
			id, info.Who, info.Created.UTC().Format(time.RFC3339), info.Operation, info.ID)
	}
	if !force && info.HolderAlive() {
		return info, fmt.Errorf("force-unlock: %w: the lock is held by process %d on this machine (%s) for %s since %s, and that process is running",
			state.ErrHolderAlive, info.PID, info.Host, info.Operation, info.Created.UTC().Format(time.RFC3339))
	}
	code, data, err = b.do(ctx, "UNLOCK", b.c.UnlockAddress, mustJSON(toWire(info)))
	if err != nil {
		return info, fmt.Errorf("force-unlock: %w", err)
	}
	if code != http.StatusOK {
		return info, fmt.Errorf("force-unlock: %w", statusError("UNLOCK", b.c.UnlockAddress, code, data))
	}
	return info, nil
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// held is a lock granted by the server. It cannot be lost while held: the server keeps it
// until UNLOCK.
type held struct {
	b        *Backend
	info     state.LockInfo
	body     []byte
	noLock   bool
	released bool
}

func (h *held) Info() state.LockInfo  { return h.info }
func (h *held) Lost() <-chan struct{} { return nil }

// Unlock sends UNLOCK with this lock's info.
func (h *held) Unlock() error {
	if h.released || h.noLock {
		h.released = true
		return nil
	}
	code, data, err := h.b.do(context.Background(), "UNLOCK", h.b.c.UnlockAddress, h.body)
	if err != nil {
		return fmt.Errorf("unlock state: %w", err)
	}
	if code != http.StatusOK {
		return fmt.Errorf("unlock state: %w", statusError("UNLOCK", h.b.c.UnlockAddress, code, data))
	}
	h.released = true
	h.b.mu.Lock()
	if h.b.lockID == h.info.ID {
		h.b.lockID = ""
	}
	h.b.mu.Unlock()
	return nil
}
