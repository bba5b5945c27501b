package authserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/scopegate/scopegate/token"
)

// Resource is an item type users pick on the consent page: the RFC 9396
// authorization_details "type" whose scopes are narrowed to the items the
// user chose, and how to list the signed-in user's items.
type Resource struct {
	Type   string   // RFC 9396 type, e.g. "photos"
	Scopes []string // declared scopes narrowed to picked items of this type
	List   ResourceList
	// MaxItems is the most items one grant may hold. If zero, 200.
	MaxItems int
}

// ResourceList says how to list a user's items: GET Path on the gateway
// upstream Upstream, called as the gateway would call it (see FetchFunc).
type ResourceList struct {
	Upstream  string
	Path      string // absolute, no query
	Items     string // JSON field of the answer holding the array; "" when the answer is the array
	ID        string // field of an item holding its identifier (string or number)
	Label     string // field of an item shown next to its checkbox
	Thumbnail string // optional path with "{id}", fetched for a small picture
}

// FetchFunc sends GET path to a gateway upstream as the gateway would
// forward a request of the token holder c (X-Auth-Subject and the other
// identity headers, the upstream's transport). cmd wires the gateway's
// own function in, so that authserver needs no import of the gateway. The
// caller closes the body.
type FetchFunc func(ctx context.Context, upstream, path string, c *token.Claims) (*http.Response, error)

// Limits of the calls made for the picker. A listing is the user's whole
// collection, so it may be large, but never unbounded (a hostile or broken
// upstream must not exhaust memory); a thumbnail is a small picture.
const (
	DefaultMaxItemsPerGrant = 200
	defaultItemsTimeout     = 5 * time.Second
	maxListingBytes         = 4 << 20
	maxListingItems         = 10000
	maxThumbnailBytes       = 1 << 20
	maxItemIDLen            = 256
	maxLabelLen             = 200
	// itemsClientID is X-Auth-Client-Id on the server's own calls: the
	// authorization server asks, not any client.
	itemsClientID = "scopegate"
	// listingCacheTTL lets the thumbnails of one consent page check their
	// id against the listing the page was built from, without listing
	// again per picture. Grants always list afresh.
	listingCacheTTL  = 30 * time.Second
	listingCacheSize = 1024
)

// resource is a configured Resource with its lookups.
type resource struct {
	Resource
	actions map[string]string // action -> scope
	scopeAc map[string]string // scope -> action
}

// actionOf names the RFC 9396 action a narrowed scope stands for: the part
// after the last dot ("photos.read" -> "read"), or the scope itself. RFC
// 9396 §2.2 leaves action names to the type; this keeps the token's
// actions readable next to its scope claim.
func actionOf(scope string) string {
	if i := strings.LastIndexByte(scope, '.'); i >= 0 && i < len(scope)-1 {
		return scope[i+1:]
	}
	return scope
}

func newResource(r Resource) (*resource, error) {
	if r.MaxItems <= 0 {
		r.MaxItems = DefaultMaxItemsPerGrant
	}
	res := &resource{Resource: r, actions: map[string]string{}, scopeAc: map[string]string{}}
	for _, sc := range r.Scopes {
		a := actionOf(sc)
		if _, taken := res.actions[a]; taken {
			a = sc // two scopes with one suffix: the later is named in full
		}
		res.actions[a], res.scopeAc[sc] = sc, a
	}
	return res, nil
}

// item is one entry of a user's listing.
type item struct {
	ID, Label string
}

// listing is a user's items of one type, in the upstream's order.
type listing struct {
	items []item
	index map[string]int
}

func (l *listing) has(id string) bool { _, ok := l.index[id]; return ok }

// errListing is what the consent page says when the listing fails; the
// cause goes to the log only.
var errListing = errors.New("the list of your items could not be loaded")

// listItems calls the type's list upstream for subject and parses the
// answer. fresh skips the cache (grants); thumbnails may use it.
func (s *Server) listItems(ctx context.Context, subject string, res *resource, fresh bool) (*listing, error) {
	key := res.Type + "\x00" + subject
	if !fresh {
		if l := s.listings.get(key, s.now()); l != nil {
			return l, nil
		}
	}
	if s.fetch == nil {
		return nil, fmt.Errorf("%w: no fetcher configured", errListing)
	}
	ctx, cancel := context.WithTimeout(ctx, s.itemsTimeout)
	defer cancel()
	c := &token.Claims{Subject: subject, ClientID: itemsClientID, Scopes: res.Scopes}
	resp, err := s.fetch(ctx, res.List.Upstream, res.List.Path, c)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errListing, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: upstream answered %d", errListing, resp.StatusCode)
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != "application/json" && !strings.HasSuffix(ct, "+json") {
		return nil, fmt.Errorf("%w: upstream answered %q, not JSON", errListing, ct)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxListingBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errListing, err)
	}
	if len(body) > maxListingBytes {
		return nil, fmt.Errorf("%w: answer over %d bytes", errListing, maxListingBytes)
	}
	l, err := parseListing(body, res.List)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errListing, err)
	}
	s.listings.put(key, l, s.now())
	return l, nil
}

