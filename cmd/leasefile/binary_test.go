package main

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// leasefileBinary builds the real binary as a release is built (the ldflags of
// .goreleaser.yaml), for tests that need a program on PATH (shell completion, the version);
// it returns the directory holding it. The build cache makes every build after the first
// one a link.
func leasefileBinary(t *testing.T) string {
	t.Helper()
	ldflags, err := releaseLdflags()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	build := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", filepath.Join(dir, "leasefile"), ".")
	build.Env = releaseEnv()
	out, err := build.CombinedOutput()
	if err != nil {
		t.Fatal(&buildError{string(out)})
	}
	return dir
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

// TestReleaseVersion: the binary built with .goreleaser.yaml's ldflags reports the release.
// The linker silently ignores -X for a variable that does not exist, so a renamed variable
// would ship "(devel)".
func TestReleaseVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	out, err := exec.Command(filepath.Join(leasefileBinary(t), "leasefile"), "version").CombinedOutput()
	if err != nil {
		t.Fatalf("version: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), testTag) {
		t.Errorf("version printed %q, want the release %s", out, testTag)
	}
}

// testTag is the release tag the test binary is built as.
const testTag = "v9.8.7"

// TestBinaryIsStatic: the binary the process tests and benchmarks run is linked as releases
// are, without the dynamic loader: a cgo build (the default where a C compiler is installed)
// spent about 0.7 ms of every run loading libc, which no released binary does.
func TestBinaryIsStatic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if runtime.GOOS != "linux" {
		t.Skip("checks an ELF binary")
	}
	for _, bin := range []string{buildLeasefile(t), filepath.Join(leasefileBinary(t), "leasefile")} {
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s is dynamically linked (it has an ELF interpreter)", bin)
			}
		}
		f.Close()
	}
}

// releaseEnv is the process environment with .goreleaser.yaml's build env (CGO_ENABLED=0),
// so that a test's binary is linked as a release is: statically. A cgo build links libc
// dynamically and spends about 0.7 ms of every run in the dynamic loader and libc.
func releaseEnv() []string {
	_, env, err := releaseBuild()
	if err != nil {
		panic(err)
	}
	return append(os.Environ(), env...)
}

// releaseLdflags are the ldflags of .goreleaser.yaml's build, with testTag for its tag.
func releaseLdflags() (string, error) {
	ldflags, _, err := releaseBuild()
	return ldflags, err
}

// releaseBuild is .goreleaser.yaml's build: its ldflags (the tag filled with testTag) and env.
func releaseBuild() (ldflags string, env []string, err error) {
	data, err := os.ReadFile("../../.goreleaser.yaml")
	if err != nil {
		return "", nil, err
	}
	var cfg struct {
		Builds []struct {
			Main         string
			Ldflags, Env []string
		}
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return "", nil, err
	}
	if len(cfg.Builds) != 1 || cfg.Builds[0].Main != "./cmd/leasefile" {
		return "", nil, fmt.Errorf(".goreleaser.yaml builds: %+v, want one of ./cmd/leasefile", cfg.Builds)
	}
	ldflags = strings.ReplaceAll(strings.Join(cfg.Builds[0].Ldflags, " "), "{{ .Tag }}", testTag)
	if strings.Contains(ldflags, "{{") {
		return "", nil, fmt.Errorf("ldflags %q: a template the tests do not fill", ldflags)
	}
	return ldflags, cfg.Builds[0].Env, nil
}
