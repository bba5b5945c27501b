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

	Pos         Position   // the route's mapping node
	PatternPos  Position   // the value of "route:"
	UpstreamPos Position   // the value of "upstream:"
	ScopesPos   []Position // one per element of Scopes
}

// Env names what routes may refer to.
type Env struct {
	Upstreams []string // declared upstream names
	Scopes    []string // declared scopes (authserver.scopes)
}

// Decision is the verdict on one request.
type Decision struct {
	Route   *Route // nil when no route matched
	Allow   bool
	Status  int      // 200 when allowed; otherwise 400, 401, 403 or 404
	Reason  string   // one sentence for logs, 403 bodies and explain
	Missing []string // required scopes the caller lacks (403)
}
