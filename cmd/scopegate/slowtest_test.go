package main

import (
	"os"
	"testing"
)

// skipSlowWalk skips a whole walk through the demo or a sign-in in
// Chromium (5 to 20 s each on two cores) unless CI or SCOPEGATE_SLOW_TESTS
// is set, so that go test ./... stays under a minute; .ci/run runs them.
func skipSlowWalk(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts Chromium; skipped with -short")
	}
	if os.Getenv("CI") == "" && os.Getenv("SCOPEGATE_SLOW_TESTS") == "" {
		t.Skip("a slow walk in Chromium: set SCOPEGATE_SLOW_TESTS=1 (or CI=1, as .ci/run does) to run it")
	}
}
