package sqlstore

import (
	"slices"
	"testing"
	"time"
)

func TestMicrosRoundTrip(t *testing.T) {
	zone := time.FixedZone("UTC-03:30", -(3*3600 + 1800))
	for _, in := range []time.Time{
		{},
		time.Date(2026, 1, 2, 3, 4, 5, 6789, zone),
		time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC), // before the epoch
		time.Date(9999, 12, 31, 23, 59, 59, 999999000, zone),
	} {
		got := fromMicros(toMicros(in))
		if want := in.Truncate(time.Microsecond); !got.Equal(want) || got.Location() != time.UTC || got.IsZero() != in.IsZero() {
			t.Errorf("fromMicros(toMicros(%v)) = %v; want %v in UTC", in, got, want)
		}
	}
	if got := fromNullMicros(toNullMicros(time.Time{})); !got.IsZero() {
		t.Errorf("null round-trip of the zero time = %v; want the zero time", got)
	}
}

func TestScopesRoundTrip(t *testing.T) {
	for _, in := range [][]string{nil, {}, {""}, {"a b", "c"}} {
		enc, err := encodeScopes(in)
		if err != nil {
			t.Fatalf("encodeScopes(%q): %v", in, err)
		}
		got, err := decodeScopes(enc)
		if err != nil || got == nil || !slices.Equal(got, in) {
			t.Errorf("decodeScopes(encodeScopes(%q)) = %#v, %v; want %q, non-nil", in, got, err, in)
		}
	}
	if _, err := decodeScopes("photos.read"); err == nil {
		t.Error("decodeScopes of a non-JSON value succeeded; want an error")
	}
}
