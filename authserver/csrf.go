package authserver

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// csrfToken derives the form token of a session. It is bound to the
// session ID, so it changes at login and is useless to another browser.
func (s *Server) csrfToken(sess *session) string {
	mac := hmac.New(sha256.New, s.csrfKey)
	mac.Write([]byte(sess.ID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// checkCSRF compares the submitted token in constant time.
func (s *Server) checkCSRF(sess *session, submitted string) bool {
	if sess == nil || submitted == "" {
		return false
	}
	return hmac.Equal([]byte(s.csrfToken(sess)), []byte(submitted))
}
