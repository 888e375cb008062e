package state

import (
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// FormatVersion is the version of the state file format this package writes.
// Files with a higher version are refused by Load.
const FormatVersion = 1

// DefaultFileName is the state file's name, beside a Leasefile of one of the
// default names, when the user does not pass --state.
const DefaultFileName = "leasefile.state.json"

// defaultLeasefiles are the names spec.Find looks for: they share DefaultFileName.
var defaultLeasefiles = []string{"Leasefile", "Leasefile.yaml", "leasefile.yaml"}

// FileNameFor is the default state file name for the Leasefile at path: DefaultFileName
// for the default names, NAME.state.json for NAME.yaml (or NAME.yml, or NAME), so that
// Leasefiles side by side in one folder do not share a state.
func FileNameFor(path string) string {
	base := filepath.Base(path)
	if path == "" || slices.Contains(defaultLeasefiles, base) {
		return DefaultFileName
	}
	for _, ext := range []string{".yaml", ".yml", ".json"} {
		if n, ok := strings.CutSuffix(base, ext); ok && n != "" {
			base = n
			break
		}
	}
	return base + ".state.json"
}

// File is the content of a state file. It is not safe for concurrent use, reads included:
// Lease records what it was asked for, and the first Clone, Save or diff of a decoded File
// builds what it compares with (settle). Store serializes every use during apply.
type File struct {
	FormatVersion int    `json:"format_version"`
	Lineage       string `json:"lineage"`
	Serial        int64  `json:"serial"`
	// Leasefile is the Leasefile that wrote the state, relative to the state's directory
	// with forward slashes; "" in states written before it was recorded.
	Leasefile string              `json:"leasefile,omitempty"`
	Sites     map[string]Identity `json:"sites,omitempty"`
	Leases    map[string]*Lease   `json:"leases,omitempty"`
	Intents   []Intent            `json:"intents,omitempty"`

	// baseline is the canonical JSON (serial zeroed) of the content last
	// loaded or saved; nil until then. Save compares against it so that only
	// real changes are written and bump Serial.
	baseline []byte
	// pending, after a decode, holds the bytes decoded: baseline (and snap) are made from
	// them on first use (settle), so that a run that only reads the state (a plan) does not
	// pay for them. Non-nil only while baseline and snap are nil.
	pending *pending
	// snap is a copy of the content last loaded or saved (serial included), what a journal
	// save diffs against; nil until then. journaled is true when Load replayed a journal.
	snap      *File
	journaled bool
	// touched holds the lease keys Lease, SetLease and RemoveLease were called with since
	// the last journal save, so that the next one diffs only those; nil when not tracked
	// (then a save diffs every lease).
	touched map[string]struct{}
	// touchedIntents is touched for the intents: the keys AddIntent and DropIntent were
	// called with since the last journal save; nil when not tracked.
	touchedIntents map[string]struct{}
	// keyedOK, keyedLen and keyedFirst say that Intents, at that length and first element,
	// was last known sorted by key with one intent per key (keyed), so that AddIntent and
	// DropIntent find a key by binary search: a run holds one intent per create in flight,
	// thousands of them. A list replaced or resized by other means no longer matches and is
	// checked again; Intents' keys are not edited in place.
	keyedOK    bool
	keyedLen   int
	keyedFirst *Intent
}

// pending is what a decoded File's baseline and snap are made from (File.pending).
type pending struct {
	data string // the state's text, as decoded
	snap bool   // false for a clone, which has the baseline alone (see Clone)
}

// settle makes f's baseline and snap from the bytes it was decoded from, if not made yet.
func (f *File) settle() {
	p := f.pending
	if p == nil {
		return
	}
	f.pending = nil
	// The bytes decoded and encoded once already (decode), and decode is deterministic:
	// neither can fail now.
	g, err := decodeContent(p.data)
	if err != nil {
		panic("state: a decoded state no longer decodes: " + err.Error())
	}
	if f.baseline, err = g.canonical(0); err != nil {
		panic("state: a decoded state no longer encodes: " + err.Error())
	}
	if p.snap {
		f.snap = g
	}
}

// Identity is the cloud identity a site was used with. It holds no secret on
// purpose: the state may be shared, committed or attached to a bug report.
type Identity struct {
	AuthURL   string `json:"auth_url,omitempty"`
	ProjectID string `json:"project_id,omitempty"`
	UserID    string `json:"user_id,omitempty"`
	// Local is true when the site is served by the local emulator (--local).
	Local bool `json:"local,omitempty"`
}

// Lease is what the state knows of the Blazar lease that a Leasefile key owns.
type Lease struct {
	ID     string    `json:"id"`
	Name   string    `json:"name,omitempty"`
	Site   string    `json:"site,omitempty"`
	Status string    `json:"status,omitempty"`
	Start  time.Time `json:"start,omitzero"`
	End    time.Time `json:"end,omitzero"`
	// UpdatedAt is Blazar's updated_at exactly as received, "" when null;
	// kept verbatim so a saved plan can tell whether the lease moved since.
	UpdatedAt string `json:"updated_at,omitempty"`
	// Reservations maps each reservation key of the Leasefile to its
	// reservation in Blazar.
	Reservations map[string]Reservation `json:"reservations,omitempty"`
	// CreatedAt is Blazar's created_at.
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// Reservation identifies one reservation of a lease and records what was
// sent for it where Blazar does not show it back: Chameleon's Blazar returns
// no network fields, so a network reservation's are recorded here at create
// (and after an update that changes them). A plan compares with them when
// Blazar is silent. NetworkName is non-empty whenever the fields were
// recorded, so empty values then mean "sent empty".
type Reservation struct {
	ID                 string `json:"id"`
	ResourceType       string `json:"resource_type,omitempty"`
	NetworkName        string `json:"network_name,omitempty"`
	NetworkDescription string `json:"network_description,omitempty"`
	ResourceProperties string `json:"resource_properties,omitempty"`
	BeforeEnd          string `json:"before_end,omitempty"`
}

// Intent records that apply is about to create a lease, so that a run
// interrupted between Blazar's answer and the state save can find and adopt
// that lease instead of creating a second one.
type Intent struct {
	Key  string    `json:"key"`
	Site string    `json:"site,omitempty"`
	Name string    `json:"name"`
	Time time.Time `json:"time"`
	// ID is the lease ID once Blazar returned it; "" while the create call
	// has not answered.
	ID string `json:"id,omitempty"`
	// Unsent marks an intent whose create call has not been sent yet: a run
	// killed then made no lease, so nothing may be adopted for it. apply
	// clears it, and sets Sent, in a save made just before the first call.
	// An intent without either (an older leasefile's) may have been sent at
	// Time.
	Unsent bool `json:"unsent,omitempty"`
	// Sent is when the first create call was sent: a lease it made was
	// created after Sent (less clock skew), which narrows what may be adopted.
	Sent time.Time `json:"sent,omitzero"`
}

// Since is when the intent's create may first have made a lease: Sent, or
// Time for an intent that does not record it.
func (in Intent) Since() time.Time {
	if !in.Sent.IsZero() {
		return in.Sent
	}
	return in.Time
}

// New returns an empty state with a fresh lineage and serial 0.
func New() *File {
	return &File{
		FormatVersion: FormatVersion,
		Lineage:       uuid.NewString(),
		Sites:         map[string]Identity{},
		Leases:        map[string]*Lease{},
	}
}

// Clone returns a deep copy of f, including what it was last loaded or saved
// as, so saving the copy behaves as saving f would.
func (f *File) Clone() *File {
	c := *f
	c.Sites = maps.Clone(f.Sites)
	if c.Sites == nil {
		c.Sites = map[string]Identity{}
	}
	c.Leases = make(map[string]*Lease, len(f.Leases))
	for k, l := range f.Leases {
		c.Leases[k] = l.clone()
	}
	c.Intents = slices.Clone(f.Intents)
	c.baseline = slices.Clone(f.baseline)
	c.snap, c.touched, c.touchedIntents, c.keyedOK = nil, nil, nil, false
	if f.pending != nil { // the baseline still to be made, as f's is
		c.pending = &pending{data: f.pending.data}
	}
	if f.snap != nil && f.baseline == nil { // after a journal save, snap alone tells the content
		c.snap = f.snap.content()
	}
	return &c
}

// content is a deep copy of f's content alone, without what it was loaded or saved as.
func (f *File) content() *File {
	c := *f
	c.baseline, c.snap, c.journaled, c.touched, c.touchedIntents, c.pending = nil, nil, false, nil, nil, nil
	return c.Clone()
}

func (l *Lease) clone() *Lease {
	if l == nil {
		return nil
	}
	c := *l
	c.Reservations = maps.Clone(l.Reservations)
	return &c
}

// touch notes that the lease under key may change (see touched).
func (f *File) touch(key string) {
	if f.touched != nil {
		f.touched[key] = struct{}{}
	}
}

// Keys returns the lease keys in sorted order.
func (f *File) Keys() []string {
	return slices.Sorted(maps.Keys(f.Leases))
}

// Lease returns the lease recorded under key. The pointer is the stored one:
// changes through it change the state.
func (f *File) Lease(key string) (*Lease, bool) {
	f.touch(key)
	l, ok := f.Leases[key]
	return l, ok && l != nil
}

// SetLease records l under key, replacing any previous lease.
func (f *File) SetLease(key string, l *Lease) {
	f.touch(key)
	if f.Leases == nil {
		f.Leases = map[string]*Lease{}
	}
	f.Leases[key] = l
}

// RemoveLease forgets the lease under key; it reports whether there was one.
func (f *File) RemoveLease(key string) bool {
	f.touch(key)
	_, ok := f.Leases[key]
	delete(f.Leases, key)
	return ok
}

// SetSite records the identity site was used with; the auth URL is recorded as PublicURL
// gives it. An identity CheckSite takes for the recorded one (the local emulator on this
// run's port) is kept as recorded, so that a run that changes nothing else writes nothing.
func (f *File) SetSite(site string, id Identity) {
	if rec, ok := f.Sites[site]; ok && rec.UserID == id.UserID && f.CheckSite(site, id) == nil {
		return
	}
	if f.Sites == nil {
		f.Sites = map[string]Identity{}
	}
	id.AuthURL = PublicURL(id.AuthURL)
	f.Sites[site] = id
}

// PublicURL returns an auth URL without what may carry a secret: user information
// (https://user:password@host), the query and the fragment. States and plans record it.
func PublicURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		// Not a URL: keep at most what precedes anything that looks like userinfo or a query.
		if i := strings.IndexAny(raw, "@?#"); i >= 0 {
			return raw[:i]
		}
		return raw
	}
	if u.User == nil && u.RawQuery == "" && u.Fragment == "" && !u.ForceQuery {
		return raw
	}
	u.User, u.RawQuery, u.Fragment, u.ForceQuery = nil, "", "", false
	return u.String()
}

