package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunPlan: plan's run function renders the plan, saves it with -out and sets exit code
// 2 for changes with -detailed-exitcode.
func TestRunPlan(t *testing.T) {
	w := newTestWorld(t, importLeasefile)
	ctx := context.Background()
	tests := []struct {
		name string
		o    planCmdOptions
		want string
		code int // of the error; 0 for none
		file string
	}{
		{"text", planCmdOptions{format: "text"}, "Plan: 2 to create, 0 to update, 0 to replace, 0 to delete.", 0, ""},
		{"detailed exit code", planCmdOptions{format: "text", detailedExitcode: true}, "Plan: 2 to create", exitChanges, ""},
		{"markdown", planCmdOptions{format: "markdown"}, "### Plan: 2 to create", 0, ""},
		{"-out", planCmdOptions{format: "text", out: "p.json"}, "Saved the plan to: p.json\nTo perform exactly these actions, run:\n  leasefile apply p.json\n", 0, "p.json"},
		{"-target", planCmdOptions{format: "text", planOptions: planOptions{targets: []string{"a"}}}, "Plan: 1 to create", 0, ""},
		{"-destroy of an empty state", planCmdOptions{format: "text", planOptions: planOptions{destroy: true}}, "No changes.", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := w.app().runPlan(ctx, tt.o)
			var ce *codeError
			switch {
			case tt.code == 0 && err != nil:
				t.Fatal(err)
			case tt.code != 0 && (!errors.As(err, &ce) || ce.code != tt.code):
				t.Fatalf("err %v, want exit code %d", err, tt.code)
			}
			if !strings.Contains(w.out.String(), tt.want) {
				t.Errorf("got:\n%s\nwant it to contain %q", w.out.String(), tt.want)
			}
			if tt.file != "" {
				if _, err := os.Stat(filepath.Join(w.dir, tt.file)); err != nil {
					t.Errorf("plan file: %v", err)
				}
			}
		})
	}
}
