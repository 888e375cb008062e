package spec

import (
	"fmt"
	"io"
	"maps"
	"math/big"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// DefaultNames are the file names looked for, in order, when no -f is given.
var DefaultNames = []string{"Leasefile", "Leasefile.yaml", "leasefile.yaml"}

// KnownSites are Chameleon's sites. A lease's site must be one of them, a key of sites:, or
// reachable as Options.SiteReachable says.
var KnownSites = []string{"CHI@UC", "CHI@TACC", "CHI@NCAR", "CHI@Edge", "KVM@TACC"}

// Options adjust parsing.
type Options struct {
	// LookupEnv resolves ${VAR}; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// SiteReachable reports whether a site that is neither in KnownSites nor in sites: can
	// be reached anyway (a clouds.yaml entry of that name: a private cloud); such a site is
	// a warning, not an error. nil: none can.
	SiteReachable func(site string) bool
}

// Find returns the first of DefaultNames present in dir.
func Find(dir string) (string, error) {
	for _, n := range DefaultNames {
		p := filepath.Join(dir, n)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Leasefile found in %s (looked for %s); use -f FILE", dir, strings.Join(DefaultNames, ", "))
}

// Parse parses a Leasefile. On failure the error is an ErrorList holding every problem found,
// each with its position; name is the file name used in the messages.
func Parse(name string, data []byte, opts Options) (*File, error) {
	if len(data) > MaxFileBytes {
		return nil, tooLarge(name, len(data))
	}
	return ParseText(name, string(data), opts)
}

// ParseText is Parse of a Leasefile's text, which the File's strings are slices of: it
// makes no copy of it.
func ParseText(name, data string, opts Options) (*File, error) {
	errs := &collector{file: name}
	lookup := opts.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if len(data) > MaxFileBytes {
		return nil, tooLarge(name, len(data))
	}
	if pos, ok := invalidUTF8(data); ok {
		// yaml.v3 reports an encoding error without a position.
		errs.add(pos, "", "invalid UTF-8: a Leasefile is UTF-8 text (the byte at this position is not)")
		return nil, errs.list
	}
	d := &doc{errs: errs, env: lookup, reachable: opts.SiteReachable}
	if !d.fastYAML(data) {
		// What fastYAML did is dropped: its errors too, which convert finds again.
		errs = &collector{file: name}
		d = &doc{errs: errs, env: lookup, reachable: opts.SiteReachable}
		root := &yaml.Node{}
		dec := yaml.NewDecoder(strings.NewReader(data))
		if err := dec.Decode(root); err != nil && err != io.EOF {
			errs.add(yamlErrorPos(err), "", yamlErrorMsg(err))
			return nil, errs.list
		}
		// yaml.v3 reads the first document only: whatever follows a --- would be silently ignored.
		var next yaml.Node
		switch err := dec.Decode(&next); {
		case err == io.EOF:
		case err != nil:
			errs.add(yamlErrorPos(err), "", yamlErrorMsg(err))
			return nil, errs.list
		case len(next.Content) > 0 && !(next.Content[0].ShortTag() == "!!null" && next.Content[0].Value == ""):
			errs.add(posOf(next.Content[0]), "", "a second YAML document (after ---): a Leasefile is one document; merge the two or remove the ---")
			return nil, errs.list
		}
		if root.Kind == 0 || len(root.Content) == 0 {
			errs.add(Pos{Line: 1, Col: 1}, "", "the file is empty: a Leasefile starts with \"version: 1\" and declares leases")
			return nil, errs.list
		}
		d.tree = d.convert(root)
	}
	if !d.tree.isKind(kMap) {
		errs.add(d.pos(""), "", "a Leasefile is a mapping that starts with \"version: 1\"")
		return nil, errs.list.sort()
	}
	if d.tooBig {
		return nil, errs.list.sort()
	}
	d.validate()
	f := d.build()
	if len(errs.list) > 0 {
		return nil, errs.list.sort()
	}
	f.Path = name
	return f, nil
}

func tooLarge(name string, n int) error {
	errs := &collector{file: name}
	errs.add(Pos{Line: 1, Col: 1}, "", fmt.Sprintf("the file is %d bytes: a Leasefile is at most %d MiB", n, MaxFileBytes>>20))
	return errs.list
}

// yamlErrorPos digs the line out of a yaml.v3 syntax error ("yaml: line 3: ...").
func yamlErrorPos(err error) Pos {
	var line int
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i:], "line %d", &line)
	}
	if line < 1 {
		line = 1
	}
	return Pos{Line: line, Col: 1}
}

