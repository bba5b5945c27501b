package pages

// Brand is the product identity shown on every page.
type Brand struct {
	ProductName string // default "scopegate"
	LogoURL     string // optional; a same-origin path ("/...", not "//...") or a data:image/ URL; default the bundled logo
	AccentColor string // "#rgb" or "#rrggbb"; default a blue that white text reads well on; [New] rejects anything else
}

// LoginData fills the login page.
type LoginData struct {
	Brand      Brand
	Action     string // form action URL (path + query)
	CSRFToken  string
	ClientName string            // the application asking, when known
	Username   string            // kept after a failed attempt
	Error      string            // e.g. "Incorrect username or password."
	Hidden     map[string]string // extra hidden fields (e.g. the pending request id)
	// Providers are upstream sign-in options, each a form posting the
	// CSRF token and Hidden to Action; NoPassword hides the password form
	// (no local users).
	Providers  []ProviderButton
	NoPassword bool
}

// ProviderButton is one "Continue with Name" button on the login page.
type ProviderButton struct {
	Name   string
	Action string // POST target, a path on this server
}

// ScopeItem is one requested scope with its text from the config.
type ScopeItem struct {
	Name        string
	Description string
}

// ConsentData fills the consent page.
type ConsentData struct {
	Brand       Brand
	Action      string
	CSRFToken   string
	ClientName  string
	ClientID    string
	ClientOwner string // optional: who operates the client (draft-ietf-oauth-v2-1 §7.9), shown under its name
	RedirectURI string // shown so users see where they will be sent
	UserName    string // display name of the signed-in user
	Scopes      []ScopeItem
	Hidden      map[string]string
	// Pickers ask which items the client may see, one per narrowed type
	// (RFC 9396 authorization_details); Error says why a pick was refused
	// or the items could not be listed. NoAllow hides Allow (a listing
	// failed: nothing can be granted, only denied).
	Pickers []Picker
	Error   string
	NoAllow bool
}

// GrantItem is one client the user has granted access to.
type GrantItem struct {
	ClientID   string
	ClientName string
	Scopes     []ScopeItem
	GrantedAt  string // preformatted date
	// LastUsed says when the client last got tokens from the grant, in
	// words ("Last used 5 minutes ago", "Not used yet").
	LastUsed string
	// Picks are the items the client can see, per narrowed type.
	Picks []GrantPick
}

// AccountData fills the account page (list and revoke granted clients).
type AccountData struct {
	Brand        Brand
	UserName     string
	Email        string
	Grants       []GrantItem
	RevokeAction string // POST target; form fields client_id, csrf_token
	LogoutAction string
	CSRFToken    string
	Notice       string // e.g. "Access for PrintMyPhotos was removed."
}

// ErrorData fills the error page shown instead of redirecting (unknown
// client, unregistered redirect URI, bad CSRF token, ...).
type ErrorData struct {
	Brand       Brand
	Status      int
	Title       string
	Description string
	RequestID   string
}

// LogoutData fills the page asking whether to sign out (OpenID Connect
// RP-Initiated Logout §2: the OP asks the user when the request does not
// show which session it means).
type LogoutData struct {
	Brand       Brand
	Action      string // POST target
	CSRFToken   string
	UserName    string // who is signed in
	ClientName  string // the application that asked, when known
	RedirectURI string // where the browser goes after signing out; shown as its host
	CancelURL   string // a path on this server
	Hidden      map[string]string
}

// LoggedOutData fills the page shown after logout.
type LoggedOutData struct {
	Brand Brand
}
