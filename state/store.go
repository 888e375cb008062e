package state

import (
	"context"
	"fmt"
	"sync"
)

// Store serialises the mutations of a File made from several goroutines (apply works on many
// leases at once) and writes the state to its Backend after each one.
//
// Writes are group-committed: mutations queued while a write is in progress are applied
// together and written once, so that parallel operations do not queue behind one fsync (or
// one object-store round trip) each. Update returns only once its mutation is written.
type Store struct {
	b    Backend
	lost <-chan struct{}

	mu sync.Mutex // guards f
	f  *File

	cmu        sync.Mutex // guards queue and committing
	queue      []*commit
	committing bool
}

type commit struct {
	fn   func(*File)
	done chan error
}

// NewStore returns a Store writing f to b. The Store owns f from then on: use Update and
// Snapshot instead of touching f.
func NewStore(b Backend, f *File) *Store {
	return &Store{b: b, f: f}
}

// WithLock makes the Store refuse to write once the lock held is lost (Held.Lost), with an
// error wrapping ErrLockLost. It returns s.
func (s *Store) WithLock(h Held) *Store {
	if h != nil {
		s.lost = h.Lost()
	}
	return s
}

// Lost is closed when the lock the Store writes under is lost; nil when it cannot be.
func (s *Store) Lost() <-chan struct{} { return s.lost }

// Update runs fn on the state, then writes it. Concurrent Updates are written together. If
// the write fails, the change stays in memory and the next Update writes it again. The write
// runs to its end even when the caller's context is cancelled: the backend bounds its calls.
func (s *Store) Update(fn func(*File)) error {
	c := &commit{fn: fn, done: make(chan error, 1)}
	s.cmu.Lock()
	s.queue = append(s.queue, c)
	lead := !s.committing
	s.committing = true
	s.cmu.Unlock()
	if lead {
		s.commitLoop()
	}
	return <-c.done
}

// commitLoop writes batches of queued mutations until the queue is empty.
func (s *Store) commitLoop() {
	for {
		s.cmu.Lock()
		batch := s.queue
		s.queue = nil
		if len(batch) == 0 {
			s.committing = false
			s.cmu.Unlock()
			return
		}
		s.cmu.Unlock()
		err := s.write(batch)
		for _, c := range batch {
			c.done <- err
		}
	}
}

func (s *Store) write(batch []*commit) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range batch {
		c.fn(s.f)
	}
	select {
	case <-s.lost: // never, while nil
		return fmt.Errorf("%w: not writing to %s", ErrLockLost, s.b.Location())
	default:
	}
	return s.b.Write(context.Background(), s.f)
}

// Snapshot returns a deep copy of the state, safe to read while others update.
func (s *Store) Snapshot() *File {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f.Clone()
}

// Location returns where the state is written (Backend.Location).
func (s *Store) Location() string { return s.b.Location() }
