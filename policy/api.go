package policy

import "fmt"

// Position is a place in a config file.
type Position struct {
	File         string
	Line, Column int
}

func (p Position) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column) }

// Diagnostic is one problem found in a policy, at a position.
type Diagnostic struct {
	Pos     Position
	Message string
}

// String formats the diagnostic as "FILE:LINE:COL: message".
func (d Diagnostic) String() string { return d.Pos.String() + ": " + d.Message }

// Route is one entry of gateway.routes.
type Route struct {
	Pattern  string   // ServeMux pattern, e.g. "GET /photos/{id}"
	Upstream string   // name of an upstream
	Scopes   []string // all of them are required
	Public   bool     // no token needed
	// Login is LoginBrowser for a route that serves people with browsers:
	// a request with neither token nor session that accepts HTML is sent
	// to sign in instead of getting 401. Empty for API routes.
	Login string
	// CSRF is CSRFOrigin when a state-changing request carried by a
	// session must come from our own origin (Origin, else Referer).
	CSRF string

	// Item checks (RFC 9396 authorization_details, picked items); each is
	// optional and applies only to tokens narrowed to picked items.
	Resource *ItemRef    // the path names one item the token must hold
	Filter   *ListFilter // the JSON answer keeps only the held items
	Owner    string      // path parameter that must equal the token's sub
	// CaseInsensitive is set by Compile for routes of an upstream listed
	// in Env.CaseInsensitive: their patterns match without regard to case.
	CaseInsensitive bool
	OwnerPos        Position
	ownerSeg        int

	Pos         Position   // the route's mapping node
	PatternPos  Position   // the value of "route:"
	UpstreamPos Position   // the value of "upstream:"
	ScopesPos   []Position // one per element of Scopes
	LoginPos    Position   // the value of "login:", if any
	CSRFPos     Position   // the value of "csrf:", if any
}

// Values of Route.Login and Route.CSRF.
const (
	LoginBrowser = "browser"
	CSRFOrigin   = "origin"
)

// Env names what routes may refer to.
type Env struct {
	Upstreams []string // declared upstream names
	Scopes    []string // declared scopes (authserver.scopes)
	// Resources maps each resource type (authserver.resources) to the
	// scopes it narrows. If nil, types are not checked and a token is
	// narrowed only by its authorization_details.
	Resources map[string][]string
	// CaseInsensitive lists upstreams that serve paths without regard to
	// case; their routes match that way too (see Route.CaseInsensitive).
	CaseInsensitive []string
}

// Decision is the verdict on one request.
type Decision struct {
	Route   *Route // nil when no route matched
	Allow   bool
	Status  int         // 200 when allowed; otherwise 400, 401, 403 or 404
	Reason  string      // one sentence for logs, 403 bodies and explain
	Missing []string    // required scopes the caller lacks (403)
	Item    ItemVerdict // the owner or resource check that failed (403)
	Filter  bool        // allowed, and the answer is filtered to the picked items
}
