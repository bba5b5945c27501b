package token

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/scopegate/scopegate/oauthrule"
)

// HeaderType is the JWS "typ" of an access token (RFC 9068 §2.1). The
// verifier also accepts its long form "application/at+jwt".
const HeaderType = "at+jwt"

// Claims are the claims of an RFC 9068 access token. Values of this type
// returned by a Verifier are shared and must not be modified.
type Claims struct {
	Issuer    string
	Subject   string
	Audience  []string
	Expiry    time.Time
	IssuedAt  time.Time
	NotBefore time.Time // zero when absent
	ID        string    // "jti"
	ClientID  string
	Scopes    []string // "scope", split on spaces
	// AuthorizationDetails is the RFC 9396 §9.1 claim: the items a user
	// picked, per type.
	AuthorizationDetails []AuthorizationDetail

	items map[string]map[string]struct{} // identifiers per type, built by UnmarshalJSON
	// GrantID names the grant (the user's consent to the client) the token
	// was issued from, so that revoking the grant refuses the token; empty
	// for tokens issued to a client on its own behalf.
	GrantID string // "gid"
}

// wireClaims is the JSON form of Claims.
type wireClaims struct {
	Issuer    string          `json:"iss"`
	Subject   string          `json:"sub"`
	Audience  audience        `json:"aud"`
	Expiry    int64           `json:"exp"`
	IssuedAt  int64           `json:"iat"`
	NotBefore int64           `json:"nbf,omitempty"`
	ID        string          `json:"jti"`
	ClientID  string          `json:"client_id"`
	Scope     string          `json:"scope,omitempty"`
	Details   json.RawMessage `json:"authorization_details,omitempty"`
	// gid is a private claim name (RFC 7519 §4.3): no registered claim
	// names the grant, and RFC 9068 leaves room for such claims. It is
	// short because it rides along in every request.
	GrantID string `json:"gid,omitempty"`
}

// audience decodes "aud" given as a string or an array (RFC 7519 §4.1.3)
// and encodes a single audience as a plain string.
type audience []string

func (a audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

func (a *audience) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = audience{s}
		return nil
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("token: aud is neither a string nor an array of strings")
	}
	*a = l
	return nil
}

// MarshalJSON encodes the claims in their RFC 9068 form.
func (c Claims) MarshalJSON() ([]byte, error) {
	w := wireClaims{
		Issuer: c.Issuer, Subject: c.Subject, Audience: c.Audience,
		Expiry: c.Expiry.Unix(), IssuedAt: c.IssuedAt.Unix(),
		ID: c.ID, ClientID: c.ClientID, Scope: oauthrule.FormatScope(c.Scopes), GrantID: c.GrantID,
	}
	if !c.NotBefore.IsZero() {
		w.NotBefore = c.NotBefore.Unix()
	}
	if len(c.AuthorizationDetails) > 0 {
		b, err := json.Marshal(c.AuthorizationDetails)
		if err != nil {
			return nil, err
		}
		w.Details = b
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes claims in their RFC 9068 form. It checks shapes
// only; the Verifier checks values.
func (c *Claims) UnmarshalJSON(b []byte) error {
	var w wireClaims
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*c = Claims{
		Issuer: w.Issuer, Subject: w.Subject, Audience: w.Audience,
		Expiry: unixOrZero(w.Expiry), IssuedAt: unixOrZero(w.IssuedAt),
		NotBefore: unixOrZero(w.NotBefore),
		ID:        w.ID, ClientID: w.ClientID, Scopes: scopesOf(w.Scope),
		GrantID: w.GrantID,
	}
	if w.Details != nil && !bytes.Equal(bytes.TrimSpace(w.Details), []byte("null")) {
		ds, err := ParseAuthorizationDetails(w.Details)
		if err != nil {
			return err
		}
		c.AuthorizationDetails = ds
		c.items = itemSets(ds)
	} else if w.Details != nil {
		return errors.New("token: authorization_details must be an array, not null")
	}
	return nil
}

func unixOrZero(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

// Missing returns the scopes of required that have does not contain, or nil
// when it contains them all. It does not allocate when nothing is missing.
func Missing(have, required []string) []string {
	var missing []string
	for _, r := range required {
		found := false
		for _, h := range have {
			if h == r {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, r)
		}
	}
	return missing
}

// scopesOf reads the "scope" claim of a signed token (RFC 9068 §2.2.3). An
// element that is not a scope-token is kept: it matches no route's scope,
// so it can only deny.
func scopesOf(claim string) []string {
	scopes, _ := oauthrule.ParseScope(claim)
	return scopes
}
