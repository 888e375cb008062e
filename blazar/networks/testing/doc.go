// Package testing holds the fake-server tests of package networks.
package testing