func yamlErrorMsg(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if i := strings.Index(msg, "line "); i == 0 {
		if j := strings.Index(msg, ": "); j >= 0 {
			msg = msg[j+2:]
		}
	}
	return "invalid YAML: " + msg
}

// pos is the position of the value at ptr; zero when there is none.
func (d *doc) pos(ptr string) Pos {
	if v, _, _ := d.at(ptr); v != nil {
		return v.pos()
	}
	return Pos{}
}

// keyPos is the position of the key that introduces the value at ptr, or of the value.
func (d *doc) keyPos(ptr string) Pos {
	v, kp, isKey := d.at(ptr)
	switch {
	case isKey:
		return kp
	case v != nil:
		return v.pos()
	}
	return Pos{}
}
func (d *doc) fail(ptr, format string, args ...any) {
	d.errs.add(d.pos(ptr), dotted(ptr), fmt.Sprintf(format, args...))
}

func str(m *value, k string) (string, bool) { return m.str(k) }

// MaxCount is the largest count, min or max a reservation takes: more than any site has.
const MaxCount = 10000

// whole reads the whole number at m[k] (pointer ptr + "/" + k) and reports, positioned, one
// outside [lo, hi]: 1e19 or 18446744073709551616 is a range error, never a silent zero. ok is
// false when the value is absent, out of range or not a whole number (the schema reported that).
func (d *doc) whole(ptr string, m *value, k string, lo, hi int64) (v int64, ok bool) {
	e := m.get(k)
	if !e.isKind(kNumber) {
		return 0, false
	}
	n := e.s
	if canonicalInt(n) {
		i, _ := strconv.ParseInt(n, 10, 64)
		switch {
		case i < lo:
			d.fail(ptr+"/"+k, "must be at least %d", lo)
			return 0, false
		case i > hi:
			d.fail(ptr+"/"+k, "%s is out of range: at most %d", clip(n), hi)
			return 0, false
		}
		return i, true
	}
	r, valid := new(big.Rat).SetString(n)
	if !valid || !r.IsInt() {
		return 0, false
	}
	i := r.Num()
	switch {
	case i.Cmp(big.NewInt(lo)) < 0:
		d.fail(ptr+"/"+k, "must be at least %d", lo)
		return 0, false
	case i.Cmp(big.NewInt(hi)) > 0:
		d.fail(ptr+"/"+k, "%s is out of range: at most %d", clip(string(n)), hi)
		return 0, false
	}
	return i.Int64(), true
}

func boolean(m *value, k string) bool {
	e := m.get(k)
	return e.isKind(kBool) && e.b
}

type leaseDefaults struct {
	values                *value // defaults:, nil when absent
	site, beforeEnd, wait string
	beforeEndSet          bool
	start                 Time
	startSet              bool
	duration              time.Duration
}

// build reads the validated JSON values into the typed model, reporting semantic problems
// as it goes. It is lenient about types: where the schema already reported a value of the
// wrong type, the value is skipped, not reported twice.
func (d *doc) build() *File {
	top := d.tree
	f := &File{Version: 1, Sites: map[string]SiteConfig{}}
	f.NamePrefix, _ = str(top, "name_prefix")

	def := d.defaults(top)
	if sm := top.get("sites"); sm.isKind(kMap) {
		for _, kv := range sm.fields {
			name, c := kv.key, kv.val
			cloud, _ := str(c, "cloud")
			region, _ := str(c, "region")
			f.Sites[name] = SiteConfig{Cloud: cloud, Region: region}
		}
	}
	if sm := top.get("state"); sm.isKind(kMap) {
		f.State = d.stateConfig(sm)
	}
	if pm := top.get("policy"); pm.isKind(kMap) {
		f.Policy = d.policy(pm)
	}
	d.leases(f, top, def)
	d.refactors(f, top)
	d.checkSites(f)
	return f
}

// defaults reads defaults:, which every lease falls back to.
func (d *doc) defaults(top *value) leaseDefaults {
	var def leaseDefaults
	def.duration = DefaultDuration
	def.start = Time{Now: true}
	if dm := top.get("defaults"); dm.isKind(kMap) {
		def.values = dm
		def.site, _ = str(dm, "site")
		if s, ok := str(dm, "start"); ok {
			if t, err := ParseTime(s); err != nil {
				d.fail("/defaults/start", "%v", err)
			} else {
				def.start, def.startSet = t, true
			}
		}
		if s, ok := str(dm, "duration"); ok {
			if dur, err := ParseDuration(s); err != nil {
				d.fail("/defaults/duration", "%v", err)
			} else {
				def.duration = dur
			}
		}
		def.beforeEnd, def.beforeEndSet = str(dm, "before_end")
		def.wait, _ = str(dm, "wait")
	}
	return def
}

