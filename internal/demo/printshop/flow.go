package printshop

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"
	"golang.org/x/oauth2"
)

// flowLog records what happened in the authorization flow, for the nine-step timeline.
type flowLog struct {
	opened, redirected, returned, exchanged, called time.Time

	authorizeEndpoint, tokenEndpoint string
	requested                        []string
	issChecked                       bool
	declined                         bool

	grant grantInfo

	apiURL    string
	apiStatus int
	apiPhotos int

	// Refreshes of the access token (refresh.go): the latest, how many,
	// and the error code of a failed one.
	refreshed     time.Time
	refreshes     int
	refreshFailed string
	apiTitles     []string // titles of the photos the list returned
}

// connect starts the authorization code flow: fresh state and PKCE verifier kept in the
// session, then a redirect to the authorization endpoint found by discovery.
func (s *Shop) connect(w http.ResponseWriter, r *http.Request) {
	sess := s.sessions.get(r)
	if sess == nil || !sess.checkCSRF(r) {
		s.expired(w, r)
		return
	}
	md, err := s.disc.get(r.Context())
	if err != nil {
		s.cfg.Logger.Warn("discovery failed", zap.Error(err))
		s.message(w, r, http.StatusBadGateway, messagePage{
			Title: "Your photo drive is not answering",
			Text:  "We could not reach the photo drive's sign-in service. Please try again in a moment.",
		})
		return
	}
	conf := s.oauthConfig(md)
	state, verifier := randomString(), oauth2.GenerateVerifier()
	sess.mu.Lock()
	sess.state, sess.verifier = state, verifier
	sess.token, sess.answer = nil, nil
	sess.flow = flowLog{
		opened:            sess.flow.opened,
		redirected:        s.cfg.Now(),
		authorizeEndpoint: md.AuthorizationEndpoint,
		tokenEndpoint:     md.TokenEndpoint,
		requested:         s.cfg.Scopes,
	}
	sess.mu.Unlock()
	http.Redirect(w, r, conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), http.StatusSeeOther)
}

// callback is step 5: the drive sends the browser back with a code or an error. The
// state must be the one this session sent (RFC 6749 §10.12), and an iss parameter must
// name our issuer (RFC 9207), or an attacker could splice in another flow's code.
func (s *Shop) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sess := s.sessions.get(r)
	if sess == nil {
		s.expired(w, r)
		return
	}
	sess.mu.Lock()
	state, verifier, nonce, signingIn := sess.state, sess.verifier, sess.nonce, sess.signingIn
	sess.state, sess.verifier, sess.nonce, sess.signingIn = "", "", "", false // one use only, whatever the outcome
	sess.mu.Unlock()

	if state == "" || q.Get("state") != state {
		s.message(w, r, http.StatusBadRequest, messagePage{
			Title: "This sign-in could not be verified",
			Text: "The answer from the photo drive does not belong to the connection you started here " +
				"(the state did not match), so we ignored it. Please connect again.",
			Reconnect: true,
		})
		return
	}
	md, err := s.disc.get(r.Context())
	if err != nil {
		s.message(w, r, http.StatusBadGateway, messagePage{
			Title: "Your photo drive is not answering", Text: "Please try again in a moment.", Reconnect: true,
		})
		return
	}
	iss, hasIss := q["iss"]
	if (hasIss && (len(iss) != 1 || iss[0] != md.Issuer)) || (!hasIss && md.IssParameterSupported) {
		s.message(w, r, http.StatusBadRequest, messagePage{
			Title: "This sign-in came from the wrong place",
			Text: "The answer did not come from the photo drive we sent you to (the iss parameter did not " +
				"match), so we ignored it. Please connect again.",
			Reconnect: true,
		})
		return
	}
	now := s.cfg.Now()
	if e := q.Get("error"); e != "" && signingIn {
		sess.mu.Lock()
		sess.flash = "You did not sign in with your Photo Drive: it answered “" + e + "”."
		sess.mu.Unlock()
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if e := q.Get("error"); e != "" {
		sess.mu.Lock()
		sess.flow.returned = now
		sess.flow.declined = e == "access_denied"
		sess.mu.Unlock()
		if e == "access_denied" {
			http.Redirect(w, r, "/", http.StatusSeeOther) // the home page explains the refusal
			return
		}
		s.message(w, r, http.StatusBadGateway, messagePage{
			Title: "The photo drive could not connect us",
			Text: "It answered with the error “" + e + "”" + describe(q.Get("error_description")) +
				" Please try again.",
			Reconnect: true,
		})
		return
	}
	code := q.Get("code")
	if code == "" {
		s.message(w, r, http.StatusBadRequest, messagePage{
			Title: "Something is missing", Text: "The photo drive sent you back without a code.", Reconnect: true,
		})
		return
	}
	if signingIn {
		s.finishSignIn(w, r, code, verifier, nonce)
		return
	}
	ctx := context.WithValue(r.Context(), oauth2.HTTPClient, s.cfg.HTTPClient)
	tok, err := s.oauthConfig(md).Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		reason := "the token endpoint could not be reached"
		if errors.As(err, &re) && re.ErrorCode != "" {
			reason = "the token endpoint answered “" + re.ErrorCode + "”"
		}
		s.cfg.Logger.Warn("code exchange failed", zap.String("reason", reason))
		s.message(w, r, http.StatusBadGateway, messagePage{
			Title:     "We could not finish connecting",
			Text:      "The photo drive accepted you, but exchanging the one-time code failed: " + reason + ".",
			Reconnect: true,
		})
		return
	}
	s.stampExpiry(tok)
	sess.mu.Lock()
	sess.token = tok
	sess.flow.returned, sess.flow.exchanged = now, s.cfg.Now()
	sess.flow.issChecked = hasIss
	sess.flow.declined = false
	sess.flow.grant = grantOf(tok, s.cfg.Scopes)
	sess.mu.Unlock()
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// disconnect forgets the token and everything else about this browser.
func (s *Shop) disconnect(w http.ResponseWriter, r *http.Request) {
	if sess := s.sessions.get(r); sess == nil || !sess.checkCSRF(r) {
		s.expired(w, r)
		return
	}
	s.sessions.drop(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// describe turns an optional error_description into a sentence tail.
func describe(d string) string {
	d = strings.TrimSpace(d)
	if d == "" || len(d) > 200 {
		return "."
	}
	return ": " + d + "."
}
