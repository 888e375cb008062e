package spec

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFormat(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"canonical order and indentation", `leases:
    exp:   # the experiment
        reservations:
            n:
                node_type: compute_skylake
                count: 2
                type: node
        duration: 6h
        site: CHI@UC
version: 1
`, `version: 1
leases:
  exp: # the experiment
    site: CHI@UC
    duration: 6h
    reservations:
      n:
        type: node
        count: 2
        node_type: compute_skylake
`},
		{"modeline stays first, comments and quoting kept", `# yaml-language-server: $schema=x
# my experiment
leases:
  # GPUs first
  gpus:
    end: 2027-01-14T17:00:00Z
    start: "2027-01-12 09:00"   # Monday
    reservations:
      a: {count: 1, type: node}
      ip:
        addresses: [192.0.2.10]
        type: floating_ip
version: 1
`, `# yaml-language-server: $schema=x
# my experiment
version: 1
leases:
  # GPUs first
  gpus:
    start: "2027-01-12 09:00" # Monday
    end: 2027-01-14T17:00:00Z
    reservations:
      a: {type: node, count: 1}
      ip:
        type: floating_ip
        addresses: [192.0.2.10]
`},
		{"blank lines between entries kept, once; unknown keys last", `version: 1


leases:
  a:
    duration: 6h
    colour: blue
    site: CHI@UC

  # second
  b:
    duration: 1h
`, `version: 1

leases:
  a:
    site: CHI@UC
    duration: 6h
    colour: blue

  # second
  b:
    duration: 1h
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Format("Leasefile", []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("Format (-want +got):\n%s", diff)
			}
			again, err := Format("Leasefile", got)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(got), string(again)); diff != "" {
				t.Errorf("Format is not idempotent (-once +twice):\n%s", diff)
			}
		})
	}
}

func TestFormatRefuses(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"syntax", "version: 1\nleases: [\n", "Leasefile:2:1: invalid YAML"},
		{"two documents", "version: 1\n---\nversion: 1\n", "Leasefile:2:1: a Leasefile is one YAML document"},
		{"empty", "", "Leasefile:1:1: the file is empty"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Format("Leasefile", []byte(tt.in))
			if err == nil || !cmp.Equal(tt.want, err.Error()[:min(len(err.Error()), len(tt.want))]) {
				t.Errorf("err = %v, want prefix %q", err, tt.want)
			}
		})
	}
}

// FuzzFormat: fmt of fmt equals fmt, and a Leasefile that parses parses to the same spec
// once formatted. Its seeds (the examples) run with every go test.
func FuzzFormat(f *testing.F) {
	paths, _ := filepath.Glob("../examples/*.yaml")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("version: 1\nleases:\n  a:\n    duration: 6h # c\n\n    site: CHI@UC\n"))
	opts := Options{LookupEnv: func(string) (string, bool) { return "", false }}
	f.Fuzz(func(t *testing.T, src []byte) {
		once, err := Format("Leasefile", src)
		if err != nil {
			return
		}
		twice, err := Format("Leasefile", once)
		if err != nil {
			t.Fatalf("formatted file does not format: %v\n%s", err, once)
		}
		if diff := cmp.Diff(string(once), string(twice)); diff != "" {
			t.Fatalf("not idempotent (-once +twice):\n%s", diff)
		}
		before, err := Parse("Leasefile", src, opts)
		if err != nil {
			return
		}
		after, err := Parse("Leasefile", once, opts)
		if err != nil {
			t.Fatalf("formatted file does not parse: %v\n%s", err, once)
		}
		if diff := cmp.Diff(before, after, cmpIgnorePos, cmp.AllowUnexported(Lease{})); diff != "" {
			t.Fatalf("formatting changed the spec (-before +after):\n%s\nformatted:\n%s", diff, once)
		}
	})
}

// cmpIgnorePos compares specs without their positions, which formatting moves.
var cmpIgnorePos = cmp.FilterPath(func(p cmp.Path) bool {
	sf, ok := p.Last().(cmp.StructField)
	return ok && sf.Name() == "Pos"
}, cmp.Ignore())
