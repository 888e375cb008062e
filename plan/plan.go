package plan

import (
	"cmp"
	"time"

	"github.com/chameleoncloud/leasefile/spec"
	"github.com/chameleoncloud/leasefile/state"
)

// FormatVersion is the version of the saved-plan and -json formats. It changes only when a
// field changes meaning or disappears; new fields may be added within a version. Version 2
// types its values (numbers, arrays, RFC 3339 times); schema/plan.schema.json describes it.
const FormatVersion = 2

// Action is what a plan does to one lease. Its value is its glyph, as in Terraform.
type Action rune

// The actions, with Terraform's symbols (DeleteThenCreate renders as -/+, CreateThenDelete
// as +/-).
const (
	NoOp             Action = '0'
	Create           Action = '+'
	Update           Action = '~'
	DeleteThenCreate Action = '∓'
	CreateThenDelete Action = '±'
	Delete           Action = '-'
)

// Symbol is the action's glyph as plans print it.
func (a Action) Symbol() string {
	switch a {
	case DeleteThenCreate:
		return "-/+"
	case CreateThenDelete:
		return "+/-"
	case NoOp:
		return " "
	}
	return string(a)
}

// IsReplace reports whether the action replaces the lease.
func (a Action) IsReplace() bool { return a == DeleteThenCreate || a == CreateThenDelete }

// Verb is the past participle that completes "lease X has been ...".
func (a Action) Verb() string {
	switch a {
	case Create:
		return "created"
	case Update:
		return "updated"
	case Delete:
		return "deleted"
	case DeleteThenCreate, CreateThenDelete:
		return "replaced"
	}
	return "left unchanged"
}

// MarshalText renders the action as a word for JSON: "create", "update", "replace"
// (delete then create), "create-before-destroy", "delete", "no-op".
func (a Action) MarshalText() ([]byte, error) { return []byte(a.word()), nil }

// UnmarshalText reads what MarshalText wrote.
func (a *Action) UnmarshalText(b []byte) error {
	for _, c := range []Action{NoOp, Create, Update, DeleteThenCreate, CreateThenDelete, Delete} {
		if c.word() == string(b) {
			*a = c
			return nil
		}
	}
	return &unknownActionError{string(b)}
}

type unknownActionError struct{ word string }

func (e *unknownActionError) Error() string { return "unknown plan action " + e.word }

func (a Action) word() string {
	switch a {
	case Create:
		return "create"
	case Update:
		return "update"
	case DeleteThenCreate:
		return "replace"
	case CreateThenDelete:
		return "create-before-destroy"
	case Delete:
		return "delete"
	}
	return "no-op"
}

// Plan is what plan computed and apply executes: drift observed, then changes. Saved with
// -out, it carries everything apply needs to refuse it once stale.
type Plan struct {
	FormatVersion int       `json:"format_version"`
	CreatedAt     time.Time `json:"created_at"`

	// What the plan was made against, checked by apply PLANFILE.
	Lineage       string                    `json:"lineage"`
	Serial        int64                     `json:"serial"`
	StateExisted  bool                      `json:"state_existed"`
	LeasefileHash string                    `json:"leasefile_hash"` // sha256 hex of the Leasefile bytes
	Sites         map[string]state.Identity `json:"sites"`          // identity of each site planned

	Destroy     bool     `json:"destroy,omitempty"`
	RefreshOnly bool     `json:"refresh_only,omitempty"`
	Targets     []string `json:"targets,omitempty"`
	Warnings    []string `json:"warnings,omitempty"`

	Drift []Drift    `json:"drift,omitempty"`
	Adopt []Adoption `json:"adopt,omitempty"`
	// DropIntents are the keys whose create intents apply forgets: intents that can no
	// longer be resolved (no lease made within state.IntentBound), or whose key left the Leasefile.
	DropIntents []string `json:"drop_intents,omitempty"`
	// Await are tracked leases that need no change but have not reached the Leasefile's wait
	// goal (an apply timed out or was interrupted while they were STARTING): apply waits for
	// them, as it would have, and fails if they still do not get there.
	Await []Await `json:"await,omitempty"`
	// Moves are the Leasefile's moved: entries the state has not applied yet: apply renames
	// the state entry first, and the changes below use the new key.
	Moves []Move `json:"moves,omitempty"`
	// Forget are keys of removed: entries with destroy: false: apply removes them from the
	// state and leaves their leases in Blazar.
	Forget []string `json:"forget,omitempty"`
	// MoveHints pair a key this plan deletes with a new key it creates at the same site: if
	// the second is the first renamed, a moved: entry keeps the lease.
	MoveHints []Move     `json:"move_hints,omitempty"`
	Changes   []Change   `json:"changes"`  // every lease key in the Leasefile or state, NoOp included, sorted by site then key
	Observed  []Observed `json:"observed"` // what the state should record of each live lease it tracks (refresh)

	lookup *liveLookup // how Build found the live leases; nil in a plan read from a file
}

