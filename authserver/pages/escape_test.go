package pages

import (
	"net/http"
	"strings"
	"testing"
)

// TestEscaping feeds hostile text through every field a client or user
// controls and checks it arrives as text, never as markup.
func TestEscaping(t *testing.T) {
	r := newTestRenderer(t)
	const evil = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`
	scopes := []ScopeItem{{Name: evil, Description: evil}, {Name: evil}}
	pages := map[string]func(http.ResponseWriter){
		"login": func(w http.ResponseWriter) {
			r.Login(w, http.StatusOK, LoginData{Action: "/login?q=" + evil, CSRFToken: evil, ClientName: evil,
				Username: evil, Error: evil, Hidden: map[string]string{evil: evil}})
		},
		"consent": func(w http.ResponseWriter) {
			r.Consent(w, http.StatusOK, ConsentData{Action: "/consent", CSRFToken: evil, ClientName: evil,
				ClientID: evil, ClientOwner: evil, RedirectURI: "https://" + evil + "/cb", UserName: evil,
				Scopes: scopes, Hidden: map[string]string{evil: evil}})
		},
		"account": func(w http.ResponseWriter) {
			r.Account(w, http.StatusOK, AccountData{UserName: evil, Email: evil, CSRFToken: evil, Notice: evil,
				RevokeAction: "/revoke", LogoutAction: "/logout",
				Grants: []GrantItem{{ClientID: evil, ClientName: evil, Scopes: scopes, GrantedAt: evil}}})
		},
		"error": func(w http.ResponseWriter) {
			r.Error(w, http.StatusBadRequest, ErrorData{Title: evil, Description: evil, RequestID: evil})
		},
	}
	for name, f := range pages {
		t.Run(name, func(t *testing.T) {
			body := render(f).Body.String()
			for _, raw := range []string{"<script", "<img src=x"} {
				if strings.Contains(body, raw) {
					t.Errorf("page contains raw %q", raw)
				}
			}
			for _, n := range all(parse(t, body).root, "") {
				for _, a := range n.Attr {
					if strings.HasPrefix(a.Key, "on") {
						t.Errorf("<%s> has event handler attribute %s=%q", n.Data, a.Key, a.Val)
					}
				}
			}
			if !strings.Contains(body, "&lt;script&gt;") {
				t.Errorf("page does not contain the escaped text &lt;script&gt;")
			}
		})
	}
}