// parseListing reads the items of a listing answer. Items without a usable
// id (missing, empty, too long, not text or a number, or seen before) are
// left out: they can be neither shown nor granted safely.
func parseListing(body []byte, spec ResourceList) (*listing, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw []map[string]any
	if spec.Items == "" {
		if err := dec.Decode(&raw); err != nil {
			return nil, errors.New("the answer is not a JSON array of objects")
		}
	} else {
		var obj map[string]json.RawMessage
		if err := dec.Decode(&obj); err != nil {
			return nil, errors.New("the answer is not a JSON object")
		}
		arr, ok := obj[spec.Items]
		if !ok {
			return nil, fmt.Errorf("the answer has no field %q", spec.Items)
		}
		d := json.NewDecoder(bytes.NewReader(arr))
		d.UseNumber()
		if err := d.Decode(&raw); err != nil {
			return nil, fmt.Errorf("field %q is not an array of objects", spec.Items)
		}
	}
	if len(raw) > maxListingItems {
		return nil, fmt.Errorf("more than %d items", maxListingItems)
	}
	l := &listing{index: make(map[string]int, len(raw))}
	for _, m := range raw {
		id, ok := scalarText(m[spec.ID])
		if !ok || !validItemID(id) {
			continue
		}
		if _, dup := l.index[id]; dup {
			continue
		}
		label, _ := scalarText(m[spec.Label])
		if label == "" {
			label = id
		}
		if len(label) > maxLabelLen {
			label = truncateUTF8(label, maxLabelLen) + "…"
		}
		l.index[id] = len(l.items)
		l.items = append(l.items, item{ID: id, Label: label})
	}
	return l, nil
}

// scalarText is a JSON string or number as text.
func scalarText(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	}
	return "", false
}

// validItemID accepts identifiers that travel safely in a token, a form
// and a URL path segment: UTF-8 text without control characters, at most
// maxItemIDLen bytes.
func validItemID(id string) bool {
	if id == "" || len(id) > maxItemIDLen || !utf8.ValidString(id) {
		return false
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func truncateUTF8(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// listingCache keeps recent listings for the thumbnails endpoint, bounded
// in entries; it is shared by a Server and its reconfigured successors.
type listingCache struct {
	mu sync.Mutex
	m  map[string]cachedListing
}

type cachedListing struct {
	l       *listing
	expires time.Time
}

func newListingCache() *listingCache { return &listingCache{m: map[string]cachedListing{}} }

func (c *listingCache) get(key string, now time.Time) *listing {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || now.After(e.expires) {
		return nil
	}
	return e.l
}

func (c *listingCache) put(key string, l *listing, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= listingCacheSize {
		for k, e := range c.m {
			if now.After(e.expires) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= listingCacheSize {
			clear(c.m)
		}
	}
	c.m[key] = cachedListing{l: l, expires: now.Add(listingCacheTTL)}
}

// validateResources checks the item types: unique names, declared scopes
// narrowed by one type at most, a list to call, and a fetcher to call it.
func validateResources(cfg *Config, declared map[string]bool) []error {
	var errs []error
	types := map[string]bool{}
	narrowed := map[string]bool{}
	for _, r := range cfg.Resources {
		add := func(format string, a ...any) {
			errs = append(errs, fmt.Errorf("authserver: resource %q: "+format, append([]any{r.Type}, a...)...))
		}
		if r.Type == "" || types[r.Type] {
			add("type is empty or defined twice")
		}
		types[r.Type] = true
		if len(r.Scopes) == 0 {
			add("needs at least one scope")
		}
		for _, sc := range r.Scopes {
			switch {
			case !declared[sc] || sc == "openid":
				add("scope %q is not declared", sc)
			case narrowed[sc]:
				add("scope %q is narrowed by two types", sc)
			}
			narrowed[sc] = true
		}
		if r.List.Upstream == "" || !strings.HasPrefix(r.List.Path, "/") || r.List.ID == "" {
			add("list needs an upstream, an absolute path and an id field")
		}
		if r.List.Thumbnail != "" && strings.Count(r.List.Thumbnail, "{id}") != 1 {
			add("thumbnail must contain {id} once")
		}
		if r.MaxItems < 0 {
			add("max_items must not be negative")
		}
	}
	if len(cfg.Resources) > 0 && cfg.Fetch == nil {
		errs = append(errs, errors.New("authserver: resources need Fetch to list the user's items"))
	}
	return errs
}
