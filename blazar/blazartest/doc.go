// Package blazartest is a contract suite for Blazar v1 as leasefile uses it:
// Run exercises lease create, list, get, update (rename, extend), delete,
// the error shapes (404, invalid dates, a refused over-capacity request, a
// start change on a started lease) and project isolation against any
// service: the emulator (emulator_test.go, run by go test) or a real cloud
// (realcloud_test.go, build tag realcloud, credentials from OS_* or
// clouds.yaml).
//
// The suite is the agreement between the client and the emulator: both
// were written from Blazar's API reference, independently, so the suite
// asserts what real Blazar does (messages and kinds included) rather than
// what either implementation happens to do.
//
// Invariants: every lease the suite creates is deleted when its test ends,
// even on failure; checks that need something the Env lacks (a clock that
// can be advanced, a second project, a Neutron client, an impossible
// reservation) are left out, never faked.
package blazartest
