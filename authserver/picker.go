package authserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/authserver/pages"
	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/token"
)

// The picker: for a narrowed scope the consent page lists the signed-in
// user's items, fetched from the legacy API as the gateway would call it,
// and the user ticks those the client may see (use case 1). What is
// granted is checked against a fresh listing when the form comes back:
// whatever the POST says, no identifier outside the user's own listing,
// outside the client's proposal, or over the type's maximum is granted.

// Audit events of the picker (see the package documentation).
const (
	// EventItemsPicked: the user picked identifiers of a type for a
	// client (fields type, identifiers, count).
	EventItemsPicked = "items.picked"
	// EventItemsRefused: a pick was refused (not the user's items, over
	// the maximum, repeated, or the listing failed); field reason.
	EventItemsRefused = "items.refused"
)

// pickField is the form field of a type's checkboxes.
func pickField(typ string) string { return "pick." + typ }

// pickParams reads a consent or pick form. Only the checkbox fields may
// repeat (one value per ticked item); every other parameter must appear
// once (RFC 6749 §3.1).
func pickParams(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	p, err := readParams(w, r)
	if errors.Is(err, errDuplicate) {
		for k, vs := range p {
			if len(vs) > 1 && !strings.HasPrefix(k, "pick.") {
				return nil, err
			}
		}
		return p, nil
	}
	return p, err
}

// pickState is a picker being shown: the user's listing (or why it
// failed) and what is ticked.
type pickState struct {
	res     *resource
	req     itemRequest
	listing *listing
	err     error
	checked map[string]bool
	// earlier counts the items of the grant's pick outside the client's
	// proposal: they stay shared as long as the maximum allows.
	earlier int
	notice  string // what the last button did that the user may not expect
}

// offered are the items the user may tick: their listing, narrowed to the
// client's proposal when it made one.
func (ps *pickState) offered() []item {
	if ps.listing == nil {
		return nil
	}
	if ps.req.Proposed == nil {
		return ps.listing.items
	}
	var out []item
	for _, it := range ps.listing.items {
		if slices.Contains(ps.req.Proposed, it.ID) {
			out = append(out, it)
		}
	}
	return out
}

// loadPickers lists the user's items for every requested type. Nothing
// is ticked yet.
func (s *Server) loadPickers(ctx context.Context, subject string, items []itemRequest) []*pickState {
	out := make([]*pickState, 0, len(items))
	for _, it := range items {
		ps := &pickState{res: s.resources[it.Type], req: it, checked: map[string]bool{}}
		if ps.res == nil {
			ps.err = errors.New("this kind of item is no longer offered")
		} else {
			ps.listing, ps.err = s.listItems(ctx, subject, ps.res, true)
		}
		if ps.err != nil {
			s.log.Warn("listing items for the picker failed", zap.String("type", it.Type), zap.Error(ps.err))
		}
		out = append(out, ps)
	}
	return out
}

// preselect ticks what the user chose before: the proposal of the client,
// else the grant's current pick, so that a request for more shows what is
// already shared.
func preselect(ps []*pickState, g store.Grant) {
	gd := decodeDetails(g.AuthorizationDetails)
	for _, p := range ps {
		var want []string
		if p.req.Proposed != nil {
			want = p.req.Proposed
		} else if d := detailFor(gd, p.req.Type); d != nil {
			want = d.Identifiers
		}
		for _, it := range p.offered() {
			if slices.Contains(want, it.ID) {
				p.checked[it.ID] = true
			}
		}
	}
}

// noteEarlier records, for pickers of a proposal, how many items of g's
// pick lie outside it: mergePick keeps them only while they fit within
// the maximum together with the new ones, and the page says so.
func noteEarlier(ps []*pickState, g store.Grant) {
	gd := decodeDetails(g.AuthorizationDetails)
	for _, p := range ps {
		p.earlier = 0
		if d := detailFor(gd, p.req.Type); d != nil && p.req.Proposed != nil {
			for _, id := range d.Identifiers {
				if !slices.Contains(p.req.Proposed, id) {
					p.earlier++
				}
			}
		}
	}
}

