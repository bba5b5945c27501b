package authserver

import (
	"fmt"
	"time"

	"github.com/scopegate/scopegate/store"
)

// lastUsedText says in words when a client last got tokens from a grant
// (store.Grant.LastUsedAt: a code exchange or a refresh), for the account
// page, where users decide which apps to remove (OAuth 2.1 §7.9). The
// store records it to the minute (store.GrantTouchInterval), so nothing
// finer is claimed.
func lastUsedText(at, now time.Time) string {
	if at.IsZero() {
		return "Not used yet"
	}
	d := now.Sub(at)
	plural := func(n int64, unit string) string {
		if n == 1 {
			return fmt.Sprintf("Last used 1 %s ago", unit)
		}
		return fmt.Sprintf("Last used %d %ss ago", n, unit)
	}
	switch {
	case d < 2*store.GrantTouchInterval:
		return "Last used just now"
	case d < time.Hour:
		return plural(int64(d/time.Minute), "minute")
	case d < 24*time.Hour:
		return plural(int64(d/time.Hour), "hour")
	case d < 7*24*time.Hour:
		return plural(int64(d/(24*time.Hour)), "day")
	}
	return "Last used on " + at.UTC().Format("2 January 2006")
}
