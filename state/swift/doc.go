// Package swift keeps a leasefile state in an OpenStack Swift container (Chameleon's object
// store), as a state.Backend: the state under its key, every version written also under
// KEY.history/, and the lock as the object KEY.lock.
//
// Swift offers no compare-and-swap (If-Match on PUT is ignored), and its conditional create
// (If-None-Match: *) is not atomic under concurrency. The lock therefore rests on a read-back:
//
//   - Before the first lock, the store is probed: two conditional creates of one probe object,
//     the second of which must be refused (412). A store that accepts both ignores conditional
//     writes (Ceph RadosGW's Swift API does), and locking on it is refused with
//     ErrNoConditionalWrites unless the user opted out of locking (Options.NoLock).
//   - A run creates KEY.lock with If-None-Match: * and X-Delete-After (the lock's TTL, so a
//     killed run's lock expires by itself), waits Options.Settle, and reads the lock back with
//     X-Newest: it holds the lock only if the object then carries its own ID. Of two runs
//     whose creates both succeeded, the later write is what both read back, so exactly one
//     keeps it.
//   - The holder renews the TTL (every third of it) while it works, after checking the lock
//     is still its own; a renewal that fails closes Held.Lost, and the Store refuses further
//     writes.
//   - Write re-reads the state (X-Newest) and refuses a changed lineage or a higher serial
//     (state.ConflictError); nothing is overwritten without a copy under KEY.history/.
//
// The package talks to Swift only through gophercloud's objectstorage/v1; it prints nothing.
package swift