// pickerPages turns the states into what the templates show. failed is
// true when some picker has nothing the user could share.
func (s *Server) pickerPages(ps []*pickState) ([]pages.Picker, bool) {
	var out []pages.Picker
	failed := false
	for _, p := range ps {
		pg := pages.Picker{Type: p.req.Type, Noun: p.req.Type, Field: pickField(p.req.Type),
			Proposed: p.req.Proposed != nil, Notice: p.notice}
		if p.res != nil {
			pg.Max = p.res.MaxItems
		}
		offered := p.offered()
		switch {
		case p.err != nil:
			pg.Error = "Your " + p.req.Type + " could not be loaded right now, so nothing can be shared. You can deny the request, or try again later."
		case len(offered) == 0 && pg.Proposed:
			pg.Error = "None of the " + p.req.Type + " the app asked for are in your account, so there is nothing to share. You can deny the request."
		}
		if pg.Error != "" {
			failed = true
			out = append(out, pg)
			continue
		}
		if len(offered) == 0 {
			failed = true // "You have no ... yet": nothing to allow
		}
		if p.earlier > 0 && p.earlier+len(offered) > pg.Max {
			room := max(pg.Max-p.earlier, 0)
			pg.Notice = fmt.Sprintf("The app can already see %s besides these. One app can see at most %d, "+
				"so if you tick more than %d here, the ones you tick replace them.",
				pages.CountOf(p.earlier, p.req.Type), pg.Max, room)
		}
		for i, it := range offered {
			pi := pages.PickItem{ID: it.ID, Label: it.Label, Checked: p.checked[it.ID],
				InputID: "item-" + p.req.Type + "-" + strconv.Itoa(i)}
			if p.res.List.Thumbnail != "" {
				pi.Thumb = thumbnailURL(p.req.Type, it.ID)
			}
			if pi.Checked {
				pg.Selected++
			}
			pg.Items = append(pg.Items, pi)
		}
		out = append(out, pg)
	}
	return out, failed
}

// pickError is a refused pick: the message shown and the status.
type pickError struct {
	status int
	msg    string
}

// readPicks checks the ticked identifiers of every picker against the
// user's listing: each must be offered (in the listing, and in the
// proposal if there was one), appear once, and number between one and the
// type's maximum. It also records them as ticked, for showing the form
// again.
func readPicks(ps []*pickState, p url.Values) (map[string][]string, *pickError) {
	picks := map[string][]string{}
	var first *pickError
	fail := func(status int, msg string) {
		if first == nil {
			first = &pickError{status, msg}
		}
	}
	for _, st := range ps {
		if st.err != nil {
			fail(http.StatusBadGateway, "Your "+st.req.Type+" could not be loaded, so nothing was shared.")
			continue
		}
		offered := map[string]bool{}
		for _, it := range st.offered() {
			offered[it.ID] = true
		}
		clear(st.checked)
		var ids []string
		for _, id := range p[pickField(st.req.Type)] {
			switch {
			case !offered[id]:
				// Not in the user's own listing (or not proposed): a
				// tampered form, or an item removed meanwhile.
				fail(http.StatusBadRequest, "The selection names "+st.req.Type+" that are not yours to share. Nothing was shared; please choose again.")
			case slices.Contains(ids, id):
				fail(http.StatusBadRequest, "The selection names the same item twice. Nothing was shared; please choose again.")
			default:
				ids = append(ids, id)
				st.checked[id] = true
			}
		}
		switch {
		case len(ids) == 0:
			fail(http.StatusUnprocessableEntity, "Tick at least one of your "+st.req.Type+" to share, or deny the request.")
		case len(ids) > st.res.MaxItems:
			fail(http.StatusUnprocessableEntity, fmt.Sprintf("You can share at most %d %s with one app; you ticked %d. Untick some and allow again.",
				st.res.MaxItems, st.req.Type, len(ids)))
		}
		picks[st.req.Type] = ids
	}
	return picks, first
}

