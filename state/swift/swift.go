package swift

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/objectstorage/v1/containers"
	"github.com/gophercloud/gophercloud/v2/openstack/objectstorage/v1/objects"

	"github.com/chameleoncloud/leasefile/state"
)

// ErrNoConditionalWrites is wrapped by Lock's error on a store that fails the probe.
var ErrNoConditionalWrites = errors.New("this object store ignores conditional writes (If-None-Match: *), so a lock on it would not keep a second run out")

// Default timings of the lock.
const (
	DefaultTTL    = 60 * time.Second
	DefaultSettle = time.Second
)

// callTimeout bounds each request, so that a write the caller cannot cancel still ends.
const callTimeout = 30 * time.Second

// Options tune a Backend.
type Options struct {
	// Site names the site in Location ("CHI@UC").
	Site string
	// NoLock (the Leasefile's lock: none) skips the probe and the lock: the user takes the
	// risk of two runs at once.
	NoLock bool
	// TTL is the lock object's X-Delete-After (0: DefaultTTL); it is renewed every TTL/3.
	TTL time.Duration
	// Settle is how long a run waits after creating the lock before reading it back
	// (0: DefaultSettle): longer than a create takes to reach every replica.
	Settle time.Duration
	// PollInterval is how often a held lock is tried again (0: one second).
	PollInterval time.Duration
}

// Backend is a state in a Swift container.
type Backend struct {
	c         *gophercloud.ServiceClient
	container string
	key       string
	o         Options

	probeOnce sync.Once
	probeErr  error
}

// New returns the backend of the state at key in container, through the object-store
// client c (openstack.NewObjectStorageV1). The container is created on the first write.
func New(c *gophercloud.ServiceClient, container, key string, o Options) *Backend {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Settle <= 0 {
		o.Settle = DefaultSettle
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	return &Backend{c: c, container: container, key: key, o: o}
}

// Location is swift://SITE/CONTAINER/KEY.
func (b *Backend) Location() string {
	return fmt.Sprintf("swift://%s/%s/%s", b.o.Site, b.container, b.key)
}

func (b *Backend) lockName() string { return b.key + ".lock" }

// HistoryPrefix is the prefix of the objects that keep every version written, named
// PREFIX + the serial (20 digits) + "-" + a random suffix.
func (b *Backend) HistoryPrefix() string { return b.key + ".history/" }

func call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, callTimeout)
}

func notFound(err error) bool { return gophercloud.ResponseCodeIs(err, http.StatusNotFound) }

