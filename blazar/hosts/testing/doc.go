// Package testing holds the fake-server tests of package hosts.
package testing