// selectAction applies a "Select all" or "Clear" button (select=all.TYPE
// or none.TYPE), which re-shows the form: select all without script.
// Other pickers keep what the form says is ticked, within what is offered.
func selectAction(ps []*pickState, p url.Values) {
	verb, typ, _ := strings.Cut(p.Get("select"), ".")
	for _, st := range ps {
		clear(st.checked)
		for _, it := range st.offered() {
			switch {
			case st.req.Type == typ && verb == "all":
				st.checked[it.ID] = st.res != nil && len(st.checked) < st.res.MaxItems
			case st.req.Type == typ && verb == "none":
			case slices.Contains(p[pickField(st.req.Type)], it.ID):
				st.checked[it.ID] = true
			}
		}
		if st.req.Type == typ && verb == "all" && st.res != nil && len(st.offered()) > st.res.MaxItems {
			st.notice = fmt.Sprintf("Only the first %s are ticked: one app can see at most %d.",
				pages.CountOf(st.res.MaxItems, st.req.Type), st.res.MaxItems)
		}
	}
}

// pickConsentPageAgain is pickConsentPage for a form posted back: the page
// says again what the grant holds already (noteEarlier).
func (s *Server) pickConsentPageAgain(w http.ResponseWriter, r *http.Request, sess *session, status int, d pages.ConsentData, ps []*pickState, msg string) {
	g, err := s.store.LiveGrant(r.Context(), sess.Username, d.ClientID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.internalError(w, r, err)
		return
	}
	noteEarlier(ps, g)
	s.pickConsentPage(w, r, status, d, ps, msg)
}

// pickConsentPage shows the consent page with its pickers.
func (s *Server) pickConsentPage(w http.ResponseWriter, r *http.Request, status int, d pages.ConsentData, ps []*pickState, msg string) {
	var failed bool
	d.Pickers, failed = s.pickerPages(ps)
	d.NoAllow = failed
	d.Error = msg
	s.pages.Consent(w, status, d)
}

// consentData is the consent page's data for req.
func (s *Server) consentData(r *http.Request, sess *session, req *authRequest, sealed string) pages.ConsentData {
	c := s.clients[req.ClientID]
	return pages.ConsentData{
		Action: "/oauth2/consent", CSRFToken: s.csrfToken(sess),
		ClientName: c.Name, ClientID: c.ID, RedirectURI: req.RedirectURI,
		UserName: s.displayName(r.Context(), sess.Username), Scopes: s.scopeItems(req.Scopes),
		Hidden: map[string]string{"authz": sealed},
	}
}

// showPickerConsent is the GET of a consent page for a narrowed request.
func (s *Server) showPickerConsent(w http.ResponseWriter, r *http.Request, sess *session, req *authRequest, sealed string) {
	ps := s.loadPickers(r.Context(), sess.Username, req.Items)
	g, err := s.store.LiveGrant(r.Context(), sess.Username, req.ClientID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.internalError(w, r, err)
		return
	}
	preselect(ps, g)
	noteEarlier(ps, g)
	s.pickConsentPage(w, r, http.StatusOK, s.consentData(r, sess, req, sealed), ps, "")
}

// consentPicked handles a consent form for a narrowed request: a select
// button re-shows it; allow checks the picks against a fresh listing and
// grants exactly them; deny is handled by the caller.
func (s *Server) consentPicked(w http.ResponseWriter, r *http.Request, sess *session, req *authRequest, p url.Values) {
	ps := s.loadPickers(r.Context(), sess.Username, req.Items)
	d := s.consentData(r, sess, req, p.Get("authz"))
	if p.Has("select") && p.Get("decision") == "" {
		selectAction(ps, p)
		s.pickConsentPageAgain(w, r, sess, http.StatusOK, d, ps, "")
		return
	}
	picks, pe := readPicks(ps, p)
	if pe != nil {
		s.audit(r, EventItemsRefused, sess.Username, req.ClientID, zap.String("reason", pe.msg))
		s.pickConsentPageAgain(w, r, sess, pe.status, d, ps, pe.msg)
		return
	}
	g, err := s.grantPicked(r.Context(), sess.Username, req.ClientID, req.Scopes, req.Items, picks)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.audit(r, EventConsentGranted, sess.Username, req.ClientID, zap.Strings("scopes", req.Scopes))
	s.auditPicks(r, sess.Username, req.ClientID, picks)
	s.finishAuthorization(w, r, req, sess, g)
}

