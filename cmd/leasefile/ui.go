package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/chameleoncloud/leasefile/cloud"
	"github.com/chameleoncloud/leasefile/spec"
	"golang.org/x/term"
)

// Exit codes.
const (
	exitOK          = 0
	exitError       = 1
	exitChanges     = 2 // plan -detailed-exitcode: changes present
	exitInterrupted = 130
)

// ui is the only code that writes diagnostics: "leasefile: error: ...", "warning:", "hint:",
// lower case, no final period, on stderr. Plans, outputs and JSON go to stdout.
//
// In -json mode (json set) diagnostics are JSON instead, on stdout (jsonui.go): a hint becomes
// the detail of the diagnostic before it.
type ui struct {
	stdout, stderr io.Writer
	stdin          io.Reader
	noColor        bool
	json           *jsonUI
}

func (u *ui) errorf(format string, args ...any) {
	if u.json != nil {
		u.json.diagnostic(jsonDiagnostic{Severity: "error", Summary: fmt.Sprintf(format, args...)})
		return
	}
	fmt.Fprintf(u.stderr, "leasefile: error: %s\n", fmt.Sprintf(format, args...))
}

func (u *ui) warnf(format string, args ...any) {
	if u.json != nil {
		u.json.diagnostic(jsonDiagnostic{Severity: "warning", Summary: fmt.Sprintf(format, args...)})
		return
	}
	fmt.Fprintf(u.stderr, "leasefile: warning: %s\n", fmt.Sprintf(format, args...))
}

// warnAt is a positioned warning about the Leasefile.
func (u *ui) warnAt(e *spec.Error) {
	if u.json != nil {
		u.json.diagnostic(u.json.specDiagnostic("warning", e))
		return
	}
	u.warnf("%s", e.Error())
}

func (u *ui) hintf(format string, args ...any) {
	if u.json != nil {
		u.json.hint(fmt.Sprintf(format, args...))
		return
	}
	fmt.Fprintf(u.stderr, "leasefile: hint: %s\n", fmt.Sprintf(format, args...))
}

// isTTY reports whether w is a terminal: colours, prompts and live progress only then.
func isTTY(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// deviceLogin tells the user how to approve an OpenID Connect device login, and why one is
// needed when a cached login could not be used.
func (u *ui) deviceLogin(d cloud.DeviceLogin) {
	if d.Reason != "" {
		u.warnf("%s", d.Reason)
	}
	where := fmt.Sprintf("open %s and enter the code %s", d.VerificationURI, d.UserCode)
	if d.VerificationURIComplete != "" {
		where = fmt.Sprintf("open %s (or open %s and enter the code %s)", d.VerificationURIComplete, d.VerificationURI, d.UserCode)
	}
	fmt.Fprintf(u.stderr, "leasefile: to log in, %s\n", where)
	fmt.Fprintf(u.stderr, "leasefile: waiting for the login to be approved (the code expires at %s)\n", d.Expires.Local().Format("15:04"))
}

// color reports whether stdout output may use ANSI colours.
func (u *ui) color() bool {
	return !u.noColor && isTTY(u.stdout)
}

// codeError carries an exit code through the command framework. Its message has already
// been printed when msg is empty.
type codeError struct {
	code int
	msg  string
	hint string
}

func (e *codeError) Error() string {
	if e.msg == "" {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.msg
}

// silent returns an error that only sets the exit code.
func silent(code int) error { return &codeError{code: code} }

// report prints err as a diagnostic and returns the exit code it stands for.
func (u *ui) report(err error) int {
	if u.json != nil {
		return u.reportJSON(err)
	}
	var ee *codeError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			u.errorf("%s", ee.msg)
		}
		if ee.hint != "" {
			u.hintf("%s", ee.hint)
		}
		return ee.code
	}
	var list spec.ErrorList
	if errors.As(err, &list) {
		// Positioned problems (FILE:LINE:COL: ...) one per line, as compilers print them,
		// then any other error found in the same run (spec.Collect).
		fmt.Fprintln(u.stderr, list.Error())
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				if !errors.As(e, new(spec.ErrorList)) {
					u.errorf("%s", e.Error())
				}
			}
		}
		u.errorf("%s in %s", plural(len(list), "problem"), list[0].File)
		return exitError
	}
	u.errorf("%s", err.Error())
	if h := remedy(err); h != "" {
		u.hintf("%s", h)
	}
	return exitError
}
