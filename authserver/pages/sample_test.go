package pages

import (
	"net/http"
	"net/http/httptest"
)

// samples renders every page with realistic data from the running example
// (a photo drive, the PrintMyPhotos client). The screenshot and contract
// tests share it.
func samples(r *Renderer) map[string]func(http.ResponseWriter) {
	scopes := []ScopeItem{
		{Name: "photos.read", Description: "See your photos and albums"},
		{Name: "profile", Description: "See your name and email address"},
	}
	return map[string]func(http.ResponseWriter){
		"login": func(w http.ResponseWriter) {
			r.Login(w, http.StatusOK, LoginData{
				Action: "/oauth2/login", CSRFToken: "csrf-123", ClientName: "PrintMyPhotos",
				Hidden: map[string]string{"request_id": "req-42"},
			})
		},
		"login-error": func(w http.ResponseWriter) {
			r.Login(w, http.StatusUnauthorized, LoginData{
				Action: "/oauth2/login", CSRFToken: "csrf-123", ClientName: "PrintMyPhotos",
				Username: "alice", Error: "Incorrect username or password.",
				Hidden: map[string]string{"request_id": "req-42"},
			})
		},
		"login-providers": func(w http.ResponseWriter) {
			r.Login(w, http.StatusOK, LoginData{
				Action: "/oauth2/login", CSRFToken: "csrf-123", ClientName: "PrintMyPhotos",
				Hidden:    map[string]string{"authz": "req-42"},
				Providers: []ProviderButton{{Name: "Company A", Action: "/oauth2/idp/company-a/start"}},
			})
		},
		"login-providers-only": func(w http.ResponseWriter) {
			r.Login(w, http.StatusOK, LoginData{
				Action: "/oauth2/login", CSRFToken: "csrf-123", NoPassword: true,
				Providers: []ProviderButton{{Name: "Company A", Action: "/oauth2/idp/company-a/start"},
					{Name: "Photo Drive", Action: "/oauth2/idp/photo-drive/start"}},
			})
		},
		"consent": func(w http.ResponseWriter) {
			r.Consent(w, http.StatusOK, ConsentData{
				Action: "/oauth2/consent", CSRFToken: "csrf-123", ClientName: "PrintMyPhotos",
				ClientID: "printmyphotos", ClientOwner: "PrintMyPhotos Ltd.",
				RedirectURI: "https://printmyphotos.example/oauth/callback",
				UserName:    "Alice Martin", Scopes: scopes,
				Hidden: map[string]string{"request_id": "req-42"},
			})
		},
		"consent-picker": func(w http.ResponseWriter) {
			r.Consent(w, http.StatusOK, ConsentData{
				Action: "/oauth2/consent", CSRFToken: "csrf-123", ClientName: "PrintMyPhotos",
				ClientID: "printmyphotos", RedirectURI: "https://printmyphotos.example/oauth/callback",
				UserName: "Alice Martin", Scopes: scopes[:1],
				Hidden: map[string]string{"authz": "req-42"},
				Pickers: []Picker{{
					Type: "photos", Noun: "photos", Field: "pick.photos", Max: 3, Proposed: true, Selected: 2,
					Notice: "The app can already see 2 photos besides these. One app can see at most 3, " +
						"so if you tick more than 1 here, the ones you tick replace them.",
					Items: []PickItem{
						{ID: "3", Label: "Mountains", Checked: true, InputID: "item-photos-0"},
						{ID: "4", Label: "Lake at dawn", Checked: true, InputID: "item-photos-1"},
					},
				}},
			})
		},
		"account": func(w http.ResponseWriter) {
			r.Account(w, http.StatusOK, AccountData{
				UserName: "Alice Martin", Email: "alice@example.com",
				Grants: []GrantItem{
					{ClientID: "printmyphotos", ClientName: "PrintMyPhotos", Scopes: scopes, GrantedAt: "12 March 2026"},
					{ClientID: "framely", ClientName: "Framely", Scopes: scopes[:1], GrantedAt: "2 January 2026"},
				},
				RevokeAction: "/oauth2/account/revoke", LogoutAction: "/oauth2/logout",
				CSRFToken: "csrf-123", Notice: "Access for Snapbook was removed.",
			})
		},
		"account-empty": func(w http.ResponseWriter) {
			r.Account(w, http.StatusOK, AccountData{
				UserName: "Alice Martin", Email: "alice@example.com",
				RevokeAction: "/oauth2/account/revoke", LogoutAction: "/oauth2/logout", CSRFToken: "csrf-123",
			})
		},
		"error": func(w http.ResponseWriter) {
			r.Error(w, http.StatusBadRequest, ErrorData{
				Title:       "This link can’t be used",
				Description: "The app that sent you here gave an address that isn’t registered, so we stopped before sending you anywhere.",
				RequestID:   "01HZX4M3B6Q2K8V9T7N5R1C0YD",
			})
		},
		"logout": func(w http.ResponseWriter) {
			r.Logout(w, http.StatusOK, LogoutData{
				Action: "/oauth2/logout", CSRFToken: "csrf-123", UserName: "Alice Martin", ClientName: "PrintMyPhotos",
				RedirectURI: "https://printmyphotos.example/signed-out", CancelURL: "/oauth2/account",
				Hidden: map[string]string{"logout": "sealed-42"},
			})
		},
		"loggedout": func(w http.ResponseWriter) {
			r.LoggedOut(w, http.StatusOK, LoggedOutData{})
		},
	}
}

// render runs one sample into a recorder.
func render(f func(http.ResponseWriter)) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	f(rec)
	return rec
}
