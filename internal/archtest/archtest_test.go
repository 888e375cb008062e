package archtest

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const module = "github.com/chameleoncloud/leasefile"

// moduleGraph reads the module's import graph (non-test files) with go list.
func moduleGraph(t *testing.T) Graph {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	g := Graph{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rel, ok := relative(p.ImportPath)
		if !ok {
			continue
		}
		g[rel] = nil
		for _, imp := range p.Imports {
			if r, ok := relative(imp); ok {
				g[rel] = append(g[rel], r)
			}
		}
	}
	return g
}

func relative(path string) (string, bool) {
	return strings.CutPrefix(path, module+"/")
}

func TestModuleKeepsTheDependencyRules(t *testing.T) {
	g := moduleGraph(t)
	for _, must := range []string{"plan", "spec", "emulator", "cmd/leasefile"} {
		if _, ok := g[must]; !ok {
			t.Fatalf("go list found no package %s: the graph is not the module's (%d packages)", must, len(g))
		}
	}
	for _, v := range Check(g, Rules) {
		t.Error(v)
	}
}

func TestCheckFindsViolations(t *testing.T) {
	// The module as it should be, then one deliberate violation per case.
	good := func() Graph {
		return Graph{
			"cmd/leasefile":      {"apply", "plan", "spec", "cloud", "emulator", "state", "outputs"},
			"apply":              {"plan", "state", "blazar"},
			"plan":               {"spec", "state", "blazar", "blazar/leases"},
			"spec":               {"schema"},
			"schema":             nil,
			"state":              nil,
			"blazar":             {"blazar/internal/wire"},
			"blazar/leases":      {"blazar"},
			"cloud":              {"blazar"},
			"emulator":           {"emulator/store", "internal/chameleon"},
			"emulator/store":     nil,
			"internal/chameleon": nil,
			"outputs":            {"state", "blazar", "blazar/leases"},
		}
	}
	tests := []struct {
		name  string
		edit  func(Graph)
		wants []string // From -> To of each violation
	}{
		{"as designed", func(Graph) {}, nil},
		{"emulator imports the client", func(g Graph) { g["emulator"] = append(g["emulator"], "blazar/leases") },
			[]string{"emulator -> blazar/leases", "emulator -> blazar", "emulator -> blazar/internal/wire"}},
		{"emulator subpackage imports spec", func(g Graph) { g["emulator/store"] = []string{"spec"} },
			[]string{"emulator -> spec", "emulator -> schema", "emulator/store -> spec", "emulator/store -> schema"}},
		{"plan imports apply", func(g Graph) { g["plan"] = append(g["plan"], "apply") },
			[]string{"plan -> apply"}},
		{"plan reaches cloud through blazar", func(g Graph) { g["blazar/leases"] = append(g["blazar/leases"], "cloud") },
			[]string{"outputs -> cloud", "plan -> cloud"}},
		{"outputs imports cloud", func(g Graph) { g["outputs"] = append(g["outputs"], "cloud") },
			[]string{"outputs -> cloud"}},
		{"spec imports state", func(g Graph) { g["spec"] = append(g["spec"], "state") },
			[]string{"spec -> state"}},
		{"a library imports cmd", func(g Graph) { g["state"] = []string{"cmd/leasefile"} },
			// plan now reaches cmd, and through it everything.
			[]string{"outputs -> apply", "outputs -> cloud", "outputs -> emulator", "outputs -> plan", "outputs -> emulator/store",
				"plan -> apply", "plan -> cloud", "plan -> emulator", "plan -> emulator/store", "state -> cmd/leasefile"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := good()
			tt.edit(g)
			var got []string
			for _, v := range Check(g, Rules) {
				got = append(got, v.From+" -> "+v.To)
			}
			if diff := cmp.Diff(tt.wants, got); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	for _, tt := range []struct {
		pattern, pkg string
		want         bool
	}{
		{"plan", "plan", true},
		{"plan", "planner", false},
		{"plan/...", "plan", true},
		{"plan/...", "plan/x", true},
		{"plan/...", "planner", false},
		{"...", "anything/at/all", true},
	} {
		if got := match(tt.pattern, tt.pkg); got != tt.want {
			t.Errorf("match(%q, %q) = %v, want %v", tt.pattern, tt.pkg, got, tt.want)
		}
	}
}
