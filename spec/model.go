package spec

import (
	"go.yaml.in/yaml/v3"
	"sort"
	"time"
)

// DefaultDuration is the lease length when neither the lease nor defaults say, as in python-chi.
const DefaultDuration = 24 * time.Hour

// MaxNameLength is the longest lease name Blazar stores (its name column is String(80)).
const MaxNameLength = 80

// File is a parsed, validated Leasefile.
type File struct {
	Path       string
	Version    int
	NamePrefix string
	Sites      map[string]SiteConfig // connection settings by site name, as written
	State      *StateConfig          // where the state is kept; nil: the local file
	Moved      []Moved               // renamed lease keys, as written
	Removed    []Removed             // lease keys taken out of the file, as written
	Leases     []*Lease              // sorted by key
	// Policy overrides the built-in lease policy of the sites it names.
	Policy map[string]PolicyOverride
	// Warnings are positioned remarks that do not make the file invalid (a site outside
	// KnownSites reached through clouds.yaml).
	Warnings ErrorList
}

// Loc is where a value is written: its position and dotted path.
type Loc struct {
	Pos  Pos
	Path string
}

// ErrorAt is a positioned problem with the lease's field (site, start, end, duration,
// prevent_destroy, name) found after parsing, at the field (or the default it inherits), else
// at the lease's key.
func (f *File) ErrorAt(l *Lease, field, msg string) *Error {
	loc, ok := l.Loc(field)
	if !ok {
		loc = Loc{Pos: l.Pos, Path: "leases." + l.Key}
	}
	if loc.Pos.Line == 0 {
		loc.Pos = Pos{Line: 1, Col: 1}
	}
	return &Error{File: f.Path, Pos: loc.Pos, Path: loc.Path, Msg: msg}
}

// PolicyOverride is a site's lease policy as a Leasefile writes it: each set field replaces
// the built-in default; a zero duration (written `off`) turns the rule off.
type PolicyOverride struct {
	MaxDuration     *time.Duration // 0: off
	ExtensionWindow *time.Duration // 0: off
}

// SiteConfig says how to reach one site: a clouds.yaml entry and region.
type SiteConfig struct {
	Cloud  string
	Region string
}

// Moved is a moved: entry: the lease recorded under From is now the Leasefile's To.
type Moved struct {
	From, To string
	Pos      Pos
}

// Removed is a removed: entry: Key left the Leasefile, and its lease is forgotten (Destroy
// false) or deleted.
type Removed struct {
	Key     string
	Destroy bool
	Pos     Pos
}

// StateConfig is the Leasefile's state: block, where the state is kept.
type StateConfig struct {
	Backend string // "local", "swift" or "http"
	// Site, Container and Key place a swift state.
	Site, Container, Key string
	// Address, LockAddress and UnlockAddress are an http state's URLs.
	Address, LockAddress, UnlockAddress string
	// NoLock is lock: none.
	NoLock bool
	Pos    Pos // of the state: key
}

// Lease is one declared lease, with defaults applied.
type Lease struct {
	Key  string
	Site string
	Name string // the Blazar lease name: name, or name_prefix + key

	Start    Time          // Now when absent
	End      time.Time     // absolute end; zero when Duration is set
	Duration time.Duration // length from the real start; zero when End is set

	BeforeEnd           string // "" when unset: Blazar's own default applies
	BeforeEndSet        bool
	PreventDestroy      bool
	CreateBeforeDestroy bool
	Wait                string // active, created or none, after defaults

	Reservations []*Reservation // sorted by key
	Pos          Pos
	// Earliest is set by `start: earliest`: the plan picks the start (Start is then Now
	// until it does, and once the lease exists its real start is authoritative).
	Earliest *Earliest
	// locs is where each of locFields is written (see Loc): positions only, the paths are
	// spelled out for an error.
	locs [len(locFields)]fieldLoc
}

// locFields are the fields whose place a Lease keeps, for the errors found later.
var locFields = [...]string{"site", "start", "end", "duration", "prevent_destroy", "name"}

// fieldLoc is where one of a lease's locFields is written: in the lease, or in defaults
// when inherited; nowhere unless set.
type fieldLoc struct {
	Pos            spot // a Pos in half the bytes: a Leasefile has a Lease per lease
	Set, Inherited bool
}

// Loc is where the lease's field (site, start, end, duration, prevent_destroy or name) is
// written, in defaults when inherited; ok is false when neither sets it.
func (l *Lease) Loc(field string) (loc Loc, ok bool) {
	for i, f := range locFields {
		if f != field || !l.locs[i].Set {
			continue
		}
		if l.locs[i].Inherited {
			return Loc{Pos: l.locs[i].Pos.pos(), Path: "defaults." + field}, true
		}
		return Loc{Pos: l.locs[i].Pos.pos(), Path: child(child("leases", l.Key), field)}, true
	}
	return Loc{}, false
}

