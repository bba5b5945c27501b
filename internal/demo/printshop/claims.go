package printshop

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// grantInfo is what the timeline shows about the access token: never the token itself.
type grantInfo struct {
	Subject  string
	ClientID string
	Scopes   []string
	Expiry   time.Time
	// Items are the identifiers of the photos the user picked (RFC 9396
	// authorization_details in the token response, §7); nil when the
	// grant is not narrowed to picked photos.
	Items []string
}

// grantOf reads the token response and, for display only, the JWT payload. The shop does
// not verify the signature: the gateway does that on every call, and the shop trusts
// nothing here for access decisions.
func grantOf(tok *oauth2.Token, requested []string) grantInfo {
	g := grantInfo{Expiry: tok.Expiry}
	var claims struct {
		Sub      string `json:"sub"`
		ClientID string `json:"client_id"`
		Scope    string `json:"scope"`
		Exp      int64  `json:"exp"`
	}
	if parts := strings.Split(tok.AccessToken, "."); len(parts) == 3 {
		if payload, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
			json.Unmarshal(payload, &claims) // an opaque or odd token just shows less
		}
	}
	g.Subject, g.ClientID = claims.Sub, claims.ClientID
	if g.Expiry.IsZero() && claims.Exp > 0 {
		g.Expiry = time.Unix(claims.Exp, 0)
	}
	// RFC 6749 §5.1: the response's scope, when present, is what was granted; if it is
	// absent the grant equals the request.
	switch scope, _ := tok.Extra("scope").(string); {
	case scope != "":
		g.Scopes = strings.Fields(scope)
	case claims.Scope != "":
		g.Scopes = strings.Fields(claims.Scope)
	default:
		g.Scopes = requested
	}
	g.Items = pickedItems(tok.Extra("authorization_details"))
	return g
}

// pickedItems reads the identifiers of the "photos" entries of an
// authorization_details value as x/oauth2 decoded it.
func pickedItems(v any) []string {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var ds []struct {
		Type        string   `json:"type"`
		Identifiers []string `json:"identifiers"`
	}
	if json.Unmarshal(b, &ds) != nil {
		return nil
	}
	items := []string{}
	for _, d := range ds {
		if d.Type == "photos" {
			items = append(items, d.Identifiers...)
		}
	}
	return items
}
