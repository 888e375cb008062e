package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/chameleoncloud/leasefile/spec"
	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v5"
)

const uiSchemaID = "https://raw.githubusercontent.com/chameleoncloud/leasefile/main/schema/ui.schema.json"

// uiSchemas compiles schema/ui.schema.json (a valid draft-07 schema, as the other schemas of
// the repository) and returns the schema of a stream line and of validate -json's object.
func uiSchemas(t *testing.T) (line, validate *jsonschema.Schema) {
	t.Helper()
	data, err := os.ReadFile("../../schema/ui.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["$id"] != uiSchemaID || doc["$schema"] != "http://json-schema.org/draft-07/schema#" {
		t.Errorf("ui.schema.json: $id %v, $schema %v", doc["$id"], doc["$schema"])
	}
	meta, err := jsonschema.Compile("http://json-schema.org/draft-07/schema")
	if err != nil {
		t.Fatal(err)
	}
	if err := meta.Validate(doc); err != nil {
		t.Fatalf("ui.schema.json is not a valid draft-07 schema: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	c.AssertFormat = true
	if err := c.AddResource(uiSchemaID, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if line, err = c.Compile(uiSchemaID); err != nil {
		t.Fatal(err)
	}
	if validate, err = c.Compile(uiSchemaID + "#/definitions/validate"); err != nil {
		t.Fatal(err)
	}
	return line, validate
}

// uiLine is a stream line as docs/json-ui.md documents it; decoding refuses any other field.
type uiLine struct {
	Level      string          `json:"@level"`
	Message    string          `json:"@message"`
	Module     string          `json:"@module"`
	Timestamp  string          `json:"@timestamp"`
	Type       string          `json:"type"`
	Leasefile  *string         `json:"leasefile"`
	UI         *string         `json:"ui"`
	Change     *uiChange       `json:"change"`
	Changes    *uiSummary      `json:"changes"`
	Hook       *uiHook         `json:"hook"`
	Outputs    map[string]any  `json:"outputs"`
	Diagnostic *jsonDiagnostic `json:"diagnostic"`
}

type uiResource struct {
	Addr, Module, Resource string
	ImpliedProvider        string    `json:"implied_provider"`
	ResourceType           string    `json:"resource_type"`
	ResourceName           string    `json:"resource_name"`
	ResourceKey            *struct{} `json:"resource_key"`
}

type uiChange struct {
	Resource         uiResource
	PreviousResource *uiResource `json:"previous_resource"`
	Action, Reason   string
	Site             string
}

type uiSummary struct {
	Add, Change, Remove int
	Operation           string
}

type uiHook struct {
	Resource       uiResource
	Action         string
	IDKey          string `json:"id_key"`
	IDValue        string `json:"id_value"`
	ElapsedSeconds *int   `json:"elapsed_seconds"`
	Site, Status   string
}

// documented is every message type docs/json-ui.md describes.
var documented = []string{"version", "log", "diagnostic", "resource_drift", "planned_change", "change_summary", "outputs",
	"apply_start", "apply_progress", "apply_complete", "apply_errored", "wait_start", "wait_progress", "wait_complete", "wait_errored"}

// parseStream checks every line of out against the schema and the documented types, and
// returns them.
func parseStream(t *testing.T, sch *jsonschema.Schema, out string) []uiLine {
	t.Helper()
	var lines []uiLine
	for i, text := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var v any
		if err := json.Unmarshal([]byte(text), &v); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i+1, err, text)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("line %d does not match schema/ui.schema.json: %#v\n%s", i+1, err, text)
		}
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		var l uiLine
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("line %d: %v\n%s", i+1, err, text)
		}
		if !slices.Contains(documented, l.Type) {
			t.Errorf("line %d: undocumented type %q", i+1, l.Type)
		}
		ts, err := time.Parse(time.RFC3339Nano, l.Timestamp)
		if err != nil || !strings.Contains(l.Timestamp, ".") || ts.IsZero() {
			t.Errorf("line %d: @timestamp %q is not RFC 3339 with fractional seconds", i+1, l.Timestamp)
		}
		if l.Module != "leasefile.ui" {
			t.Errorf("line %d: @module %q", i+1, l.Module)
		}
		lines = append(lines, l)
	}
	if len(lines) == 0 || lines[0].Type != "version" || lines[0].UI == nil || *lines[0].UI != uiVersion {
		t.Fatalf("the stream does not start with a version message:\n%s", out)
	}
	return lines
}

