package state

import "sync"

// Store serialises the mutations of a File made from several goroutines
// (apply works on many leases at once) and saves after each one.
type Store struct {
	mu   sync.Mutex
	path string
	f    *File
}

// NewStore returns a Store saving f to path. The Store owns f from then on:
// use Update and Snapshot instead of touching f.
func NewStore(path string, f *File) *Store {
	return &Store{path: path, f: f}
}

// Update runs fn on the state under the lock, then saves it. If the save
// fails, the change stays in memory and the next Update saves it again.
func (s *Store) Update(fn func(*File)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.f)
	return s.f.Save(s.path)
}

// Snapshot returns a deep copy of the state, safe to read while others
// update.
func (s *Store) Snapshot() *File {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f.Clone()
}

// Path returns the path the state is saved to.
func (s *Store) Path() string { return s.path }
