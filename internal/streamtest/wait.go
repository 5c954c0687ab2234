package streamtest

import (
	"testing"
	"time"
)

// maxPoll is the longest a wait goes without checking its condition.
const maxPoll = 100 * time.Millisecond

// Eventually reports whether cond holds within timeout. It checks cond at
// once, then whenever changed receives (changed may be nil) and otherwise
// at intervals growing from 1 ms to 100 ms. cond runs on the caller's
// goroutine, so it may fail the test itself (for instance when a role it
// waits on has stopped).
func Eventually(timeout time.Duration, changed <-chan struct{}, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	poll := time.Millisecond
	for !cond() {
		tick := time.NewTimer(poll)
		select {
		case <-changed:
		case <-tick.C:
		case <-deadline.C:
			tick.Stop()
			return cond()
		}
		tick.Stop()
		poll = min(2*poll, maxPoll)
	}
	return true
}

// Wait waits until cond holds, as Eventually does, and fails the test with
// what it waited for when it does not within timeout.
func Wait(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Eventually(timeout, nil, cond) {
		t.Fatalf("waiting for %s: gave up after %v", what, timeout)
	}
}
