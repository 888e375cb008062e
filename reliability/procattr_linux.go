package reliability

import "syscall"

// childAttr makes a long-lived child (an emulator) die with the harness, so a harness that
// is itself killed leaves no server behind.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