// Drift is a difference between the state and Blazar that someone else made.
type Drift struct {
	Key     string    `json:"key"`
	Site    string    `json:"site"`
	LeaseID string    `json:"lease_id"`
	Kind    DriftKind `json:"kind"`
	Detail  string    `json:"detail"` // a sentence: "end changed from 2026-12-01 09:00 to 2026-12-02 09:00"
}

// DriftKind classifies drift.
type DriftKind string

// The kinds of drift.
const (
	DriftDeleted      DriftKind = "deleted"       // the lease is gone from Blazar
	DriftExpired      DriftKind = "expired"       // TERMINATED
	DriftError        DriftKind = "error"         // ERROR status
	DriftDegraded     DriftKind = "degraded"      // degraded, or a reservation lost resources
	DriftEnd          DriftKind = "end_changed"   // end moved outside leasefile
	DriftStart        DriftKind = "start_changed" // start moved outside leasefile
	DriftName         DriftKind = "name_changed"  // renamed outside leasefile
	DriftReservations DriftKind = "reservations_changed"
)

// Adoption records a lease that an interrupted apply created (an intent without an ID) and
// that this plan takes into the state instead of creating it again.
type Adoption struct {
	Key     string `json:"key"`
	Site    string `json:"site"`
	LeaseID string `json:"lease_id"`
	Name    string `json:"name"`
}

// Move renames a state entry: the lease recorded under From is the Leasefile's To.
type Move struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Await is a lease apply waits for until it is ACTIVE, with its status when planned.
type Await struct {
	Key     string `json:"key"`
	Site    string `json:"site"`
	LeaseID string `json:"lease_id"`
	Status  string `json:"status"`
}

// Observed is the live view of a tracked lease that refresh writes into the state.
type Observed struct {
	Key   string      `json:"key"`
	Lease state.Lease `json:"lease"`
}

// Change is the plan for one lease key.
type Change struct {
	Key    string `json:"key"`
	Site   string `json:"site"`
	Action Action `json:"action"`
	Name   string `json:"name"` // Blazar name after the change (before it, for a delete)

	LeaseID   string `json:"lease_id,omitempty"`   // the existing lease, for update/replace/delete
	UpdatedAt string `json:"updated_at,omitempty"` // its updated_at when planned: apply refuses if it moved
	Status    string `json:"status,omitempty"`     // its status when planned
	// Gone marks a Delete whose lease is already absent from Blazar: apply makes no API call
	// and only removes the key from the state.
	Gone bool `json:"gone,omitempty"`
	// FromSite is the site of the lease a replacement deletes when the replacement moves the
	// lease to another site (Site is then the new one); "" when the site does not change.
	FromSite string `json:"from_site,omitempty"`

	Reasons        []string      `json:"reasons,omitempty"`       // why, in sentences
	ActionReason   ActionReason  `json:"action_reason,omitempty"` // why, in one word for programs
	ForcedBy       []string      `json:"forced_by,omitempty"`     // dotted fields forcing a replacement
	DestroysActive bool          `json:"destroys_active,omitempty"`
	Fields         []FieldChange `json:"fields,omitempty"` // what changes, for display and --diff

	Create *CreateSpec `json:"create,omitempty"` // for create and replace
	Update *UpdateSpec `json:"update,omitempty"` // for update
	Wait   string      `json:"wait,omitempty"`   // active, created or none

	// Availability holds CheckAvailability's verdicts, one line per reservation checked.
	Availability []string `json:"availability,omitempty"`
	// EarliestStart marks a create whose start ResolveEarliest chose (`start: earliest`):
	// apply of the saved plan re-checks that window.
	EarliestStart bool `json:"earliest_start,omitempty"`
}

// OldSite is where the lease the change deletes lives: the site it moves from, for a
// replacement that moves a lease to another site, else its site.
func (c Change) OldSite() string {
	if c.FromSite != "" {
		return c.FromSite
	}
	return c.Site
}

// WaitMode is what apply waits for after creating the change's lease: Wait when the
// Leasefile set it, else "active" for a lease starting now (it is usable within seconds)
// and "created" for one starting later (waiting would block until its start).
func (c Change) WaitMode() string {
	if c.Wait != "" {
		return c.Wait
	}
	if c.Create != nil && !c.Create.Start.IsZero() {
		return "created"
	}
	return "active"
}

