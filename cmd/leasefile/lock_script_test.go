package main

import (
	"encoding/json"
	"os"

	"github.com/chameleoncloud/leasefile/state"
	"github.com/rogpeppe/go-internal/testscript"
)

// lockScriptCmds are the script commands about state locks.
//
//	live-lock STATE ID   write STATE.lock as a run of this machine that is still alive holds
//	                     it (the test process itself)
func lockScriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
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
	}
}
