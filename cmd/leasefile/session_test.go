package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestLockDir: a second --local command waits for the first, then gives up with a message.
func TestLockDir(t *testing.T) {
	path := t.TempDir() + "/emulator.lock"
	unlock, err := lockDir(context.Background(), path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockDir(context.Background(), path, 200*time.Millisecond); err == nil || !strings.Contains(err.Error(), "another leasefile --local command") {
		t.Fatalf("second lock: %v, want it refused", err)
	}
	unlock()
	again, err := lockDir(context.Background(), path, time.Second)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again()
}
