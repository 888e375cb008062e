package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestManPage: the man page is generated from the command tree, so it lists every visible
// command and subcommand with its flags, and only those.
func TestManPage(t *testing.T) {
	var out, errb bytes.Buffer
	a := newApp(strings.NewReader(""), &out, &errb, func(string) (string, bool) { return "", false })
	if code := a.run(context.Background(), []string{"leasefile", "docs", "-format", "man"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	man := out.String()
	if !strings.HasPrefix(man, ".nh\n.TH leasefile 1") {
		t.Errorf("not a section 1 man page:\n%.200s", man)
	}
	for _, c := range a.command().Commands {
		if c.Hidden {
			if strings.Contains(man, "\n.SH "+c.Name) || strings.Contains(man, "\n.SS "+c.Name+"\n") {
				t.Errorf("hidden command %s is in the man page", c.Name)
			}
			continue
		}
		if !strings.Contains(man, "\n.SH "+c.Name+"\n") {
			t.Errorf("man page lacks command %s", c.Name)
		}
		for _, s := range c.Commands {
			if !strings.Contains(man, "\n.SS "+s.Name+"\n") {
				t.Errorf("man page lacks command %s %s", c.Name, s.Name)
			}
		}
	}
	for _, want := range []string{"\n.SH completion\n", "--check", "--format", "--detailed-exitcode"} {
		if !strings.Contains(man, want) {
			t.Errorf("man page lacks %s", want)
		}
	}
}
