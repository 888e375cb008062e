// Package testing holds the fake-server tests of package leases, with bodies
// recorded from a real Blazar.
package testing
