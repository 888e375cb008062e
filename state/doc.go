// Package state reads and writes leasefile's state file, the record of which
// Blazar lease each Leasefile key owns (the model is Terraform's state).
//
// In the pipeline, plan reads a File to know which live leases are ours, and
// apply mutates it through a Store after every step so that an interrupt or a
// crash loses nothing. The state is kept by a Backend (Terraform's statemgr):
// Local, the file, is the one this package holds; remote ones (object store,
// HTTP) live in subpackages. This package neither prints nor talks to the
// network.
//
// Invariants:
//
//   - No secret is ever stored: File has no field for passwords, tokens or
//     application-credential secrets, only the public identity of each site
//     (auth URL, project and user IDs). Keep it that way when adding fields.
//   - Lineage is fixed when a state is created and never changes; Serial grows
//     by one each time a Save writes different content, and only then. Saving
//     unchanged content writes nothing, so callers may Save after every
//     mutation.
//   - A Save is atomic: readers see either the old or the new file, never a
//     mix. The file is created 0600, and the previous content is kept beside
//     it as path + ".backup". A save killed before its rename leaves a temporary file,
//     which the next save removes.
//   - A Local save costs the size of the change: while a run holds the lock, the saves
//     after its first append the changed entries to path + ".journal" (0600, one
//     checksummed line per save, fsynced; a torn or corrupt line is ignored, and so is a
//     record whose serial does not follow). Load replays it; Unlock, and the first save of
//     the next run, write it into the file, so once a run ends the file alone holds the
//     whole state. The journal is read under the same bounds as the file.
//   - The JSON is stable: map keys sorted, times in UTC, intents sorted by
//     key, empty fields omitted, so equal states produce equal bytes.
//   - Reading costs bounded memory and time: a state file (or saved plan, read with
//     ReadBounded too) over MaxFileBytes is refused before it is read, one nested deeper
//     than MaxJSONDepth with the line and column.
//   - A state written by a newer leasefile (higher FormatVersion) is refused,
//     never silently downgraded.
//   - Each Leasefile has its own state (FileNameFor), and a state records the
//     Leasefile that wrote it: CheckLeasefile refuses another's while it holds
//     leases. States from before the record load as they are.
//   - A Backend's Write refuses (ConflictError) a stored state of another
//     lineage or a higher serial than the one written: nothing another run
//     wrote is overwritten. A Store whose lock is lost (Held.Lost) writes no more.
//   - The meaning of an entry is defined here: an intent's timing (Admits,
//     Expired) and the deposed key (DeposedKey).
//   - One run at a time holds the lock file path + ".lock"; Unlock removes it
//     only while it still carries the holder's ID. ForceUnlock refuses a lock whose process
//     still runs on this machine unless forced.
package state
