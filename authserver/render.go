package authserver

import (
	"net/http"

	"github.com/scopegate/scopegate/authserver/pages"
)

// renderer is what the server needs from authserver/pages; each method
// writes a complete HTML page.
type renderer interface {
	Login(w http.ResponseWriter, status int, d pages.LoginData)
	Consent(w http.ResponseWriter, status int, d pages.ConsentData)
	Account(w http.ResponseWriter, status int, d pages.AccountData)
	Error(w http.ResponseWriter, status int, d pages.ErrorData)
	LoggedOut(w http.ResponseWriter, status int, d pages.LoggedOutData)
	Logout(w http.ResponseWriter, status int, d pages.LogoutData)
	Pick(w http.ResponseWriter, status int, d pages.PickData)
	Static() http.Handler
}

func newRenderer(b pages.Brand) (renderer, error) { return pages.New(b) }
