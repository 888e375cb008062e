package state

import "time"

// AdoptWindow is how long before an intent's recorded time a lease may have been created
// and still count as the one that intent's create made. The intent's time is the client's
// clock and created_at is Blazar's, so the window absorbs clock skew between them. plan
// (adopting after an interrupted apply) and apply (looking for a lease a failed create call
// may have made) share it, so that both find the same lease.
const AdoptWindow = time.Minute

// CreateCallTimeout is apply's default bound on one API call, and CreateAttempts how many
// times apply sends one create at most. IntentBound is derived from them.
const (
	CreateCallTimeout = 2 * time.Minute
	CreateAttempts    = 5
)

// IntentBound is how long after an intent's recorded time the create it stands for may
// still have made a lease: every attempt apply makes (CreateAttempts calls of at most
// CreateCallTimeout each, plus the backoff between them, which fits in AdoptWindow), plus
// AdoptWindow of clock skew. A lease created later is not that intent's, and an intent older
// than this without a lease never made one. apply stops retrying a create that would end
// past it, so that plan and apply agree.
const IntentBound = CreateCallTimeout*CreateAttempts + 2*AdoptWindow

// Admits reports whether a lease created at createdAt (Blazar's clock) may be the lease of
// the intent (recorded on the client's clock): created within
// [in.Since() - AdoptWindow, in.Since() + IntentBound].
func (in Intent) Admits(createdAt time.Time) bool {
	since := in.Since()
	return !createdAt.Before(since.Add(-AdoptWindow)) && !createdAt.After(since.Add(IntentBound))
}

// Expired reports whether the intent can no longer gain a lease at now (the client's
// clock): its create, if any, has answered or given up, and Blazar's clock is at most
// AdoptWindow ahead.
func (in Intent) Expired(now time.Time) bool {
	return now.After(in.Since().Add(IntentBound + AdoptWindow))
}

// DeposedSuffix marks the state key under which a create-before-destroy keeps the old lease
// between the new lease's creation and the old one's deletion. Lease keys cannot contain
// '~', so it never collides with a Leasefile key; a plan deletes the lease under it.
const DeposedSuffix = "~deposed"

// DeposedKey is the state key of key's deposed lease.
func DeposedKey(key string) string { return key + DeposedSuffix }