// Earliest is how `start: earliest` searches: within Within after NotBefore (or now), and
// at one common start with the other leases of the same Together group.
type Earliest struct {
	Within    time.Duration
	NotBefore time.Time // zero: now
	Together  string
}

// DefaultWithin is the search horizon of `start: earliest` without `within`.
const DefaultWithin = 72 * time.Hour

// HasEarliest reports whether a lease of the file has `start: earliest`.
func (f *File) HasEarliest() bool {
	for _, l := range f.Leases {
		if l.Earliest != nil {
			return true
		}
	}
	return false
}

// Type is a reservation type as written in a Leasefile.
type Type string

// The reservation types, each one Blazar resource_type.
const (
	Node       Type = "node"
	Device     Type = "device"
	Network    Type = "network"
	FloatingIP Type = "floating_ip"
	Flavor     Type = "flavor" // KVM@TACC's instance reservations, flavor:instance
)

// Types lists every reservation type: a new one is added here, in the schema, and in plan's
// table of types (plan's tests check that each has its entry).
var Types = []Type{Node, Device, Network, FloatingIP, Flavor}

// ResourceType is the Blazar resource_type of the reservation type.
func (t Type) ResourceType() string {
	switch t {
	case Node:
		return "physical:host"
	case Device:
		return "device"
	case Network:
		return "network"
	case FloatingIP:
		return "virtual:floatingip"
	case Flavor:
		return "flavor:instance"
	}
	return string(t)
}

// Reservation is one declared reservation of a lease.
type Reservation struct {
	Key  string
	Type Type

	// Min and Max are the accepted range of resources (count sets both); for floating IPs
	// Min = Max = the amount.
	Min, Max int

	NodeType, Architecture, NodeName     string // node
	MachineName, DeviceModel, DeviceName string // device
	NetworkName, Description             string // network
	PhysicalNetwork, VSwitchName         string // network
	OFController                         *OFController
	UsageType, StitchProvider            string
	ResourceProperties                   []any    // the raw user query, nil when absent
	FloatingNetwork                      string   // floating_ip: network name, default "public"
	Addresses                            []string // floating_ip: specific addresses
	FlavorName                           string   // flavor: a Nova flavor's name or ID, resolved at apply

	Pos Pos
}

// OFController is an external OpenFlow controller of a network reservation.
type OFController struct {
	IP   string
	Port int
}

// Lease returns the lease with the given key, or nil.
func (f *File) Lease(key string) *Lease {
	i := sort.Search(len(f.Leases), func(i int) bool { return f.Leases[i].Key >= key })
	if i < len(f.Leases) && f.Leases[i].Key == key {
		return f.Leases[i]
	}
	return nil
}

// SiteNames returns the sites the leases use, sorted.
func (f *File) SiteNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range f.Leases {
		if !seen[l.Site] {
			seen[l.Site] = true
			out = append(out, l.Site)
		}
	}
	sort.Strings(out)
	return out
}

// ReservationCount is the number of reservations across all leases.
func (f *File) ReservationCount() int {
	n := 0
	for _, l := range f.Leases {
		n += len(l.Reservations)
	}
	return n
}

// Reservation returns the reservation with the given key, or nil.
func (l *Lease) Reservation(key string) *Reservation {
	for _, r := range l.Reservations {
		if r.Key == key {
			return r
		}
	}
	return nil
}

// EndFrom is the end of the lease if it started at start: the absolute end, or start plus
// the duration. Plans call it with the real start of an existing lease.
func (l *Lease) EndFrom(start time.Time) time.Time {
	if l.Duration > 0 {
		return start.Add(l.Duration)
	}
	return l.End
}

// StateOf reads only the state: block of a Leasefile's bytes, without validating the rest,
// for commands that must work while the Leasefile is broken (state list, force-unlock). It
// returns nil when there is no readable block.
func StateOf(data []byte) *StateConfig {
	var doc struct {
		State *struct {
			Backend       string `yaml:"backend"`
			Site          string `yaml:"site"`
			Container     string `yaml:"container"`
			Key           string `yaml:"key"`
			Address       string `yaml:"address"`
			LockAddress   string `yaml:"lock_address"`
			UnlockAddress string `yaml:"unlock_address"`
			Lock          string `yaml:"lock"`
		} `yaml:"state"`
	}
	if len(data) > MaxFileBytes || yaml.Unmarshal(data, &doc) != nil || doc.State == nil {
		return nil
	}
	s := doc.State
	return &StateConfig{Backend: s.Backend, Site: s.Site, Container: s.Container, Key: s.Key,
		Address: s.Address, LockAddress: s.LockAddress, UnlockAddress: s.UnlockAddress, NoLock: s.Lock == "none"}
}