// get reads an object with X-Newest; nil, nil when there is none.
func (b *Backend) get(ctx context.Context, name string) ([]byte, error) {
	c, cancel := call(ctx)
	defer cancel()
	res := objects.Download(c, b.c, b.container, name, objects.DownloadOpts{Newest: true})
	if res.Err != nil {
		if notFound(res.Err) {
			return nil, nil
		}
		return nil, res.Err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, state.MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	return data, nil
}

func (b *Backend) put(ctx context.Context, name string, data []byte, opts objects.CreateOpts) error {
	c, cancel := call(ctx)
	defer cancel()
	opts.Content = bytes.NewReader(data)
	opts.ContentLength = int64(len(data))
	opts.ContentType = "application/json"
	err := objects.Create(c, b.c, b.container, name, opts).Err
	if notFound(err) {
		// No container yet: create it, then write again.
		if cerr := containers.Create(c, b.c, b.container, containers.CreateOpts{}).Err; cerr != nil {
			return fmt.Errorf("create container %s: %w", b.container, cerr)
		}
		opts.Content = bytes.NewReader(data)
		err = objects.Create(c, b.c, b.container, name, opts).Err
	}
	return err
}

func (b *Backend) del(ctx context.Context, name string) error {
	c, cancel := call(ctx)
	defer cancel()
	err := objects.Delete(c, b.c, b.container, name, nil).Err
	if notFound(err) {
		return nil
	}
	return err
}

// Read returns the state, or a new one when the key holds none.
func (b *Backend) Read(ctx context.Context) (*state.File, bool, error) {
	data, err := b.get(ctx, b.key)
	if err != nil {
		return nil, false, fmt.Errorf("read state %s: %w", b.Location(), err)
	}
	return state.Stored(b.Location(), data)
}

// Write stores f's next version if it changed: it re-reads the stored state and refuses one
// that moved (state.ConflictError), keeps the version under HistoryPrefix, then replaces the
// state.
func (b *Backend) Write(ctx context.Context, f *state.File) error {
	v, err := f.Next()
	if err != nil || v == nil {
		return err
	}
	stored, err := b.get(ctx, b.key)
	if err != nil {
		return fmt.Errorf("save state %s: re-read: %w", b.Location(), err)
	}
	if err := state.CheckSuccessor(b.Location(), stored, f); err != nil {
		return err
	}
	hist := fmt.Sprintf("%s%020d-%s", b.HistoryPrefix(), v.Serial, uuid.NewString()[:8])
	if err := b.put(ctx, hist, v.Data, objects.CreateOpts{}); err != nil {
		return fmt.Errorf("save state %s: history: %w", b.Location(), err)
	}
	if err := b.put(ctx, b.key, v.Data, objects.CreateOpts{}); err != nil {
		return fmt.Errorf("save state %s: %w", b.Location(), err)
	}
	f.Written(v)
	return nil
}

// Probe checks that the store refuses a second conditional create of one object. It runs
// once per Backend; Lock calls it.
func (b *Backend) Probe(ctx context.Context) error {
	b.probeOnce.Do(func() { b.probeErr = b.probe(ctx) })
	return b.probeErr
}

func (b *Backend) probe(ctx context.Context) error {
	name := b.key + ".probe-" + uuid.NewString()
	opts := objects.CreateOpts{IfNoneMatch: "*", DeleteAfter: 300}
	if err := b.put(ctx, name, []byte("{}"), opts); err != nil {
		return fmt.Errorf("probe %s: %w", b.Location(), err)
	}
	defer b.del(context.WithoutCancel(ctx), name)
	err := b.put(ctx, name, []byte("{}"), opts)
	switch {
	case gophercloud.ResponseCodeIs(err, http.StatusPreconditionFailed):
		return nil
	case err != nil:
		return fmt.Errorf("probe %s: %w", b.Location(), err)
	}
	return fmt.Errorf("%s: %w", b.Location(), ErrNoConditionalWrites)
}

// Lock takes the lock object (see the package documentation).
func (b *Backend) Lock(ctx context.Context, info state.LockInfo, timeout time.Duration) (state.Held, error) {
	info.Fill(b.Location())
	if b.o.NoLock {
		return &held{b: b, info: info, noLock: true}, nil
	}
	if err := b.Probe(ctx); err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode lock: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		ok, err := b.tryLock(ctx, info.ID, data)
		if err != nil {
			return nil, fmt.Errorf("lock state %s: %w", b.Location(), err)
		}
		if ok {
			h := &held{b: b, info: info, data: data, lost: make(chan struct{}), stop: make(chan struct{})}
			go h.renew()
			return h, nil
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return nil, b.heldError(ctx)
		}
		t := time.NewTimer(min(wait, b.o.PollInterval))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("waiting for the state lock: %w: %w", ctx.Err(), b.heldError(context.WithoutCancel(ctx)))
		case <-t.C:
		}
	}
}

// tryLock makes one attempt: a conditional create, the settle delay, the read-back.
func (b *Backend) tryLock(ctx context.Context, id string, data []byte) (bool, error) {
	if cur, err := b.readLock(ctx); err != nil || cur != nil {
		return false, err
	}
	err := b.put(ctx, b.lockName(), data, objects.CreateOpts{IfNoneMatch: "*", DeleteAfter: ttlSeconds(b.o.TTL)})
	if gophercloud.ResponseCodeIs(err, http.StatusPreconditionFailed) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	t := time.NewTimer(b.o.Settle)
	select {
	case <-ctx.Done():
		t.Stop()
		b.releaseIfMine(context.WithoutCancel(ctx), id)
		return false, ctx.Err()
	case <-t.C:
	}
	cur, err := b.readLock(ctx)
	if err != nil {
		return false, err
	}
	return cur != nil && cur.ID == id, nil
}

func ttlSeconds(d time.Duration) int64 { return max(1, int64(d/time.Second)) }

// readLock returns the lock's info, nil when there is no lock.
func (b *Backend) readLock(ctx context.Context) (*state.LockInfo, error) {
	data, err := b.get(ctx, b.lockName())
	if err != nil || data == nil {
		return nil, err
	}
	var info state.LockInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, fmt.Errorf("lock object %s: %w", b.lockName(), err)
	}
	return &info, nil
}