// AddIntent records in before a create call. An intent already recorded for
// the same key is replaced: one key has at most one create in flight.
func (f *File) AddIntent(in Intent) {
	f.touchIntent(in.Key)
	if f.keyed() {
		if i, found := f.intentIndex(in.Key); found {
			f.Intents[i] = in
		} else {
			f.Intents = slices.Insert(f.Intents, i, in)
		}
		f.markKeyed(true)
		return
	}
	f.DropIntent(in.Key)
	f.Intents = append(f.Intents, in)
	slices.SortStableFunc(f.Intents, func(a, b Intent) int { return strings.Compare(a.Key, b.Key) })
}

// keyed reports whether Intents is sorted by key with one intent per key, as AddIntent
// keeps it, checking the whole list only when it changed other than by AddIntent and
// DropIntent.
func (f *File) keyed() bool {
	if f.keyedOK && len(f.Intents) == f.keyedLen && (len(f.Intents) == 0 || &f.Intents[0] == f.keyedFirst) {
		return true
	}
	ok := sortedUniqueKeys(f.Intents)
	f.markKeyed(ok)
	return ok
}

func (f *File) markKeyed(ok bool) {
	f.keyedOK, f.keyedLen, f.keyedFirst = ok, len(f.Intents), nil
	if len(f.Intents) > 0 {
		f.keyedFirst = &f.Intents[0]
	}
}

