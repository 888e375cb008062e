package reliability

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Limits of a hostile-input run.
const (
	hostileTimeout = 20 * time.Second
	// hostileAddrSpaceKB is the child's address-space limit (ulimit -v): generous for Go's
	// reservations and threads, small enough that a runaway input cannot take the machine.
	hostileAddrSpaceKB = 2 << 20
	// HostileMaxRSSKB is the peak resident memory a rejected Leasefile may cost.
	HostileMaxRSSKB  = 256 << 10
	hostileMaxStderr = 64 << 10
)

// hostileSecrets are set in the environment of every hostile run; a Leasefile that expands
// one into output is counted as a secret found.
var hostileSecrets = map[string]string{
	"OS_PASSWORD":                      "hostile-pw-7c1f9e0a55",
	"OS_APPLICATION_CREDENTIAL_SECRET": "hostile-acs-3b8d2f6c41",
	"GITHUB_TOKEN":                     "hostile-ghtok-90ae77d2",
}

var (
	expectLineRE = regexp.MustCompile(`(?m)^# expect-line: (\d+)$`)
	knownRE      = regexp.MustCompile(`(?m)^#.* known: (.+)$`)
)

// hostileFile is one corpus file and what its leading comments say about it: the line its
// error must be at ("# expect-line: N"), and the issue item it reproduces ("... known: ITEM").
type hostileFile struct {
	path, known string
	line        int
}

// HostileCorpus lists the *.yaml files of dirs; a directory that does not exist is skipped
// (another branch adds spec/testdata/hostile).
func HostileCorpus(dirs []string) ([]hostileFile, error) {
	var out []hostileFile
	for _, d := range dirs {
		m, err := filepath.Glob(filepath.Join(d, "*.yaml"))
		if err != nil {
			return nil, err
		}
		slices.Sort(m)
		for _, p := range m {
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			head := string(b[:min(len(b), 512)])
			hf := hostileFile{path: p}
			if m := expectLineRE.FindStringSubmatch(head); m != nil {
				hf.line, _ = strconv.Atoi(m[1])
			}
			if m := knownRE.FindStringSubmatch(head); m != nil {
				hf.known = strings.TrimSpace(m[1])
			}
			out = append(out, hf)
		}
	}
	return out, nil
}

// Hostile runs `validate` and `plan` on every corpus file: each must exit 1 with a positioned
// error, without a panic or a hang, within the memory bound, and print no secret.
func (h *Harness) Hostile() []*Trial {
	files, err := HostileCorpus(h.cfg.HostileDirs)
	if err != nil {
		return []*Trial{setupFailed(newTrial("hostile", "corpus"), err)}
	}
	if len(files) == 0 {
		return []*Trial{setupFailed(newTrial("hostile", "corpus"), fmt.Errorf("no *.yaml in %v", h.cfg.HostileDirs))}
	}
	setup := newTrial("hostile", "emulator")
	inv, err := h.inventory(hostileSecrets["OS_PASSWORD"], hostileSecrets["OS_APPLICATION_CREDENTIAL_SECRET"])
	if err != nil {
		return []*Trial{setupFailed(setup, err)}
	}
	f, err := h.fixture(setup, "--inventory", inv)
	if err != nil {
		return []*Trial{setupFailed(setup, err)}
	}
	defer f.close(setup)
	rn := *f.Run
	rn.Timeout, rn.MemLimitKB = hostileTimeout, hostileAddrSpaceKB
	for k, v := range hostileSecrets {
		rn.Env = append(rn.Env, k+"="+v)
	}
	return h.each(len(files), func(i int) *Trial { return hostileTrial(rn, i, files[i]) })
}

func hostileTrial(rn Runner, i int, hf hostileFile) *Trial {
	t := newTrial("hostile", hf.path)
	t.Known = hf.known
	b, err := os.ReadFile(hf.path)
	if err != nil {
		return setupFailed(t, err)
	}
	// Each file is copied into a directory of its own (a plan may touch the state beside
	// it) under its base name, which is the name the error must be positioned in.
	rn.Dir = filepath.Join(rn.Dir, fmt.Sprintf("h%03d", i))
	base := filepath.Base(hf.path)
	if err := os.MkdirAll(rn.Dir, 0o700); err != nil {
		return setupFailed(t, err)
	}
	if err := os.WriteFile(filepath.Join(rn.Dir, base), b, 0o600); err != nil {
		return setupFailed(t, err)
	}
	posRE := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(base) + `:(\d+):(\d+): `)
	for _, cmd := range []string{"validate", "plan"} {
		r := rn.Run("-f", base, cmd)
		t.observe(r)
		if r.MaxRSSKB > HostileMaxRSSKB || strings.Contains(r.Stderr, "out of memory") {
			t.OverMemory++
			t.find("%s: peak RSS %d MB (bound %d MB)", cmd, r.MaxRSSKB>>10, HostileMaxRSSKB>>10)
		}
		if r.Hung || r.Panicked() {
			continue
		}
		if r.Exit != 1 {
			t.find("%s: exit %d, want 1: %s", cmd, r.Exit, lastLines(r.Output(), 2))
		}
		ms := posRE.FindAllStringSubmatch(r.Stderr, -1)
		atLine := hf.line == 0
		for _, m := range ms {
			atLine = atLine || m[1] == strconv.Itoa(hf.line)
		}
		switch {
		case r.Exit == 1 && len(ms) == 0:
			t.find("%s: no positioned error (%s:LINE:COL:): %s", cmd, base, lastLines(r.Stderr, 2))
		case len(ms) > 0 && !atLine:
			t.find("%s: no error at line %d: %s", cmd, hf.line, lastLines(r.Stderr, 2))
		}
		if len(r.Stderr) > hostileMaxStderr {
			t.find("%s: %d bytes of errors for one file (quote a short prefix)", cmd, len(r.Stderr))
		}
		for k, v := range hostileSecrets {
			if strings.Contains(r.Output(), v) {
				t.Secrets++
				t.find("%s: printed the value of %s", cmd, k)
			}
		}
	}
	return t.done()
}
