package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	binOnce sync.Once
	binDir  string
	binErr  error
)

// leasefileBinary builds the real binary once per test run, for tests that need a program
// on PATH (shell completion, pre-commit hooks); it returns the directory holding it.
func leasefileBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "leasefile-bin-")
		if binErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, "leasefile"), ".").CombinedOutput()
		if err != nil {
			binErr = &buildError{string(out)}
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binDir
}

type buildError struct{ out string }

func (e *buildError) Error() string { return "go build: " + e.out }

// TestBashCompletion sources `leasefile completion bash` in a real bash and completes as the
// shell would: the script calls the binary on PATH and fills COMPREPLY.
func TestBashCompletion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := leasefileBinary(t)
	// bash-completion's _comp_initialize, reduced to what the script uses, so that the test
	// does not depend on the bash-completion package.
	script := `
_comp_initialize() { cur="${COMP_WORDS[COMP_CWORD]}"; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; return 0; }
source <(leasefile completion bash)
complete_at() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=(); __leasefile_bash_autocomplete; printf '%s\n' "${COMPREPLY[@]}"; echo --; }
complete_at leasefile st
complete_at leasefile f
complete_at leasefile state r
complete_at leasefile output --for
`
	cmd := exec.Command("bash", "-c", script)
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "--\n"), "--\n")
	want := [][]string{{"state"}, {"fmt", "force-unlock"}, {"rm"}, {"--format"}}
	if len(got) != len(want) {
		t.Fatalf("completions %q, want %d groups", out, len(want))
	}
	for i, w := range want {
		if g := strings.Fields(got[i]); strings.Join(g, " ") != strings.Join(w, " ") {
			t.Errorf("completion %d: %q, want %q", i, g, w)
		}
	}
}
