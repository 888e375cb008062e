// Package archtest holds the module's dependency rules (../shared/STYLE.md, "Layout") as data,
// and checks an import graph against them. Its test runs the check on the module's own graph,
// read with `go list`, so a change that breaks a rule fails `make test`.
//
// Invariants: the rules are checked on the transitive closure of project imports (a package
// that reaches a forbidden one through a third breaks the rule too), test files excluded; the
// check itself is pure and is tested on synthetic graphs, so it is known to be able to fail.
package archtest
