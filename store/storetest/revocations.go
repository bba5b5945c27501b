package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

func testRevocations(t *testing.T, s store.Store) {
	ctx := context.Background()
	if got, err := s.Revocations(ctx, time.Time{}, base); err != nil || len(got) != 0 {
		t.Fatalf("Revocations of an empty store = %v, %v; want none", got, err)
	}
	// IDs whose byte order differs from a linguistic collation's.
	recs := []store.Revocation{
		{TokenID: "a_c", RevokedAt: base, ExpiresAt: base.Add(10 * time.Minute)},
		{TokenID: "ab", RevokedAt: base.Add(time.Second), ExpiresAt: base.Add(time.Minute)},
		{TokenID: "A-d", RevokedAt: base.Add(2 * time.Second), ExpiresAt: base.Add(10 * time.Minute)},
		{TokenID: "aB", RevokedAt: base.Add(3 * time.Second), ExpiresAt: base.Add(10 * time.Minute)},
	}
	for _, r := range recs {
		if err := s.RevokeToken(ctx, r); err != nil {
			t.Fatalf("RevokeToken(%s) = %v", r.TokenID, err)
		}
	}
	// Revoking again is not an error and keeps the first record whole.
	again := recs[0]
	again.RevokedAt, again.ExpiresAt = base.Add(time.Hour), base.Add(time.Hour)
	if err := s.RevokeToken(ctx, again); err != nil {
		t.Fatalf("second RevokeToken = %v; want nil", err)
	}

	got, err := s.Revocations(ctx, time.Time{}, base)
	if err != nil {
		t.Fatalf("Revocations = %v", err)
	}
	byID := map[string]store.Revocation{}
	for _, r := range recs {
		byID[r.TokenID] = r
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.TokenID)
		want := byID[r.TokenID]
		checkTime(t, r.TokenID+" RevokedAt", r.RevokedAt, want.RevokedAt)
		checkTime(t, r.TokenID+" ExpiresAt", r.ExpiresAt, want.ExpiresAt)
	}
	checkStrings(t, "Revocations (byte order)", ids, []string{"A-d", "aB", "a_c", "ab"})

	// since selects by RevokedAt, inclusive; now by ExpiresAt, exclusive.
	got, err = s.Revocations(ctx, base.Add(2*time.Second), base)
	checkStrings(t, "Revocations since the third", idsOf(got, err, t), []string{"A-d", "aB"})
	got, err = s.Revocations(ctx, time.Time{}, base.Add(time.Minute))
	checkStrings(t, "Revocations at ab's expiry", idsOf(got, err, t), []string{"A-d", "aB", "a_c"})

	// DeleteExpired removes expired revocations together with codes.
	code := newCode("expired-code")
	code.ExpiresAt = base.Add(time.Second)
	mustCreateCode(t, s, code)
	if n, err := s.DeleteExpired(ctx, base.Add(time.Minute)); err != nil || n != 2 {
		t.Errorf("DeleteExpired at ab's expiry = %d, %v; want 2 (one code, one revocation)", n, err)
	}
	got, err = s.Revocations(ctx, time.Time{}, base)
	checkStrings(t, "Revocations after DeleteExpired", idsOf(got, err, t), []string{"A-d", "aB", "a_c"})
}

func idsOf(rs []store.Revocation, err error, t *testing.T) []string {
	t.Helper()
	if err != nil {
		t.Fatalf("Revocations = %v", err)
	}
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.TokenID)
	}
	return ids
}

// testGrantRevocations: grant revocations are kept apart from token ones
// (an ID of one kind never shadows the other), listed after them, and
// expire the same way.
func testGrantRevocations(t *testing.T, s store.Store) {
	ctx := context.Background()
	recs := []store.Revocation{
		{TokenID: "same", RevokedAt: base, ExpiresAt: base.Add(10 * time.Minute)},
		{GrantID: "same", RevokedAt: base.Add(time.Second), ExpiresAt: base.Add(time.Minute)},
		{GrantID: "g2", RevokedAt: base.Add(2 * time.Second), ExpiresAt: base.Add(10 * time.Minute)},
	}
	for _, r := range recs {
		if err := s.RevokeToken(ctx, r); err != nil {
			t.Fatalf("RevokeToken(%+v) = %v", r, err)
		}
	}
	if err := s.RevokeToken(ctx, store.Revocation{GrantID: "g2", RevokedAt: base.Add(time.Hour), ExpiresAt: base.Add(time.Hour)}); err != nil {
		t.Fatalf("second RevokeToken of a grant = %v; want nil", err)
	}
	kinds := func(rs []store.Revocation, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatalf("Revocations = %v", err)
		}
		var out []string
		for _, r := range rs {
			if r.TokenID != "" && r.GrantID != "" {
				t.Errorf("revocation %+v names both a token and a grant", r)
			}
			if r.GrantID != "" {
				out = append(out, "grant:"+r.GrantID)
			} else {
				out = append(out, "token:"+r.TokenID)
			}
		}
		return out
	}
	got, err := s.Revocations(ctx, time.Time{}, base)
	checkStrings(t, "Revocations", kinds(got, err), []string{"token:same", "grant:g2", "grant:same"})
	for _, r := range got {
		if r.GrantID == "g2" {
			checkTime(t, "g2 RevokedAt (the first record)", r.RevokedAt, recs[2].RevokedAt)
			checkTime(t, "g2 ExpiresAt", r.ExpiresAt, recs[2].ExpiresAt)
		}
	}
	got, err = s.Revocations(ctx, base.Add(2*time.Second), base)
	checkStrings(t, "Revocations since g2", kinds(got, err), []string{"grant:g2"})
	if n, err := s.DeleteExpired(ctx, base.Add(time.Minute)); err != nil || n != 1 {
		t.Errorf("DeleteExpired at the grant's expiry = %d, %v; want 1", n, err)
	}
	got, err = s.Revocations(ctx, time.Time{}, base)
	checkStrings(t, "Revocations after DeleteExpired", kinds(got, err), []string{"token:same", "grant:g2"})
}
