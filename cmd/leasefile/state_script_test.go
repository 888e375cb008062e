package main

import (
	"encoding/json"
	"os"

	"github.com/chameleoncloud/leasefile/state"
	"github.com/rogpeppe/go-internal/testscript"
)

// stateScriptCmds are the script commands that forge what leasefile reads:
//
//	live-lock STATE ID              write STATE.lock as a run of this machine that is still
//	                                alive holds it (the test process itself)
//	plan-set FILE KEY FIELD VALUE   edit a saved plan: set the string FIELD of the change of
//	                                lease KEY, as someone tampering with the file would
func stateScriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"live-lock": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) != 2 {
				ts.Fatalf("usage: live-lock STATE ID")
			}
			host, err := os.Hostname()
			ts.Check(err)
			data, err := json.Marshal(state.LockInfo{ID: args[1], Who: "tester@" + host, Operation: "apply",
				Created: scriptStart, Path: args[0], Host: host, PID: os.Getpid()})
			ts.Check(err)
			ts.Check(os.WriteFile(ts.MkAbs(args[0]+".lock"), data, 0o600))
		},
		"plan-set": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) != 4 {
				ts.Fatalf("usage: plan-set FILE KEY FIELD VALUE")
			}
			path := ts.MkAbs(args[0])
			data, err := os.ReadFile(path)
			ts.Check(err)
			var p map[string]any
			ts.Check(json.Unmarshal(data, &p))
			changes, _ := p["changes"].([]any)
			found := false
			for _, c := range changes {
				if ch, ok := c.(map[string]any); ok && ch["key"] == args[1] {
					ch[args[2]] = args[3]
					found = true
				}
			}
			if !found {
				ts.Fatalf("no change of lease %q in %s", args[1], args[0])
			}
			data, err = json.MarshalIndent(p, "", "  ")
			ts.Check(err)
			ts.Check(os.WriteFile(path, data, 0o600))
		},
	}
}