// intentIndex is where key's intent is, or would be inserted, in a keyed list.
func (f *File) intentIndex(key string) (int, bool) {
	return slices.BinarySearchFunc(f.Intents, key, func(in Intent, k string) int { return strings.Compare(in.Key, k) })
}

// sortedUniqueKeys reports whether ins is sorted by key with one intent per key.
func sortedUniqueKeys(ins []Intent) bool {
	for i := 1; i < len(ins); i++ {
		if ins[i-1].Key >= ins[i].Key {
			return false
		}
	}
	return true
}

// touchIntent notes that the intent of key may change (see touchedIntents).
func (f *File) touchIntent(key string) {
	if f.touchedIntents != nil {
		f.touchedIntents[key] = struct{}{}
	}
}

// PendingIntents returns a copy of the intents still recorded, sorted by key.
// An intent without ID means the create may or may not have happened; one
// with an ID means the lease exists but was not yet recorded under its key.
func (f *File) PendingIntents() []Intent {
	return slices.Clone(f.Intents)
}

// DropIntent forgets the intent of key, once its lease is recorded or known
// not to exist; it reports whether there was one.
func (f *File) DropIntent(key string) bool {
	f.touchIntent(key)
	if f.keyed() {
		i, found := f.intentIndex(key)
		if !found {
			return false
		}
		if f.Intents = slices.Delete(f.Intents, i, i+1); len(f.Intents) == 0 {
			f.Intents = nil // as a loaded file without intents has it
		}
		f.markKeyed(true)
		return true
	}
	n := len(f.Intents)
	f.Intents = slices.DeleteFunc(f.Intents, func(in Intent) bool { return in.Key == key })
	if len(f.Intents) == 0 {
		f.Intents = nil // as a loaded file without intents has it
	}
	return len(f.Intents) != n
}