// policy reads policy:, the per-site overrides of the limits a site enforces.
func (d *doc) policy(pm *value) map[string]PolicyOverride {
	policy := map[string]PolicyOverride{}
	for _, kv := range pm.sortedFields() {
		site, m := kv.key, kv.val
		var o PolicyOverride
		for field, dst := range map[string]**time.Duration{"max_duration": &o.MaxDuration, "extension_window": &o.ExtensionWindow} {
			s, ok := str(m, field)
			if !ok {
				continue
			}
			var dur time.Duration
			if s != "off" {
				v, err := ParseDuration(s)
				if err != nil {
					d.fail("/policy/"+escapeToken(site)+"/"+field, "%v (or off)", err)
					continue
				}
				dur = v
			}
			*dst = &dur
		}
		policy[site] = o
	}
	return policy
}

// leases reads leases: in key order, and checks that lease names are unique per site.
func (d *doc) leases(f *File, top *value, def leaseDefaults) {
	leases := top.get("leases")
	type siteName struct{ site, name string }
	fields := leases.sortedFields()
	// While the names come in increasing order (name_prefix + key, as most do), none can be
	// a repeat and names stays nil; past the first that does not, it holds every name.
	var names map[siteName]string // -> lease key
	for _, kv := range fields {
		key, lm := kv.key, kv.val
		if !lm.isKind(kMap) {
			continue
		}
		l := d.lease(f, kv, def)
		f.Leases = append(f.Leases, l)
		if names == nil {
			if n := len(f.Leases); n == 1 || l.Name > f.Leases[n-2].Name {
				continue
			}
			names = make(map[siteName]string, len(fields))
			for _, prev := range f.Leases[:len(f.Leases)-1] {
				names[siteName{prev.Site, prev.Name}] = prev.Key
			}
		}
		id := siteName{l.Site, l.Name}
		if other, dup := names[id]; dup {
			ptr := "/leases/" + escapeToken(key)
			d.errs.add(d.keyPos(ptr), dotted(ptr), fmt.Sprintf("lease name %s is also the name of leases.%s on %s: names must be unique within a Leasefile so an interrupted apply can find the lease it created", quote(l.Name), other, clip(l.Site)))
		} else {
			names[id] = key
		}
	}
}

// refactors reads moved: and removed:, and checks them against the leases: a move goes to a
// lease of the file from a key that is not one, a removed key is not a lease of the file.
func (d *doc) refactors(f *File, top *value) {
	ms := top.get("moved")
	from := map[string]bool{}
	for i, m := range ms.list() {
		ptr := fmt.Sprintf("/moved/%d", i)
		mv := Moved{Pos: d.pos(ptr)}
		mv.From, _ = str(m, "from")
		mv.To, _ = str(m, "to")
		switch {
		case mv.From == "" || mv.To == "":
			continue // the schema said so
		case f.Lease(mv.To) == nil:
			d.fail(ptr+"/to", "%s is not a lease of this file", quote(mv.To))
		case f.Lease(mv.From) != nil:
			d.fail(ptr+"/from", "%s is still a lease of this file: a moved lease has its new key only", quote(mv.From))
		case from[mv.From]:
			d.fail(ptr+"/from", "%s is moved twice", quote(mv.From))
		}
		from[mv.From] = true
		f.Moved = append(f.Moved, mv)
	}
	rs := top.get("removed")
	for i, m := range rs.list() {
		ptr := fmt.Sprintf("/removed/%d", i)
		r := Removed{Pos: d.pos(ptr)}
		r.Key, _ = str(m, "key")
		r.Destroy = boolean(m, "destroy")
		if r.Key == "" {
			continue
		}
		if f.Lease(r.Key) != nil {
			d.fail(ptr+"/key", "%s is still a lease of this file: remove it from leases, or this entry", quote(r.Key))
		}
		if from[r.Key] {
			d.fail(ptr+"/key", "%s is also moved", quote(r.Key))
		}
		f.Removed = append(f.Removed, r)
	}
}

