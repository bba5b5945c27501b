package authserver

import (
	"encoding/json"
	"net/http"
	"slices"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/scopegate/scopegate/oauthrule"
)

// metadata is the RFC 8414 / OpenID Connect Discovery document. Every
// value states what the server does; tests hold them to it.
type metadata struct {
	Issuer                         string   `json:"issuer"`
	AuthorizationEndpoint          string   `json:"authorization_endpoint"`
	TokenEndpoint                  string   `json:"token_endpoint"`
	JWKSURI                        string   `json:"jwks_uri"`
	UserinfoEndpoint               string   `json:"userinfo_endpoint"`
	EndSessionEndpoint             string   `json:"end_session_endpoint"`
	RevocationEndpoint             string   `json:"revocation_endpoint"`
	RevocationAuthMethodsSupported []string `json:"revocation_endpoint_auth_methods_supported"`
	IntrospectionEndpoint          string   `json:"introspection_endpoint"`
	// RFC 8414 §2: introspection is for confidential clients, so "none"
	// is not offered.
	IntrospectionAuthMethodsSupported []string `json:"introspection_endpoint_auth_methods_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	IssParameterSupported             bool     `json:"authorization_response_iss_parameter_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
	PromptValuesSupported             []string `json:"prompt_values_supported"`
	// OpenID Connect Discovery §3 defaults request_uri_parameter_supported
	// to true; request objects are refused here, so it must say false.
	RequestParameterSupported    bool `json:"request_parameter_supported"`
	RequestURIParameterSupported bool `json:"request_uri_parameter_supported"`
	// AuthorizationDetailsTypesSupported lists the item types users pick
	// (RFC 9396 §10); absent without any.
	AuthorizationDetailsTypesSupported []string `json:"authorization_details_types_supported,omitempty"`
}

func (s *Server) metadata() metadata {
	return metadata{
		Issuer:                            s.issuer,
		AuthorizationEndpoint:             s.endpoint("/oauth2/authorize"),
		TokenEndpoint:                     s.endpoint("/oauth2/token"),
		JWKSURI:                           s.endpoint("/oauth2/jwks"),
		UserinfoEndpoint:                  s.endpoint("/oauth2/userinfo"),
		EndSessionEndpoint:                s.endpoint("/oauth2/logout"),
		RevocationEndpoint:                s.endpoint("/oauth2/revoke"),
		RevocationAuthMethodsSupported:    []string{"client_secret_basic", "client_secret_post", "none"},
		IntrospectionEndpoint:             s.endpoint("/oauth2/introspect"),
		IntrospectionAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post"},
		ScopesSupported:                   slices.Clone(s.scopeNames),
		ResponseTypesSupported:            []string{"code"},
		ResponseModesSupported:            []string{"query"},
		GrantTypesSupported:               []string{oauthrule.GrantAuthorizationCode, oauthrule.GrantClientCredentials, oauthrule.GrantRefreshToken},
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post", "none"},
		CodeChallengeMethodsSupported:     []string{"S256"},
		IssParameterSupported:             true,
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  []string{string(jose.RS256), string(jose.ES256)},
		ClaimsSupported:                   slices.Clone(claimsSupported),
		PromptValuesSupported:             []string{"none", "login", "consent", "select_account"},

		AuthorizationDetailsTypesSupported: s.resourceTypes(),
	}
}

func (s *Server) resourceTypes() []string {
	var out []string
	for _, r := range s.resOrder {
		out = append(out, r.Type)
	}
	return out
}

var claimsSupported = []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "azp", "amr",
	"name", "email", "email_verified"}

// handleMetadata serves the same document at both well-known paths.
func (s *Server) handleMetadata(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_ = json.NewEncoder(w).Encode(s.metadata())
}
