package plan

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chameleoncloud/leasefile/state"
)

// CheckOwned refuses a saved plan that acts on a lease the state st does not own: every
// update, replacement and delete must name the lease ID the state records under its key (or
// under the key's deposed entry) on its site, or one the plan itself adopts; every adoption
// must resolve a create intent the state records; every observed lease must be tracked. A
// plan made by Build against st always passes; a plan file edited afterwards (to delete any
// lease of the project, say) does not. st is the state the plan was made against: apply
// PLANFILE checks lineage and serial first.
func (p *Plan) CheckOwned(st *state.File) error {
	if st == nil {
		st = state.New()
	}
	if len(p.Moves) > 0 {
		// The changes name the keys after the moves, which apply makes first.
		st = st.Clone()
		for _, m := range p.Moves {
			_ = st.Move(m.From, m.To)
		}
	}
	adopted := map[string]Adoption{} // by key
	for _, a := range p.Adopt {
		if err := checkAdoption(st, a); err != nil {
			return err
		}
		adopted[a.Key] = a
	}
	owned := func(key, site, id string) bool {
		base := strings.TrimSuffix(key, state.DeposedSuffix)
		for _, k := range []string{base, state.DeposedKey(base)} {
			if l, ok := st.Lease(k); ok && l.ID == id && (l.Site == "" || l.Site == site) {
				return true
			}
		}
		a, ok := adopted[base]
		return ok && a.LeaseID == id && a.Site == site
	}
	for _, ch := range p.Changes {
		if ch.Action == NoOp || ch.Action == Create && ch.LeaseID == "" {
			continue
		}
		if ch.LeaseID == "" {
			return fmt.Errorf("lease %s: the plan would %s it but names no lease ID", shown(ch.Key), ch.Action.word())
		}
		if !owned(ch.Key, ch.OldSite(), ch.LeaseID) {
			return fmt.Errorf("lease %s: the plan would %s lease %s on %s, which the state does not track under that key and the plan does not adopt",
				shown(ch.Key), ch.Action.word(), shown(ch.LeaseID), shown(ch.OldSite()))
		}
	}
	for _, ob := range p.Observed {
		if !owned(ob.Key, ob.Lease.Site, ob.Lease.ID) {
			return fmt.Errorf("lease %s: the plan would record lease %s on %s in the state, which does not track it under that key",
				shown(ob.Key), shown(ob.Lease.ID), shown(ob.Lease.Site))
		}
	}
	return nil
}

// checkAdoption accepts an adoption only for a create intent the state records, with the
// same site and, when the intent knows it, the same lease ID, and only of a lease the state
// does not track under another key.
func checkAdoption(st *state.File, a Adoption) error {
	for _, in := range st.PendingIntents() {
		if in.Key != a.Key {
			continue
		}
		switch {
		case in.Site != "" && in.Site != a.Site:
			return fmt.Errorf("lease %s: the plan adopts lease %s on %s, but the create intent in the state is for %s", shown(a.Key), shown(a.LeaseID), shown(a.Site), shown(in.Site))
		case in.ID != "" && in.ID != a.LeaseID:
			return fmt.Errorf("lease %s: the plan adopts lease %s, but the create intent in the state made lease %s", shown(a.Key), shown(a.LeaseID), shown(in.ID))
		}
		for _, k := range st.Keys() {
			if l, _ := st.Lease(k); l.ID == a.LeaseID && strings.TrimSuffix(k, state.DeposedSuffix) != a.Key {
				return fmt.Errorf("lease %s: the plan adopts lease %s, which the state tracks as lease %s", shown(a.Key), shown(a.LeaseID), shown(k))
			}
		}
		return nil
	}
	return fmt.Errorf("lease %s: the plan adopts lease %s, but the state records no create intent for that key", shown(a.Key), shown(a.LeaseID))
}

// shown is a value of a plan file as an error shows it: at most 80 bytes, and quoted with
// its control characters escaped when it has any (the file may have been written to harm).
func shown(s string) string {
	if len(s) > 80 {
		cut := 80
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}
