package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/santhosh-tekuri/jsonschema/v5"
)

// uiSchemaOnce compiles schema/ui.schema.json once for the scripts.
var uiSchemaOnce = sync.OnceValues(func() (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	c.AssertFormat = true
	f, err := os.Open("../../schema/ui.schema.json")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := c.AddResource(uiSchemaID, f); err != nil {
		return nil, err
	}
	return c.Compile(uiSchemaID)
})

// cmdUIStream is
//
//	uistream FILE   check that every line of FILE is a message of schema/ui.schema.json, and
//	                print one line per message: its type, then the lease address and the
//	                hook's action and status, the change's action, or the summary's operation
func cmdUIStream(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: uistream FILE")
	}
	sch, err := uiSchemaOnce()
	ts.Check(err)
	out := ts.Stdout()
	for i, text := range strings.Split(strings.TrimSuffix(ts.ReadFile(args[0]), "\n"), "\n") {
		var v any
		if err := json.Unmarshal([]byte(text), &v); err != nil {
			ts.Fatalf("line %d is not JSON: %v\n%s", i+1, err, text)
		}
		if err := sch.Validate(v); err != nil {
			ts.Fatalf("line %d does not match schema/ui.schema.json: %v\n%s", i+1, err, text)
		}
		var l uiLine
		ts.Check(json.Unmarshal([]byte(text), &l))
		s := l.Type
		switch {
		case l.Hook != nil:
			s += " " + strings.Join(strings.Fields(l.Hook.Resource.Addr+" "+l.Hook.Action+" "+l.Hook.Status), " ")
		case l.Change != nil:
			s += " " + l.Change.Resource.Addr + " " + l.Change.Action
		case l.Changes != nil:
			s += fmt.Sprintf(" %s +%d ~%d -%d", l.Changes.Operation, l.Changes.Add, l.Changes.Change, l.Changes.Remove)
		case l.Diagnostic != nil:
			s += " " + l.Diagnostic.Severity
			if l.Diagnostic.Address != "" {
				s += " " + l.Diagnostic.Address
			}
		}
		fmt.Fprintln(out, s)
	}
}