func (b *Backend) heldError(ctx context.Context) error {
	info, err := b.readLock(ctx)
	if err != nil {
		return &state.LockedError{Info: state.LockInfo{Path: b.Location()}, Err: err}
	}
	if info == nil {
		// Released between the attempt and now: report it as held by nobody in particular.
		return &state.LockedError{Info: state.LockInfo{Path: b.Location()}, Err: errors.New("the lock changed hands while this run tried it")}
	}
	return &state.LockedError{Info: *info}
}

// releaseIfMine deletes the lock if it carries id.
func (b *Backend) releaseIfMine(ctx context.Context, id string) {
	if cur, err := b.readLock(ctx); err == nil && cur != nil && cur.ID == id {
		_ = b.del(ctx, b.lockName())
	}
}

// ForceUnlock deletes the lock if its ID is id, unless its holder is known to be alive.
func (b *Backend) ForceUnlock(ctx context.Context, id string, force bool) (state.LockInfo, error) {
	info, err := b.readLock(ctx)
	if err != nil {
		return state.LockInfo{}, fmt.Errorf("force-unlock: %w", err)
	}
	if info == nil {
		return state.LockInfo{}, fmt.Errorf("force-unlock: %w (no lock object %s in %s)", state.ErrNotLocked, b.lockName(), b.container)
	}
	if info.ID != id {
		return *info, fmt.Errorf("force-unlock: lock ID %q does not match the lock held by %s since %s for %s (lock ID %s)",
			id, info.Who, info.Created.UTC().Format(time.RFC3339), info.Operation, info.ID)
	}
	if !force && info.HolderAlive() {
		return *info, fmt.Errorf("force-unlock: %w: the lock is held by process %d on this machine (%s) for %s since %s, and that process is running",
			state.ErrHolderAlive, info.PID, info.Host, info.Operation, info.Created.UTC().Format(time.RFC3339))
	}
	if err := b.del(ctx, b.lockName()); err != nil {
		return *info, fmt.Errorf("force-unlock: %w", err)
	}
	return *info, nil
}

// held is a lock this run holds, renewed until Unlock.
type held struct {
	b      *Backend
	info   state.LockInfo
	data   []byte
	noLock bool

	lost     chan struct{}
	stop     chan struct{}
	mu       sync.Mutex
	released bool
	lostErr  error
}

func (h *held) Info() state.LockInfo { return h.info }

// Lost is closed once a renewal failed.
func (h *held) Lost() <-chan struct{} { return h.lost }

// renew rewrites the lock with a fresh TTL every third of it, after checking it is still
// this run's; on a failure it closes lost and stops.
func (h *held) renew() {
	every := max(h.b.o.TTL/3, 100*time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), every)
		err := h.renewOnce(ctx)
		cancel()
		if err != nil {
			h.mu.Lock()
			h.lostErr = err
			h.mu.Unlock()
			close(h.lost)
			return
		}
	}
}

func (h *held) renewOnce(ctx context.Context) error {
	cur, err := h.b.readLock(ctx)
	if err != nil {
		return err
	}
	if cur == nil || cur.ID != h.info.ID {
		return errors.New("the lock is no longer this run's")
	}
	return h.b.put(ctx, h.b.lockName(), h.data, objects.CreateOpts{DeleteAfter: ttlSeconds(h.b.o.TTL)})
}

// Unlock stops the renewal and deletes the lock if it is still this run's.
func (h *held) Unlock() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.released || h.noLock {
		h.released = true
		return nil
	}
	h.released = true
	close(h.stop)
	ctx, cancel := call(context.Background())
	defer cancel()
	cur, err := h.b.readLock(ctx)
	if err != nil {
		return fmt.Errorf("unlock state: %w", err)
	}
	if cur == nil {
		return fmt.Errorf("unlock state: lock %s was removed by someone else (force-unlock, or it expired)", h.info.ID)
	}
	if cur.ID != h.info.ID {
		return fmt.Errorf("unlock state: the lock is now held by %s (lock ID %s), not by this run (lock ID %s); left in place",
			cur.Who, cur.ID, h.info.ID)
	}
	if err := h.b.del(ctx, h.b.lockName()); err != nil {
		return fmt.Errorf("unlock state: %w", err)
	}
	return nil
}
