// Package testing holds the fake-server tests of package floatingips.
package testing
