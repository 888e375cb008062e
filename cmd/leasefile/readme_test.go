package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestREADMEInstallsBeforeUse: the README's walkthrough ran `leasefile` without saying how to
// get it. The install command (for this module) and make build's binary come first.
func TestREADMEInstallsBeforeUse(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	module := regexp.MustCompile(`(?m)^module (\S+)$`).FindSubmatch(gomod)
	if module == nil {
		t.Fatal("go.mod names no module")
	}
	text := string(readme)
	firstUse := strings.Index(text, "\n$ leasefile ")
	if firstUse < 0 {
		t.Fatal("the README runs no leasefile command")
	}
	for _, want := range []string{"go install " + string(module[1]) + "/cmd/leasefile@latest", "make build", "bin/leasefile"} {
		if i := strings.Index(text, want); i < 0 || i > firstUse {
			t.Errorf("README: %q must come before the walkthrough's first leasefile command", want)
		}
	}
}
