package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFmtStdin: "leasefile fmt -" formats stdin to stdout, for editors; -check reads it and
// writes nothing.
func TestFmtStdin(t *testing.T) {
	in := "leases:\n    a:\n        duration: 6h   # six\n        site: CHI@UC\nversion: 1\n"
	want := "version: 1\nleases:\n  a:\n    site: CHI@UC\n    duration: 6h # six\n"
	noEnv := func(string) (string, bool) { return "", false }
	var out, errb bytes.Buffer
	a := newApp(strings.NewReader(in), &out, &errb, noEnv)
	a.wd = t.TempDir()
	if code := a.run(context.Background(), []string{"leasefile", "fmt", "-"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	out.Reset()
	a = newApp(strings.NewReader(in), &out, &errb, noEnv)
	a.wd = t.TempDir()
	if code := a.run(context.Background(), []string{"leasefile", "fmt", "-check", "-"}); code != exitError {
		t.Errorf("fmt -check - of an unformatted file: exit %d, want %d", code, exitError)
	}
	if out.Len() != 0 {
		t.Errorf("fmt -check - wrote %q", out.String())
	}
}

func TestUnifiedDiff(t *testing.T) {
	old := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n"
	new := "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nL\n"
	want := `--- x
+++ x (formatted)
@@ -1,5 +1,5 @@
 a
-b
+B
 c
 d
 e
@@ -9,4 +9,4 @@
 i
 j
 k
-l
+L
`
	if diff := cmp.Diff(want, unifiedDiff("x", old, new)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
