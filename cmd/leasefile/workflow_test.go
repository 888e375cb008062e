package main

import (
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v3"
	"go.yaml.in/yaml/v3"
)

// TestExampleWorkflow: every leasefile command in the example GitHub Actions workflow names a
// command and flags this leasefile has, and the binary runs unwrapped.
func TestExampleWorkflow(t *testing.T) {
	data, err := os.ReadFile("../../docs/github-actions-leases.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Uses string
				Run  string
			}
		}
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatal(err)
	}
	var cmds [][]string
	for name, job := range wf.Jobs {
		for _, st := range job.Steps {
			if strings.Contains(st.Uses, "setup-terraform") || strings.Contains(st.Run, "wrapper") {
				t.Errorf("job %s wraps the binary", name)
			}
			for _, line := range strings.Split(st.Run, "\n") {
				line = strings.TrimSpace(line)
				if !strings.HasPrefix(line, "leasefile ") {
					continue
				}
				if i := strings.IndexAny(line, "|>;&#"); i >= 0 {
					line = line[:i]
				}
				cmds = append(cmds, strings.Fields(line))
			}
		}
	}
	if len(cmds) < 6 {
		t.Fatalf("found %d leasefile commands in the workflow: %q", len(cmds), cmds)
	}
	root := newApp(strings.NewReader(""), io.Discard, io.Discard, nil).command()
	for _, args := range cmds {
		// Walk down to the command, then check each flag against it and the global flags.
		cmd, rest := root, args[1:]
		for len(rest) > 0 {
			var sub *cli.Command
			for _, c := range cmd.Commands {
				if c.Name == rest[0] {
					sub = c
				}
			}
			if sub == nil {
				break
			}
			cmd, rest = sub, rest[1:]
		}
		if cmd == root {
			t.Errorf("%s: no such command", strings.Join(args, " "))
			continue
		}
		for _, tok := range rest {
			if !strings.HasPrefix(tok, "-") {
				continue
			}
			name, _, _ := strings.Cut(strings.TrimLeft(tok, "-"), "=")
			if !hasFlag(cmd, name) && !hasFlag(root, name) {
				t.Errorf("%s: %s has no flag %s", strings.Join(args, " "), cmd.FullName(), tok)
			}
		}
	}
}

func hasFlag(c *cli.Command, name string) bool {
	for _, f := range c.Flags {
		if slices.Contains(f.Names(), name) {
			return true
		}
	}
	return false
}
