package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// toMicros encodes a time as UTC unix microseconds. The zero time encodes to
// a (large negative) number that decodes back to the zero time.
func toMicros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros decodes what toMicros stored, always in UTC.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// toNullMicros stores the zero time as NULL, for columns whose NULL means
// "not yet" (auth_codes.redeemed_at).
func toNullMicros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: toMicros(t), Valid: true}
}

func fromNullMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMicros(v.Int64)
}

// encodeScopes stores a scope list as a JSON array; nil becomes "[]".
func encodeScopes(scopes []string) (string, error) {
	if scopes == nil {
		scopes = []string{}
	}
	b, err := json.Marshal(scopes)
	if err != nil {
		return "", fmt.Errorf("encoding scopes: %w", err)
	}
	return string(b), nil
}

// decodeScopes reads a JSON array back; the empty list decodes to a
// non-nil empty slice.
func decodeScopes(s string) ([]string, error) {
	scopes := []string{}
	if err := json.Unmarshal([]byte(s), &scopes); err != nil {
		return nil, fmt.Errorf("decoding scopes: %w", err)
	}
	return scopes, nil
}
