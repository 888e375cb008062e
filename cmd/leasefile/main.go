// Command leasefile plans and applies OpenStack Blazar leases declared in a Leasefile, the way
// Terraform does for infrastructure. main.go is wiring only: flags -> options -> one call ->
// render.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// stopProfile ends the CPU profile of a build with the profile tag (profile.go).
var stopProfile = func() {}

func main() {
	tuneGC(os.LookupEnv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	stopProfile()
	os.Exit(code)
}

// run executes one command line and returns the exit code; it never exits itself, so tests
// and testscript can call it in-process.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := newApp(stdin, stdout, stderr, os.LookupEnv)
	return a.run(ctx, args)
}
