package token_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/scopegate/scopegate/token"
	"github.com/scopegate/scopegate/token/tokentest"
)

// TestVerifyAuthorizationDetails signs tokens whose authorization_details
// claim is well or badly formed: a malformed claim refuses the whole token
// rather than leaving it un-narrowed.
func TestVerifyAuthorizationDetails(t *testing.T) {
	tests := []struct {
		name    string
		details string // raw JSON of the claim; "" leaves it out
		ok      bool
		ids     map[string][]string // type -> ids the token holds
	}{
		{"absent", "", true, nil},
		{"picked", `[{"type":"photos","actions":["read"],"identifiers":["1","3"]}]`, true, map[string][]string{"photos": {"1", "3"}}},
		{"two entries merge", `[{"type":"photos","identifiers":["1"]},{"type":"photos","identifiers":["2"]}]`, true, map[string][]string{"photos": {"1", "2"}}},
		{"no identifiers holds nothing", `[{"type":"photos","actions":["read"]}]`, true, map[string][]string{"photos": {}}},
		{"type-specific fields ignored", `[{"type":"photos","identifiers":["1"],"size":"large"}]`, true, map[string][]string{"photos": {"1"}}},
		{"empty array", `[]`, true, nil},
		{"null", `null`, false, nil},
		{"object", `{"type":"photos"}`, false, nil},
		{"string", `"photos"`, false, nil},
		{"entry not object", `["photos"]`, false, nil},
		{"entry null", `[null]`, false, nil},
		{"no type", `[{"identifiers":["1"]}]`, false, nil},
		{"empty type", `[{"type":"","identifiers":["1"]}]`, false, nil},
		{"numeric type", `[{"type":7}]`, false, nil},
		{"numeric identifier", `[{"type":"photos","identifiers":[1]}]`, false, nil},
		{"identifiers string", `[{"type":"photos","identifiers":"1"}]`, false, nil},
		{"identifiers null", `[{"type":"photos","identifiers":null}]`, false, nil},
		{"actions object", `[{"type":"photos","actions":{"read":true}}]`, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			c := f.claimsA()
			payload, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			if tt.details != "" {
				var m map[string]json.RawMessage
				if err := json.Unmarshal(payload, &m); err != nil {
					t.Fatal(err)
				}
				m["authorization_details"] = json.RawMessage(tt.details)
				payload, _ = json.Marshal(m)
			}
			got, err := f.v.Verify(context.Background(), f.keyA.Sign(t, c, tokentest.WithPayload(payload)))
			if !tt.ok {
				if !errors.Is(err, token.ErrMalformed) {
					t.Fatalf("Verify = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify = %v", err)
			}
			for typ, want := range tt.ids {
				set, narrowed := got.PickedItems(typ, nil)
				if !narrowed || len(set) != len(want) {
					t.Fatalf("PickedItems(%q) = %v, %v; want %v", typ, set, narrowed, want)
				}
				for _, id := range want {
					if _, ok := set[id]; !ok {
						t.Errorf("%q not held", id)
					}
				}
			}
		})
	}
}

// TestPickedItemsRule: who is narrowed when the claim is missing.
func TestPickedItemsRule(t *testing.T) {
	narrowing := []string{"photos.read"}
	tests := []struct {
		name         string
		sub, client  string
		scopes       []string
		details      []token.AuthorizationDetail
		wantNarrowed bool
		wantIDs      int
	}{
		{"user token with pick", "alice", "printer", []string{"photos.read"},
			[]token.AuthorizationDetail{{Type: "photos", Identifiers: []string{"1", "2"}}}, true, 2},
		{"user token, narrowed scope, no pick: holds nothing", "alice", "printer", []string{"photos.read"}, nil, true, 0},
		{"user token, other type's pick only", "alice", "printer", []string{"photos.read"},
			[]token.AuthorizationDetail{{Type: "albums", Identifiers: []string{"1"}}}, true, 0},
		{"user token without narrowed scope", "alice", "printer", []string{"photos.write"}, nil, false, 0},
		{"client credentials", "printer", "printer", []string{"photos.read"}, nil, false, 0},
		{"client credentials with a pick is still narrowed", "printer", "printer", []string{"photos.read"},
			[]token.AuthorizationDetail{{Type: "photos", Identifiers: []string{"1"}}}, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := token.Claims{Subject: tt.sub, ClientID: tt.client, Scopes: tt.scopes, AuthorizationDetails: tt.details}
			b, _ := json.Marshal(c)
			var decoded token.Claims
			if err := json.Unmarshal(b, &decoded); err != nil {
				t.Fatal(err)
			}
			for _, cl := range []*token.Claims{&c, &decoded} {
				ids, narrowed := cl.PickedItems("photos", narrowing)
				if narrowed != tt.wantNarrowed || len(ids) != tt.wantIDs {
					t.Errorf("PickedItems = %v, %v; want narrowed=%v with %d ids", ids, narrowed, tt.wantNarrowed, tt.wantIDs)
				}
			}
		})
	}
}

func ExampleClaims_PickedItems() {
	var c token.Claims
	_ = json.Unmarshal([]byte(`{"sub":"alice","client_id":"printer","scope":"photos.read",
		"authorization_details":[{"type":"photos","actions":["read"],"identifiers":["1","3"]}]}`), &c)
	ids, narrowed := c.PickedItems("photos", []string{"photos.read"})
	_, has3 := ids["3"]
	_, has2 := ids["2"]
	fmt.Println(narrowed, has3, has2)
	// Output: true true false
}