// types is the sequence of "type addr action/status" of the lines, for comparisons.
func types(lines []uiLine) []string {
	var out []string
	for _, l := range lines {
		s := l.Type
		switch {
		case l.Hook != nil:
			s += " " + l.Hook.Resource.Addr + " " + l.Hook.Action + l.Hook.Status
		case l.Change != nil:
			s += " " + l.Change.Resource.Addr + " " + l.Change.Action
		case l.Changes != nil:
			s += " " + l.Changes.Operation
		}
		out = append(out, s)
	}
	return out
}

func find(lines []uiLine, typ string) []uiLine {
	var out []uiLine
	for _, l := range lines {
		if l.Type == typ {
			out = append(out, l)
		}
	}
	return out
}

// checkRange holds a diagnostic's range to the Leasefile: the byte offsets are where the line
// and column say, and the span is the text want.
func checkRange(t *testing.T, src string, d *jsonDiagnostic, want string) {
	t.Helper()
	if d.Range == nil {
		t.Fatalf("diagnostic %q has no range", d.Summary)
	}
	r := d.Range
	lines := strings.SplitAfter(src, "\n")
	for _, p := range []jsonPos{r.Start, r.End} {
		off := 0
		for _, l := range lines[:p.Line-1] {
			off += len(l)
		}
		off += len(string([]rune(lines[p.Line-1])[:p.Column-1]))
		if off != p.Byte {
			t.Errorf("diagnostic %q: %d:%d is byte %d, the range says %d", d.Summary, p.Line, p.Column, off, p.Byte)
		}
	}
	if got := src[r.Start.Byte:r.End.Byte]; got != want {
		t.Errorf("diagnostic %q spans %q, want %q", d.Summary, got, want)
	}
}

const jsonLeasefile = `version: 1
name_prefix: tester-
defaults:
  site: CHI@UC
leases:
  compute:
    duration: 6h
    reservations:
      nodes: {type: node, count: 1, node_type: compute_skylake}
  later:
    start: 2026-12-02T08:00:00Z
    duration: 6h
    reservations:
      ip: {type: floating_ip}
`