// stateConfig reads the state: block; the schema checked the types and names.
func (d *doc) stateConfig(m *value) *StateConfig {
	c := &StateConfig{Pos: d.keyPos("/state")}
	c.Backend, _ = str(m, "backend")
	c.Site, _ = str(m, "site")
	c.Container, _ = str(m, "container")
	c.Key, _ = str(m, "key")
	c.Address, _ = str(m, "address")
	c.LockAddress, _ = str(m, "lock_address")
	c.UnlockAddress, _ = str(m, "unlock_address")
	lock, _ := str(m, "lock")
	c.NoLock = lock == "none"
	need := map[string][]string{"swift": {"site", "container", "key"}, "http": {"address"}}[c.Backend]
	for _, field := range need {
		if m.get(field) == nil {
			d.fail("/state", "backend %s needs %s", c.Backend, field)
		}
	}
	for _, field := range []string{"site", "container", "key", "address", "lock_address", "unlock_address"} {
		if m.get(field) != nil && !slices.Contains(need, field) && !(c.Backend == "http" && strings.HasSuffix(field, "lock_address")) {
			d.fail("/state/"+field, "backend %s has no %s", c.Backend, field)
		}
	}
	return c
}

// checkSites reports, once where each is written, a lease site that is neither Chameleon's
// nor declared in sites:, with the closest of those; one reachable anyway is a warning.
func (d *doc) checkSites(f *File) {
	known := slices.Concat(KnownSites, slices.Sorted(maps.Keys(f.Sites)))
	seen := map[Pos]bool{}
	for _, l := range f.Leases {
		if l.Site == "" || slices.Contains(known, l.Site) {
			continue
		}
		loc, ok := l.Loc("site")
		if !ok || seen[loc.Pos] {
			continue
		}
		seen[loc.Pos] = true
		if d.reachable != nil && d.reachable(l.Site) {
			f.Warnings = append(f.Warnings, &Error{File: d.errs.file, Pos: loc.Pos, Path: loc.Path,
				Msg: fmt.Sprintf("site %q is not a Chameleon site (%s): it is reached through the clouds.yaml entry of that name", l.Site, strings.Join(KnownSites, ", "))})
			continue
		}
		msg := fmt.Sprintf("unknown site %q", l.Site)
		if s := suggestFold(l.Site, known); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		} else {
			quoted := make([]string, len(known))
			for i, k := range known {
				quoted[i] = fmt.Sprintf("%q", k)
			}
			msg += fmt.Sprintf(" (did you mean one of %s?); another cloud needs a sites.%s entry or a clouds.yaml entry of that name", strings.Join(quoted, ", "), l.Site)
		}
		d.errs.add(loc.Pos, loc.Path, msg)
	}
}

func (d *doc) lease(f *File, kv field, def leaseDefaults) *Lease {
	key, lm := kv.key, kv.val
	ptr := "/leases/" + escapeToken(key)
	l := &Lease{Key: key, Pos: kv.keyPos.pos(), Start: def.start}
	for i, field := range locFields {
		if v := lm.get(field); v != nil {
			l.locs[i] = fieldLoc{Pos: v.at, Set: true}
		} else if v := def.values.get(field); v != nil && !v.noPos {
			l.locs[i] = fieldLoc{Pos: v.at, Set: true, Inherited: true}
		}
	}
	l.Site, _ = str(lm, "site")
	if l.Site == "" {
		l.Site = def.site
	}
	if l.Site == "" {
		d.errs.add(d.keyPos(ptr), dotted(ptr), "no site: set site on the lease or defaults.site (e.g. CHI@UC)")
	}
	d.leaseName(l, f, lm, ptr)
	hasEnd := d.window(l, lm, ptr, def)
	d.earliest(l, lm, ptr, hasEnd)
	if b, ok := str(lm, "before_end"); ok {
		l.BeforeEnd, l.BeforeEndSet = b, true
	} else {
		l.BeforeEnd, l.BeforeEndSet = def.beforeEnd, def.beforeEndSet
	}
	l.PreventDestroy = boolean(lm, "prevent_destroy")
	l.CreateBeforeDestroy = boolean(lm, "create_before_destroy")
	l.Wait, _ = str(lm, "wait")
	if l.Wait == "" {
		l.Wait = def.wait
	}
	if l.Wait == "" {
		l.Wait = "active"
		if !l.Start.Now || l.Earliest != nil {
			l.Wait = "created"
		}
	}
	for _, rkv := range lm.get("reservations").sortedFields() {
		rk, rm := rkv.key, rkv.val
		if !rm.isKind(kMap) {
			continue
		}
		if r := d.reservation(ptr+"/reservations/"+escapeToken(rk), rkv); r != nil {
			l.Reservations = append(l.Reservations, r)
		}
	}
	return l
}

