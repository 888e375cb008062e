package archtest

import (
	"fmt"
	"slices"
	"strings"
)

// Graph maps each project package, by its path relative to the module root ("plan",
// "blazar/leases", "cmd/leasefile"), to the project packages it imports directly.
type Graph map[string][]string

// Rule is one dependency rule for the packages under From (a path or a "dir/..." pattern).
// Only, when non-nil, lists every project package they may reach; Forbid lists packages
// they must never reach. Direct limits the rule to direct imports.
type Rule struct {
	From   string
	Only   []string
	Forbid []string
	Direct bool
	Why    string
}

// Rules are STYLE.md's dependency rules.
var Rules = []Rule{
	{From: "emulator/...", Only: []string{"internal/chameleon/..."},
		Why: "the emulator has its own wire structs, so that a client mistake cannot hide behind the same mistake in the emulator"},
	{From: "plan/...", Forbid: []string{"cloud/...", "apply/...", "emulator/..."},
		Why: "plan is pure: it makes no calls"},
	{From: "outputs/...", Forbid: []string{"cloud/...", "apply/...", "emulator/...", "plan/..."},
		Why: "outputs is pure: the caller reads the state and the clouds"},
	{From: "avail/...", Only: []string{"internal/chameleon/...", "internal/textdist/..."},
		Why: "avail is pure: the caller reads inventories and allocations, and plan and the CLI both use it"},
	{From: "internal/textdist/...", Only: []string{},
		Why: "the edit distance is a leaf spec and avail share"},
	{From: "internal/chameleon/...", Only: []string{},
		Why: "the fork's rules are a leaf both the planner and the emulator import"},
	{From: "spec/...", Only: []string{"schema/...", "internal/textdist/..."},
		Why: "spec turns a Leasefile into a validated spec and needs nothing but the schema"},
	{From: "...", Forbid: []string{"cmd/..."}, Direct: true,
		Why: "cmd is wiring: nothing imports it"},
}

// Violation is one package reaching one it must not.
type Violation struct {
	From, To string
	Via      []string // the import path from From to To, From and To included
	Rule     Rule
}

func (v Violation) String() string {
	return fmt.Sprintf("%s imports %s (%s): %s", v.From, v.To, strings.Join(v.Via, " -> "), v.Rule.Why)
}

// match reports whether pkg is pattern, or below it for a "dir/..." pattern ("..." is all).
func match(pattern, pkg string) bool {
	if pattern == "..." {
		return true
	}
	if dir, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == dir || strings.HasPrefix(pkg, dir+"/")
	}
	return pkg == pattern
}

func matchAny(patterns []string, pkg string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return match(p, pkg) })
}

// Check returns every violation of rules in g, in a stable order.
func Check(g Graph, rules []Rule) []Violation {
	var out []Violation
	for _, from := range sortedKeys(g) {
		for _, r := range rules {
			if !match(r.From, from) {
				continue
			}
			for _, to := range reach(g, from, r.Direct) {
				if match(r.From, to.pkg) && r.Only != nil {
					continue // a package may import its own subpackages
				}
				bad := matchAny(r.Forbid, to.pkg) || (r.Only != nil && !matchAny(r.Only, to.pkg))
				if bad {
					out = append(out, Violation{From: from, To: to.pkg, Via: to.via, Rule: r})
				}
			}
		}
	}
	return out
}

type reached struct {
	pkg string
	via []string
}

// reach lists the packages from imports, breadth first (so each path is a shortest one), or
// only its direct imports.
func reach(g Graph, from string, direct bool) []reached {
	var out []reached
	seen := map[string]bool{from: true}
	queue := []reached{{from, []string{from}}}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		imps := slices.Sorted(slices.Values(g[cur.pkg]))
		for _, imp := range imps {
			if seen[imp] {
				continue
			}
			seen[imp] = true
			next := reached{imp, append(slices.Clone(cur.via), imp)}
			out = append(out, next)
			if !direct {
				queue = append(queue, next)
			}
		}
	}
	return out
}

func sortedKeys(g Graph) []string {
	keys := make([]string, 0, len(g))
	for k := range g {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