// TestJSONStream runs apply, a failing apply, destroy and validate with -json end to end
// against the emulator: every line parses, validates against schema/ui.schema.json and
// follows the documented types and sequences.
func TestJSONStream(t *testing.T) {
	sch, validateSch := uiSchemas(t)
	w := newTestWorld(t, jsonLeasefile)

	out := w.leasefile("apply", "-json", "-auto-approve")
	lines := parseStream(t, sch, out)
	seq := types(lines)
	for _, want := range [][]string{
		{"planned_change lease.compute create", "planned_change lease.later create", "change_summary plan"},
		{"apply_start lease.compute create", "apply_complete lease.compute createPENDING", "wait_start lease.compute PENDING", "wait_complete lease.compute ACTIVE"},
		{"apply_start lease.later create", "apply_complete lease.later createPENDING"},
		{"change_summary apply", "outputs"},
	} {
		if !isSubsequence(want, seq) {
			t.Errorf("apply -json: want the sequence %q in\n%s", want, strings.Join(seq, "\n"))
		}
	}
	if slices.Contains(seq, "wait_start lease.later PENDING") {
		t.Errorf("a lease starting later is not waited for:\n%s", strings.Join(seq, "\n"))
	}
	for _, l := range find(lines, "apply_complete") {
		if l.Hook.IDKey != "id" || l.Hook.IDValue != w.leaseID("tester-"+l.Hook.Resource.ResourceName) || l.Hook.ElapsedSeconds == nil {
			t.Errorf("apply_complete names no lease ID or elapsed time: %+v", l.Hook)
		}
	}
	if s := find(lines, "change_summary"); s[len(s)-1].Changes.Add != 2 {
		t.Errorf("change_summary: %+v", s[len(s)-1].Changes)
	}
	outs := find(lines, "outputs")[0].Outputs
	if o, ok := outs["compute"].(map[string]any); !ok || o["value"].(map[string]any)["status"] != "ACTIVE" {
		t.Errorf("outputs: %v", outs)
	}

	// A replacement is its two calls, a delete then a create, as Terraform's hooks show it.
	replaced := strings.Replace(jsonLeasefile, "      ip: {type: floating_ip}\n", "      ip: {type: floating_ip}\n      ip2: {type: floating_ip}\n", 1)
	w.write("Leasefile", replaced)
	lines = parseStream(t, sch, w.leasefile("apply", "-json", "-auto-approve"))
	seq = types(lines)
	if !isSubsequence([]string{"planned_change lease.later replace", "change_summary plan", "apply_start lease.later delete", "apply_complete lease.later delete",
		"apply_start lease.later create", "apply_complete lease.later createPENDING", "log", "change_summary apply"}, seq) {
		t.Errorf("replace -json: %s", strings.Join(seq, "\n"))
	}
	if s := find(lines, "change_summary"); *s[len(s)-1].Changes != (uiSummary{Add: 1, Remove: 1, Operation: "apply"}) {
		t.Errorf("change_summary of a replacement: %+v", s[len(s)-1].Changes)
	}

	// A create refused with a bare 500: apply_errored, then a diagnostic with the remedy,
	// the lease's address and its place in the Leasefile; the exit code says it failed.
	src := replaced + "  gpu:\n    duration: 6h\n    reservations:\n      n: {type: node, node_type: gpu_rtx_6000}\n"
	w.write("Leasefile", src)
	w.srv.Emulator.InjectFault(emulator.Fault{Op: "create", Status: 500, Count: 1})
	if code := w.app().run(context.Background(), []string{"leasefile", "apply", "-json", "-auto-approve"}); code != exitError {
		t.Fatalf("failing apply: exit %d, want %d\n%s", code, exitError, w.out.String())
	}
	if w.errOut.Len() != 0 {
		t.Errorf("-json wrote to stderr: %s", w.errOut.String())
	}
	lines = parseStream(t, sch, w.out.String())
	seq = types(lines)
	if !isSubsequence([]string{"apply_start lease.gpu create", "apply_errored lease.gpu create", "change_summary apply", "diagnostic"}, seq) {
		t.Errorf("failing apply: %s", strings.Join(seq, "\n"))
	}
	if len(find(lines, "outputs")) != 0 {
		t.Errorf("outputs after a failed apply")
	}
	diags := find(lines, "diagnostic")
	if len(diags) != 1 {
		t.Fatalf("want one diagnostic, got %d", len(diags))
	}
	d := diags[0].Diagnostic
	if diags[0].Level != "error" || d.Severity != "error" || d.Address != "lease.gpu" ||
		!strings.Contains(d.Summary, "Internal Server Error") || !strings.HasPrefix(d.Detail, "a bare 500 on lease creation") {
		t.Errorf("diagnostic: %+v", d)
	}
	checkRange(t, src, d, "gpu")

	// destroy: each lease is an apply_start and apply_complete of a delete.
	out = w.leasefile("destroy", "-json", "-auto-approve")
	lines = parseStream(t, sch, out)
	seq = types(lines)
	for _, k := range []string{"compute", "later"} {
		if !isSubsequence([]string{"planned_change lease." + k + " delete", "apply_start lease." + k + " delete", "apply_complete lease." + k + " delete", "change_summary destroy"}, seq) {
			t.Errorf("destroy -json: %s", strings.Join(seq, "\n"))
		}
	}

	// -json never prompts.
	if code := w.app().run(context.Background(), []string{"leasefile", "apply", "-json"}); code != exitError {
		t.Fatalf("apply -json without -auto-approve: exit %d", code)
	}
	lines = parseStream(t, sch, w.out.String())
	if d := find(lines, "diagnostic"); len(d) != 1 || !strings.Contains(d[0].Diagnostic.Detail, "-auto-approve") {
		t.Errorf("apply -json without -auto-approve: %s", w.out.String())
	}

	// validate -json: one object, each problem with its range.
	bad := strings.Replace(jsonLeasefile, "duration: 6h\n    reservations:\n      nodes", "duration: 6 hours\n    reservations:\n      nodes", 1)
	w.write("Leasefile", bad)
	if code := w.app().run(context.Background(), []string{"leasefile", "validate", "-json"}); code != exitError {
		t.Fatalf("validate -json of a bad file: exit %d", code)
	}
	var v any
	if err := json.Unmarshal(w.out.Bytes(), &v); err != nil {
		t.Fatalf("validate -json: %v\n%s", err, w.out.String())
	}
	if err := validateSch.Validate(v); err != nil {
		t.Errorf("validate -json does not match definitions/validate: %#v", err)
	}
	var doc jsonValidate
	if err := json.Unmarshal(w.out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Valid || doc.ErrorCount != 1 || len(doc.Diagnostics) != 1 {
		t.Fatalf("validate -json: %s", w.out.String())
	}
	checkRange(t, bad, &doc.Diagnostics[0], "6 hours")
}

// TestJSONWaitInterrupted: leasefile wait -json interrupted mid-wait ends its stream with a
// diagnostic saying so, and exits 130.
func TestJSONWaitInterrupted(t *testing.T) {
	sch, _ := uiSchemas(t)
	w := newTestWorld(t, "version: 1\nname_prefix: tester-\ndefaults: {site: CHI@UC}\nleases:\n  compute:\n    wait: none\n    duration: 6h\n    reservations:\n      nodes: {type: node, count: 1, node_type: compute_skylake}\n")
	w.leasefile("apply", "-auto-approve")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := w.app()
	a.stdout = &cancelOn{w: &w.out, marker: `"type":"wait_start"`, cancel: cancel}
	a.after = func(time.Duration) <-chan time.Time { return nil } // the wait sleeps until interrupted
	if code := a.run(ctx, []string{"leasefile", "wait", "-json"}); code != exitInterrupted {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitInterrupted, w.out.String(), w.errOut.String())
	}
	lines := parseStream(t, sch, w.out.String())
	seq := types(lines)
	if want := []string{"version", "wait_start lease.compute PENDING", "diagnostic"}; !slices.Equal(seq, want) {
		t.Errorf("wait -json interrupted:\n%s\nwant\n%s", strings.Join(seq, "\n"), strings.Join(want, "\n"))
	}
	if d := lines[len(lines)-1].Diagnostic; d == nil || !strings.HasPrefix(d.Summary, "interrupted") {
		t.Errorf("last line: %+v", lines[len(lines)-1])
	}
	if h := lines[1].Hook; h.IDValue != w.leaseID("tester-compute") {
		t.Errorf("wait_start names lease %q", h.IDValue)
	}
}

