package authserver

import (
	"errors"
	"net/http"
	"net/url"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/authserver/pages"
	"github.com/scopegate/scopegate/store"
)

// The account page shows, per connected app, the items it can see, and
// lets the user change that pick (OAuth 2.1 draft §7.9: users review and
// revoke what they granted). Taking items away replaces the grant, so the
// app's live tokens are refused by the gateway at once (see grantPicked).

// grantPicks describes what a grant's pick shows on the account page:
// labels and thumbnails when the listing answers, bare ids otherwise.
func (s *Server) grantPicks(r *http.Request, subject string, g store.Grant) []pages.GrantPick {
	var out []pages.GrantPick
	for _, d := range decodeDetails(g.AuthorizationDetails) {
		gp := pages.GrantPick{Type: d.Type, Noun: d.Type}
		res := s.resources[d.Type]
		var l *listing
		if res != nil {
			gp.ChangeURL = "/oauth2/account/items?" + url.Values{"client_id": {g.ClientID}}.Encode()
			var err error
			if l, err = s.listItems(r.Context(), subject, res, false); err != nil {
				s.log.Warn("listing items for the account page failed", zap.String("type", d.Type), zap.Error(err))
			}
		}
		for _, id := range d.Identifiers {
			pi := pages.PickItem{ID: id, Label: id}
			if l != nil && l.has(id) {
				pi.Label = l.items[l.index[id]].Label
				if res.List.Thumbnail != "" {
					pi.Thumb = thumbnailURL(d.Type, id)
				}
			}
			gp.Items = append(gp.Items, pi)
		}
		out = append(out, gp)
	}
	return out
}

// pickRequests are the item requests that changing a grant's pick
// answers: one per configured type the grant holds, with its actions.
func (s *Server) pickRequests(g store.Grant) []itemRequest {
	var out []itemRequest
	for _, d := range decodeDetails(g.AuthorizationDetails) {
		if s.resources[d.Type] != nil {
			out = append(out, itemRequest{Type: d.Type, Actions: d.Actions})
		}
	}
	return out
}

// handlePickPage shows the form that changes what one app can see.
func (s *Server) handlePickPage(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.pageSession(w, r)
	if !ok {
		return
	}
	if !sess.signedIn() {
		http.Redirect(w, r, "/oauth2/login", http.StatusSeeOther)
		return
	}
	s.showPick(w, r, sess, r.URL.Query().Get("client_id"), nil, "")
}

// showPick renders the pick form for the user's grant to clientID; p, if
// not nil, is a submitted form whose select button or ticks to show.
func (s *Server) showPick(w http.ResponseWriter, r *http.Request, sess *session, clientID string, ps []*pickState, msg string) {
	g, err := s.store.LiveGrant(r.Context(), sess.Username, clientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		http.Redirect(w, r, "/oauth2/account", http.StatusSeeOther)
		return
	case err != nil:
		s.internalError(w, r, err)
		return
	}
	status := http.StatusOK
	if ps == nil {
		ps = s.loadPickers(r.Context(), sess.Username, s.pickRequests(g))
		preselect(ps, g)
	} else if msg != "" {
		status = http.StatusUnprocessableEntity
	}
	if len(ps) == 0 {
		http.Redirect(w, r, "/oauth2/account", http.StatusSeeOther)
		return
	}
	d := pages.PickData{
		Action: "/oauth2/account/items", CancelURL: "/oauth2/account", CSRFToken: s.csrfToken(sess),
		ClientName: s.clientName(clientID), Hidden: map[string]string{"client_id": clientID}, Error: msg,
	}
	d.Pickers, _ = s.pickerPages(ps)
	s.pages.Pick(w, status, d)
}

// handlePick saves a changed pick, checked like a consent: only items of
// the user's own fresh listing, each once, within the maximum.
func (s *Server) handlePick(w http.ResponseWriter, r *http.Request) {
	p, err := pickParams(w, r)
	if err != nil {
		s.pageError(w, http.StatusBadRequest, "Invalid request", "The form could not be read.")
		return
	}
	sess, ok := s.pageSession(w, r)
	if !ok {
		return
	}
	if !sess.signedIn() || !s.checkCSRF(sess, p.Get("csrf_token")) {
		s.csrfFailed(w)
		return
	}
	clientID := p.Get("client_id")
	g, err := s.store.LiveGrant(r.Context(), sess.Username, clientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		http.Redirect(w, r, "/oauth2/account", http.StatusSeeOther)
		return
	case err != nil:
		s.internalError(w, r, err)
		return
	}
	items := s.pickRequests(g)
	ps := s.loadPickers(r.Context(), sess.Username, items)
	if p.Has("select") && p.Get("decision") == "" {
		selectAction(ps, p)
		s.showPick(w, r, sess, clientID, ps, "")
		return
	}
	if p.Get("decision") != "save" {
		s.pageError(w, http.StatusBadRequest, "Invalid request", "Choose Save or Cancel.")
		return
	}
	picks, pe := readPicks(ps, p)
	if pe != nil {
		s.audit(r, EventItemsRefused, sess.Username, clientID, zap.String("reason", pe.msg))
		s.showPick(w, r, sess, clientID, ps, pe.msg)
		return
	}
	if _, err := s.grantPicked(r.Context(), sess.Username, clientID, nil, items, picks); err != nil {
		s.internalError(w, r, err)
		return
	}
	s.auditPicks(r, sess.Username, clientID, picks)
	http.Redirect(w, r, "/oauth2/account?"+url.Values{"changed": {clientID}}.Encode(), http.StatusSeeOther)
}