// leaseName sets the lease's Blazar name: its own, or the file's prefix and its key.
func (d *doc) leaseName(l *Lease, f *File, lm *value, ptr string) {
	if n, ok := str(lm, "name"); ok {
		l.Name = n
	} else {
		l.Name = f.NamePrefix + l.Key
	}
	if len(l.Name) > MaxNameLength {
		at := d.keyPos(ptr)
		if lm.get("name") != nil {
			at = d.pos(ptr + "/name")
		}
		d.errs.add(at, dotted(ptr+"/name"), fmt.Sprintf("lease name %s is %d characters long: Blazar stores at most %d", quote(l.Name), len(l.Name), MaxNameLength))
	}
}

// window reads the lease's start and its end or duration (l.Start holds the default
// start); it says whether the lease sets an end.
func (d *doc) window(l *Lease, lm *value, ptr string, def leaseDefaults) (hasEnd bool) {
	startOK := true
	if s, ok := str(lm, "start"); ok && s == "earliest" {
		l.Start, l.Earliest = Time{Now: true}, &Earliest{Within: DefaultWithin}
	} else if ok {
		t, err := ParseTime(s)
		if err != nil {
			d.fail(ptr+"/start", "%v", err)
			startOK = false
		} else {
			l.Start = t
		}
	}
	endStr, hasEnd := str(lm, "end")
	durStr, hasDur := str(lm, "duration")
	switch {
	case hasEnd && hasDur:
		d.errs.add(d.keyPos(ptr+"/duration"), dotted(ptr), "set either end or duration, not both")
	case hasEnd:
		t, err := ParseTime(endStr)
		switch {
		case err != nil:
			d.fail(ptr+"/end", "%v", err)
		case t.Now:
			d.fail(ptr+"/end", "end cannot be now: give a time, or a duration")
		default:
			l.End = t.At
			if startOK && !l.Start.Now && !l.End.After(l.Start.At) {
				d.fail(ptr+"/end", "must be after start (%s)", l.Start)
			}
		}
	case hasDur:
		dur, err := ParseDuration(durStr)
		if err != nil {
			d.fail(ptr+"/duration", "%v", err)
		}
		l.Duration = dur
	default:
		l.Duration = def.duration
	}
	return hasEnd
}

func (d *doc) reservation(ptr string, kv field) *Reservation {
	key, m := kv.key, kv.val
	t, _ := str(m, "type")
	r := &Reservation{Key: key, Type: Type(t), Pos: kv.keyPos.pos()}
	switch r.Type {
	case Node, Device, Network, FloatingIP, Flavor:
	default:
		return nil // the schema reported it
	}
	r.NodeType, _ = str(m, "node_type")
	r.Architecture, _ = str(m, "architecture")
	r.NodeName, _ = str(m, "node_name")
	r.MachineName, _ = str(m, "machine_name")
	r.DeviceModel, _ = str(m, "device_model")
	r.DeviceName, _ = str(m, "device_name")
	r.NetworkName, _ = str(m, "network_name")
	r.Description, _ = str(m, "description")
	r.PhysicalNetwork, _ = str(m, "physical_network")
	r.VSwitchName, _ = str(m, "vswitch_name")
	r.UsageType, _ = str(m, "usage_type")
	r.StitchProvider, _ = str(m, "stitch_provider")
	r.FloatingNetwork, _ = str(m, "network")
	r.FlavorName, _ = str(m, "flavor")
	if r.Type == Network && r.PhysicalNetwork == "" {
		r.PhysicalNetwork = "physnet1"
	}
	if r.Type == FloatingIP && r.FloatingNetwork == "" {
		r.FloatingNetwork = "public"
	}
	if oc := m.get("of_controller"); oc.isKind(kMap) {
		ip, _ := str(oc, "ip")
		port, _ := d.whole(ptr+"/of_controller", oc, "port", 1, 65535)
		r.OFController = &OFController{IP: ip, Port: int(port)}
		if _, err := netip.ParseAddr(ip); err != nil && ip != "" {
			d.fail(ptr+"/of_controller/ip", "%s is not an IP address", quote(ip))
		}
	}
	d.counts(ptr, m, r)
	if rpv := m.get("resource_properties"); rpv.isKind(kList) {
		rp := rpv.toAny().([]any)
		r.ResourceProperties = rp
		for _, p := range checkQuery(rp) {
			at := ptr + "/resource_properties"
			for _, i := range p.at {
				at += fmt.Sprintf("/%d", i)
			}
			d.fail(at, "%s", p.msg)
		}
	}
	if r.Type == Node && r.NodeName != "" && r.Max > 1 {
		d.fail(ptr+"/node_name", "node_name names one node: count must be 1 (python-chi raises the same error)")
	}
	if r.Type == Device && r.DeviceName != "" && r.Max > 1 {
		d.fail(ptr+"/device_name", "device_name names one device: count must be 1 (python-chi raises ValueError here too)")
	}
	if av := m.get("addresses"); av.isKind(kList) {
		for i, af := range av.fields {
			a := af.val
			if !a.isKind(kString) {
				continue
			}
			s := a.s
			if _, err := netip.ParseAddr(s); err != nil {
				d.fail(fmt.Sprintf("%s/addresses/%d", ptr, i), "%s is not an IP address", quote(s))
				continue
			}
			r.Addresses = append(r.Addresses, s)
		}
		if len(av.fields) > r.Max && r.Max > 0 {
			d.fail(ptr+"/addresses", "%d addresses listed but count is %d: list no more addresses than count", len(av.fields), r.Max)
		}
	}
	return r
}