// cancelOn cancels once a write contains marker: an interruption at a point observed in the
// output, not at a time guessed.
type cancelOn struct {
	mu     sync.Mutex
	w      *bytes.Buffer
	marker string
	cancel func()
}

func (c *cancelOn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if bytes.Contains(p, []byte(c.marker)) {
		c.cancel()
	}
	return c.w.Write(p)
}

// isSubsequence reports whether want appears in got in order, not necessarily adjacent.
func isSubsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

// TestJSONTypesDocumented: the message types docs/json-ui.md's table lists are the schema's
// and the ones this test knows, so that none is added to one and forgotten in the others.
func TestJSONTypesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/json-ui.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(doc), "## Message types")
	table, _, _ = strings.Cut(table, "\n\n###")
	var inDoc []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\|").FindAllStringSubmatch(table, -1) {
		inDoc = append(inDoc, m[1])
	}
	data, err := os.ReadFile("../../schema/ui.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var sch struct {
		Definitions struct {
			Message struct {
				Properties struct {
					Type struct {
						Enum []string
					}
				}
			}
		}
	}
	if err := json.Unmarshal(data, &sch); err != nil {
		t.Fatal(err)
	}
	inSchema := sch.Definitions.Message.Properties.Type.Enum
	for name, got := range map[string][]string{"docs/json-ui.md": inDoc, "schema/ui.schema.json": inSchema} {
		if d := cmp.Diff(slices.Sorted(slices.Values(documented)), slices.Sorted(slices.Values(got))); d != "" {
			t.Errorf("message types of %s (-this test +there):\n%s", name, d)
		}
	}
}

func TestTokenRange(t *testing.T) {
	src := "leases:\n  gpü: {type: \"a:b\" } # c\n  x: 'it''s'\n  key:\n"
	j := newJSONDocument(&bytes.Buffer{}, time.Now)
	j.source("F", []byte(src))
	for _, tc := range []struct {
		pos  spec.Pos
		want string
	}{
		{spec.Pos{Line: 2, Col: 3}, "gpü"},
		{spec.Pos{Line: 2, Col: 15}, `"a:b"`},
		{spec.Pos{Line: 3, Col: 6}, "'it''s'"},
		{spec.Pos{Line: 4, Col: 3}, "key"},
		{spec.Pos{Line: 9, Col: 1}, ""}, // past the end: clamped
	} {
		r := j.rangeAt("F", tc.pos)
		if got := src[r.Start.Byte:r.End.Byte]; got != tc.want {
			t.Errorf("%v: %q, want %q", tc.pos, got, tc.want)
		}
		if n := utf8.RuneCountInString(tc.want); r.End.Column-r.Start.Column != n {
			t.Errorf("%v: columns %d-%d for %q", tc.pos, r.Start.Column, r.End.Column, tc.want)
		}
	}
}