// FieldChange is one field's before and after, as displayed.
type FieldChange struct {
	Path string `json:"path"` // "end", "reservations.gpus.count", "name"
	Old  string `json:"old,omitempty"`
	New  string `json:"new,omitempty"`
	// Computed marks a value known only after apply ("(known after apply)").
	Computed bool `json:"computed,omitempty"`
}

// CreateSpec is everything needed to create the lease. A "now" start is left zero and the
// end resolved at apply time as the real start plus Duration.
type CreateSpec struct {
	Name         string            `json:"name"`
	Start        time.Time         `json:"start,omitzero"` // zero: now
	End          time.Time         `json:"end,omitzero"`   // zero: start + Duration, resolved at apply
	Duration     time.Duration     `json:"duration,omitempty"`
	Reservations []ReservationSpec `json:"reservations"`
}

// ReservationSpec is one reservation of a create: its key and Blazar body. Floating IP
// bodies lack network_id: apply resolves FloatingNetwork through Neutron.
type ReservationSpec struct {
	Key             string               `json:"key"`
	Type            string               `json:"type"` // spec.Type
	Body            spec.ReservationBody `json:"body"`
	FloatingNetwork string               `json:"floating_network,omitempty"`
	// Flavor is a flavor reservation's Nova flavor, a name or an ID: apply resolves it to
	// the body's flavor_id.
	Flavor string `json:"flavor,omitempty"`
}

// Record returns r with the fields of a request body that Blazar does not return (those
// of a network reservation: network_name, network_description, resource_properties,
// before_end) copied in, so that a later plan can compare with what was sent. apply calls
// it with the body of each create and in-place update; a body without those keys leaves r
// as it is.
func Record(r state.Reservation, body spec.ReservationBody) state.Reservation {
	if rt := cmp.Or(body.ResourceType, r.ResourceType); rt != "network" {
		return r
	}
	for _, f := range []struct {
		dst *string
		v   *string
	}{
		{&r.NetworkName, body.NetworkName}, {&r.NetworkDescription, body.NetworkDescription},
		{&r.ResourceProperties, body.ResourceProperties}, {&r.BeforeEnd, body.BeforeEnd},
	} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	return r
}

// UpdateSpec is an in-place update: only the set fields are sent.
type UpdateSpec struct {
	Name         *string             `json:"name,omitempty"`
	Start        *time.Time          `json:"start,omitempty"`
	End          *time.Time          `json:"end,omitempty"`
	Reservations []ReservationUpdate `json:"reservations,omitempty"`
}

// ReservationUpdate changes one existing reservation: Body holds the changed keys plus the
// ones Blazar needs resent (min, max, hypervisor_properties, resource_properties; network_id), without "id".
type ReservationUpdate struct {
	Key  string               `json:"key"`
	ID   string               `json:"id"`
	Body spec.ReservationBody `json:"body"`
}

// Counts summarises a plan.
type Counts struct {
	Create, Update, Replace, Delete int
}

// Counts returns how many leases each action touches.
func (p *Plan) Counts() Counts {
	var c Counts
	for _, ch := range p.Changes {
		switch {
		case ch.Action == Create:
			c.Create++
		case ch.Action == Update:
			c.Update++
		case ch.Action.IsReplace():
			c.Replace++
		case ch.Action == Delete:
			c.Delete++
		}
	}
	return c
}

// HasDrift reports whether the plan found differences someone else made between the state
// and Blazar: what a -refresh-only apply would record.
func (p *Plan) HasDrift() bool { return len(p.Drift) > 0 }

// HasChanges reports whether applying the plan would change anything in Blazar or the state.
func (p *Plan) HasChanges() bool {
	c := p.Counts()
	return c.Create+c.Update+c.Replace+c.Delete > 0 || len(p.Adopt) > 0 || len(p.DropIntents) > 0 || len(p.Await) > 0 ||
		len(p.Moves) > 0 || len(p.Forget) > 0
}

// OnlyWaits reports whether the plan's only work is waiting for leases (Await): nothing in
// Blazar or the state is changed, so there is nothing to confirm.
func (p *Plan) OnlyWaits() bool {
	c := p.Counts()
	return len(p.Await) > 0 && c.Create+c.Update+c.Replace+c.Delete == 0 && len(p.Adopt) == 0 && len(p.DropIntents) == 0 &&
		len(p.Moves) == 0 && len(p.Forget) == 0
}
