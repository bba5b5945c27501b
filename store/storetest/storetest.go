// Package storetest is the conformance suite every [store.Store] backend
// runs from its own tests: storetest.Run(t, newStore). It owns the
// behaviour the rest of scopegate relies on (conflicts, not-found, expiry,
// UTC times, single redemption of a code under concurrency), so a backend
// that passes it can be swapped for another.
package storetest

import (
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

// Run runs the suite. newStore must return a fresh, empty store for each
// call and arrange its closing with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s store.Store)
	}{
		{"SigningKeys", testSigningKeys},
		{"SigningKeyConflict", testSigningKeyConflict},
		{"SigningKeyReplaces", testSigningKeyReplaces},
		{"AttemptLimit", testAttemptLimit},
		{"AttemptRefund", testAttemptRefund},
		{"AttemptConcurrent", testAttemptConcurrent},
		{"SecretGetOrCreate", testSecretGetOrCreate},
		{"SecretCreateError", testSecretCreateError},
		{"SecretConcurrentCreators", testSecretConcurrent},
		{"AuthCodeRedeem", testAuthCodeRedeem},
		{"AuthCodeReplay", testAuthCodeReplay},
		{"AuthCodeUnknown", testAuthCodeUnknown},
		{"AuthCodeExpired", testAuthCodeExpired},
		{"AuthCodeDuplicate", testAuthCodeDuplicate},
		{"AuthCodeConcurrentRedeem", testAuthCodeConcurrentRedeem},
		{"Grants", testGrants},
		{"GrantSaveConditional", testGrantSaveConditional},
		{"GrantRevoke", testGrantRevoke},
		{"GrantTouch", testGrantTouch},
		{"GrantConcurrentSave", testGrantConcurrentSave},
		{"GrantRevocations", testGrantRevocations},
		{"RefreshRotate", testRefreshRotate},
		{"RefreshExpiredOrGrantGone", testRefreshExpiredOrGrantGone},
		{"RefreshConcurrentRotate", testRefreshConcurrentRotate},
		{"RefreshCrashBetween", testRefreshCrashBetween},
		{"RefreshConcurrentIndependent", testRefreshConcurrentIndependent},
		{"RefreshSuccessorPanics", testRefreshSuccessorPanics},
		{"DeleteExpired", testDeleteExpired},
		{"Revocations", testRevocations},
		{"WatchRevocations", testWatchRevocations},
		{"FederatedUsers", testFederatedUsers},
		{"TimesUTC", testTimesUTC},
		{"ScopesRoundTrip", testScopesRoundTrip},
		{"CancelledContext", testCancelledContext},
		{"Heartbeat", testHeartbeat},
		{"LoginSessions", testLoginSessions},
		{"LoginSessionExpiry", testLoginSessionExpiry},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, newStore(t))
		})
	}
}

// base is the suite's clock: a non-UTC zone and nanoseconds, so that a
// backend that keeps the zone or rounds instead of truncating shows up.
var base = time.Date(2026, time.March, 14, 15, 9, 26, 535897932, time.FixedZone("UTC+05:30", 5*3600+1800))

// stored is what a backend must return for t: the same instant, in UTC, at
// microsecond precision.
func stored(t time.Time) time.Time { return t.Truncate(time.Microsecond).UTC() }

// checkTime fails unless got is want as the store must return it.
func checkTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(stored(want)) || got.Location() != time.UTC {
		t.Errorf("%s = %v; want %v (same instant to the microsecond, in UTC)", what, got, stored(want))
	}
}

// checkStrings compares two ordered lists of strings.
func checkStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s = %q; want %q", what, got, want)
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s = %q; want %q", what, got, want)
			return
		}
	}
}