// counts reads count, or min and max, into r.Min and r.Max.
func (d *doc) counts(ptr string, m *value, r *Reservation) {
	rawMin := m.get("min") != nil
	rawMax := m.get("max") != nil
	rawCount := m.get("count") != nil
	switch {
	case rawCount && (rawMin || rawMax):
		d.fail(ptr+"/count", "set either count, or min and max, not both")
	case rawMin != rawMax:
		missing, present := "max", "/min"
		if rawMax {
			missing, present = "min", "/max"
		}
		d.fail(ptr+present, "min and max go together: add %s", missing)
	case rawMin:
		minV, okMin := d.whole(ptr, m, "min", 1, MaxCount)
		maxV, okMax := d.whole(ptr, m, "max", 1, MaxCount)
		switch {
		case !okMin || !okMax:
		case maxV < minV:
			d.fail(ptr+"/max", "must be at least min (%d)", minV)
		default:
			r.Min, r.Max = int(minV), int(maxV)
		}
	case rawCount:
		if count, ok := d.whole(ptr, m, "count", 1, MaxCount); ok {
			r.Min, r.Max = int(count), int(count)
		}
	default:
		r.Min, r.Max = 1, 1
	}
	if r.Type == FloatingIP && r.Min != r.Max {
		d.fail(ptr, "floating IPs take a count, not min and max")
	}
	if r.Type == Flavor && r.Min != r.Max {
		d.fail(ptr, "flavor reservations take a count of instances, not min and max")
	}
}

// earliest reads within, not_before and together, which only `start: earliest` takes.
func (d *doc) earliest(l *Lease, lm *value, ptr string, hasEnd bool) {
	for _, k := range []string{"within", "not_before", "together"} {
		if lm.get(k) != nil && l.Earliest == nil {
			d.fail(ptr+"/"+k, "%s only applies with `start: earliest`", k)
		}
	}
	if l.Earliest == nil {
		return
	}
	if hasEnd {
		d.fail(ptr+"/end", "`start: earliest` needs a duration, not an end")
	}
	if s, ok := str(lm, "within"); ok {
		if w, err := ParseDuration(s); err != nil {
			d.fail(ptr+"/within", "%v", err)
		} else {
			l.Earliest.Within = w
		}
	}
	if s, ok := str(lm, "not_before"); ok {
		t, err := ParseTime(s)
		switch {
		case err != nil:
			d.fail(ptr+"/not_before", "%v", err)
		case !t.Now:
			l.Earliest.NotBefore = t.At
		}
	}
	l.Earliest.Together, _ = str(lm, "together")
}

// invalidUTF8 finds the first byte of data that is not UTF-8, as a line and column (columns
// count runes, as editors do).
func invalidUTF8(data string) (Pos, bool) {
	if utf8.ValidString(data) {
		return Pos{}, false
	}
	pos := Pos{Line: 1, Col: 1}
	for len(data) > 0 {
		r, n := utf8.DecodeRuneInString(data)
		if r == utf8.RuneError && n <= 1 {
			return pos, true
		}
		if r == '\n' {
			pos.Line, pos.Col = pos.Line+1, 1
		} else {
			pos.Col++
		}
		data = data[n:]
	}
	return pos, true
}