// SiteMismatchError reports that the state was written against another cloud
// identity than the one this run uses for a site.
type SiteMismatchError struct {
	Site  string
	State Identity // identity recorded in the state
	Run   Identity // identity of this run
}

func (e *SiteMismatchError) Error() string {
	return fmt.Sprintf("site %s: state was written against %s, project %s; this run uses %s, project %s",
		e.Site, describeURL(e.State), e.State.ProjectID, describeURL(e.Run), e.Run.ProjectID)
}

func describeURL(s Identity) string {
	if s.Local {
		return s.AuthURL + " (local emulator)"
	}
	return s.AuthURL
}

// CheckSite returns a *SiteMismatchError if the state already records, for
// site, another cloud or project than id; nil if it matches or if the site is
// not recorded yet. The user ID is not compared: members of one project may
// share a state.
//
// The emulator listens on a new port each run, so two local identities are
// compared by project only; a local identity never matches a real one, which
// keeps --local from touching a real-cloud state and the reverse. localhost
// and 127.0.0.1 name the same Keystone (the project must match as always).
func (f *File) CheckSite(site string, id Identity) error {
	rec, ok := f.Sites[site]
	if !ok {
		return nil
	}
	same := rec.Local == id.Local && rec.ProjectID == id.ProjectID
	if same && !rec.Local {
		same = sameKeystone(rec.AuthURL, id.AuthURL)
	}
	if same {
		return nil
	}
	return &SiteMismatchError{Site: site, State: rec, Run: id}
}

// LeasefileMismatchError is a state used with a Leasefile other than the one that wrote it.
type LeasefileMismatchError struct {
	// State is the state file; Recorded and Used are the Leasefiles, as paths.
	State, Recorded, Used string
}

func (e *LeasefileMismatchError) Error() string {
	return fmt.Sprintf("state %s was written by Leasefile %s, not %s: each Leasefile has its own state", e.State, e.Recorded, e.Used)
}

// CheckLeasefile reports whether the Leasefile at leasefile (a path) may use the state saved
// at statePath, and records it as the state's writer when none is. A state that records
// another Leasefile is refused while it holds leases or intents; an empty one is taken over.
func (f *File) CheckLeasefile(statePath, leasefile string) error {
	dir := filepath.Dir(statePath)
	absDir, err1 := filepath.Abs(dir)
	absFile, err2 := filepath.Abs(leasefile)
	rel, err := filepath.Rel(absDir, absFile)
	if err1 != nil || err2 != nil || err != nil {
		rel = leasefile
	}
	rel = filepath.ToSlash(rel)
	if f.Leasefile != "" && f.Leasefile != rel && (len(f.Leases) > 0 || len(f.Intents) > 0) {
		return &LeasefileMismatchError{State: statePath, Recorded: filepath.Join(dir, filepath.FromSlash(f.Leasefile)), Used: leasefile}
	}
	f.Leasefile = rel
	return nil
}

// sameKeystone compares two auth URLs, with localhost taken for 127.0.0.1 and a final slash
// ignored.
func sameKeystone(a, b string) bool {
	norm := func(s string) string {
		s = strings.TrimSuffix(s, "/")
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return s
		}
		if h, port := u.Hostname(), u.Port(); strings.EqualFold(h, "localhost") || h == "::1" {
			u.Host = "127.0.0.1"
			if port != "" {
				u.Host += ":" + port
			}
		}
		u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
		return u.String()
	}
	return norm(a) == norm(b)
}