// auditPicks records which identifiers the user picked, per type (ids,
// not labels: labels are the user's content).
func (s *Server) auditPicks(r *http.Request, sub, clientID string, picks map[string][]string) {
	for typ, ids := range picks {
		s.audit(r, EventItemsPicked, sub, clientID, zap.String("type", typ), zap.Strings("identifiers", ids), zap.Int("count", len(ids)))
	}
}

// grantPicked records the user's pick in the live grant of (subject,
// client), with scopes added. The pick of each requested type replaces
// the grant's earlier pick of that type. If that takes any item away, the
// grant is replaced by a new one and the old one revoked: tokens already
// issued carry the old identifiers, and the user's "no" must reach them
// at once (RFC 9700 §2.3: the resource server enforces what is granted).
func (s *Server) grantPicked(ctx context.Context, subject, clientID string, scopes []string, items []itemRequest, picks map[string][]string) (store.Grant, error) {
	for range saveGrantAttempts {
		now := s.now().UTC()
		g, err := s.store.LiveGrant(ctx, subject, clientID)
		read := &store.Grant{}
		*read = g
		switch {
		case errors.Is(err, store.ErrNotFound):
			g = store.Grant{ID: randomToken(16), Subject: subject, ClientID: clientID, CreatedAt: now}
			read = nil
		case err != nil:
			return store.Grant{}, err
		}
		details, shrunk := s.mergePick(decodeDetails(g.AuthorizationDetails), items, picks)
		if shrunk && read != nil {
			if _, err := s.RevokeGrant(ctx, g.ID); err != nil {
				return store.Grant{}, err
			}
			g.ID, g.CreatedAt, g.LastUsedAt, g.RevokedAt = randomToken(16), now, time.Time{}, time.Time{}
			read = nil
		}
		g.Scopes = slices.Clone(g.Scopes)
		for _, sc := range scopes {
			if !slices.Contains(g.Scopes, sc) {
				g.Scopes = append(g.Scopes, sc)
			}
		}
		g.AuthorizationDetails = encodeDetails(details)
		g.UpdatedAt = now
		err = s.store.SaveGrant(ctx, g, read)
		if !errors.Is(err, store.ErrConflict) {
			return g, err
		}
	}
	return store.Grant{}, fmt.Errorf("authserver: saving the pick of %q for %q: too many concurrent writers", subject, clientID)
}

// mergePick replaces the entries of the picked types in gd, keeping other
// types, and reports whether any identifier was taken away. When the
// client proposed identifiers, only those were shown, so earlier picks
// outside the proposal are kept.
func (s *Server) mergePick(gd []token.AuthorizationDetail, items []itemRequest, picks map[string][]string) ([]token.AuthorizationDetail, bool) {
	out := slices.Clone(gd)
	shrunk := false
	for _, it := range items {
		ids, ok := picks[it.Type]
		if !ok {
			continue
		}
		actions := slices.Clone(it.Actions)
		if old := detailFor(out, it.Type); old != nil {
			// The user decided on the proposed items only: the rest of
			// the earlier pick stays, unless that exceeds the maximum.
			if it.Proposed != nil {
				var kept []string
				for _, id := range old.Identifiers {
					if !slices.Contains(it.Proposed, id) {
						kept = append(kept, id)
					}
				}
				if res := s.resources[it.Type]; res != nil && len(kept)+len(ids) <= res.MaxItems {
					ids = append(kept, ids...)
				}
			}
			if !subset(old.Identifiers, ids) {
				shrunk = true
			}
			for _, a := range old.Actions {
				if !slices.Contains(actions, a) {
					actions = append(actions, a)
				}
			}
			if res := s.resources[it.Type]; res != nil {
				actions = res.orderActions(actions)
			}
			old.Actions, old.Identifiers = actions, slices.Clone(ids)
			continue
		}
		out = append(out, token.AuthorizationDetail{Type: it.Type, Actions: actions, Identifiers: slices.Clone(ids)})
	}
	return out, shrunk
}
