// Package testing holds the fake-server tests of package devices.
package testing
