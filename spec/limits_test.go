package spec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// hostileBudget is the most memory one Parse of a hostile Leasefile may allocate in total.
// The shapes below cost gigabytes without the limits (the one of issue 8, about 2.6 MB per
// alias, ended in "fatal error: out of memory").
const hostileBudget = 128 << 20

// nestedAliases is the shape of issue 8: a mapping nested depth levels deep under keys of
// keyLen bytes, anchored once and aliased n times.
func nestedAliases(depth, keyLen, n int) []byte {
	var b strings.Builder
	b.WriteString("version: 1\nx: &a\n")
	for i := range depth {
		fmt.Fprintf(&b, "%s%s%d:\n", strings.Repeat(" ", i+1), strings.Repeat("k", keyLen), i)
	}
	fmt.Fprintf(&b, "%sv\n", strings.Repeat(" ", depth+1))
	b.WriteString("leases: [")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("*a")
	}
	b.WriteString("]\n")
	return []byte(b.String())
}

// hostileCases are Leasefiles built to exhaust memory or time. They are also written to
// testdata/hostile (go test ./spec -run TestHostile -update-hostile), where the reliability
// campaign picks them up.
func hostileCases() map[string][]byte {
	laughs := "version: 1\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for i := range 9 {
		name := fmt.Sprintf("l%d", i)
		laughs += fmt.Sprintf("%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", name, name, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = name
	}
	return map[string][]byte{
		// 65-75 KB: 62 levels of 1,000-byte keys (YAML's longest plain key), aliased 300 times.
		"nested_long_keys_aliased.yaml": nestedAliases(62, 1000, 300),
		// 75 KB: keys short enough to pass, 62 levels deep, aliased 20,000 times.
		"nested_keys_aliased.yaml": nestedAliases(62, 250, 20000),
		// Many aliases of a deep tree of shorter keys.
		"deep_aliased.yaml":   nestedAliases(60, 100, 15000),
		"billion_laughs.yaml": []byte(laughs),
		// One huge key, aliased.
		"huge_key.yaml": []byte("version: 1\nx: &a\n  ? " + strings.Repeat("k", 60000) + "\n  : 1\nleases: [" + strings.Repeat("*a,", 3000) + "*a]\n"),
		// A huge value with ${} expanded at every alias.
		"expanded_aliases.yaml": []byte("version: 1\nx: &a \"${U}" + strings.Repeat("v", 60000) + "\"\nleases: [" + strings.Repeat("*a,", 3000) + "*a]\n"),
	}
}

// TestHostileInputsBounded: every hostile shape is refused with a positioned error, within a
// memory budget measured as the bytes Parse allocates.
func TestHostileInputsBounded(t *testing.T) {
	for name, data := range hostileCases() {
		t.Run(name, func(t *testing.T) {
			var err error
			alloc := allocated(func() {
				_, err = Parse("Leasefile", data, env(map[string]string{"U": "u"}))
			})
			t.Logf("%d bytes: %d MB allocated", len(data), alloc>>20)
			if alloc > hostileBudget {
				t.Errorf("Parse of %d bytes allocated %d MB, more than the %d MB budget", len(data), alloc>>20, hostileBudget>>20)
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("no error list: %v", err)
			}
			for _, e := range list {
				if e.Pos.Line < 1 || e.Pos.Col < 1 {
					t.Errorf("error without a position: %v", e)
				}
				if len(e.Error()) > 1000 {
					t.Errorf("error of %d bytes: %.200s...", len(e.Error()), e.Error())
				}
			}
		})
	}
}

// allocated returns the bytes allocated while fn runs.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestHostileCorpus keeps testdata/hostile in step with hostileCases and checks that every
// file there is refused without a panic. Besides the generated files, the directory holds
// hand-written ones (count overflow, a credential in ${}, a second document, bad keys); every
// file in it must be a Leasefile that Parse refuses.
func TestHostileCorpus(t *testing.T) {
	for name, data := range hostileCases() {
		p := filepath.Join("testdata", "hostile", name)
		if os.Getenv("UPDATE_HOSTILE") != "" {
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != string(data) {
			t.Errorf("%s is not up to date: run UPDATE_HOSTILE=1 go test ./spec -run TestHostileCorpus", p)
		}
	}
	paths, _ := filepath.Glob(filepath.Join("testdata", "hostile", "*"))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(p, data, env(nil)); err == nil {
			t.Errorf("%s parsed without error", p)
		}
	}
}

// TestLimitsLeaveRoomForLargeLeasefiles: the limits stop hostile files, not large real ones.
func TestLimitsLeaveRoomForLargeLeasefiles(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nname_prefix: a-rather-long-prefix-\ndefaults: {site: CHI@UC}\nleases:\n")
	for i := range 3000 {
		fmt.Fprintf(&b, "  experiment-with-a-long-key-%05d:\n    duration: 1h\n    reservations:\n      compute-nodes-of-the-experiment:\n        type: node\n        count: 2\n        node_type: compute_skylake\n        resource_properties: [\"and\", [\"==\", \"$architecture.platform_type\", \"x86_64\"], [\">=\", \"$architecture.smt_size\", \"48\"]]\n", i)
	}
	f, err := Parse("Leasefile", []byte(b.String()), env(nil))
	if err != nil {
		t.Fatalf("%.500v", err)
	}
	if len(f.Leases) != 3000 {
		t.Errorf("%d leases", len(f.Leases))
	}
}
