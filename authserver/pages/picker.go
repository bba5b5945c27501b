package pages

import "net/http"

// Picker is the list of a user's items of one type on the consent page,
// each with a checkbox: the user picks what the client may see.
type Picker struct {
	Type     string // RFC 9396 authorization_details type, e.g. "photos"
	Noun     string // plural shown to people, e.g. "photos"
	Field    string // form field of the checkboxes, repeated per picked item
	Items    []PickItem
	Max      int    // the most items one grant may hold
	Proposed bool   // the application proposed these items; the user may only narrow
	Error    string // the items could not be listed
	Selected int    // items checked when the page was built
	Notice   string // what the user should know before allowing, or ""
}

// PickItem is one item of a picker.
type PickItem struct {
	ID      string
	Label   string
	Thumb   string // same-origin URL of a small picture, or ""
	Checked bool
	InputID string // unique HTML id of its checkbox
}

// GrantPick is what a client can see of one type, on the account page.
type GrantPick struct {
	Type      string
	Noun      string
	Items     []PickItem // labels when the listing answered, ids otherwise
	ChangeURL string     // the page to change the pick
}

// PickData fills the account page that changes what a client can see.
type PickData struct {
	Brand      Brand
	Action     string
	CancelURL  string
	CSRFToken  string
	ClientName string
	Hidden     map[string]string
	Pickers    []Picker
	Error      string
}

// Pick writes the page where a user changes the items a client can see.
func (r *Renderer) Pick(w http.ResponseWriter, status int, d PickData) {
	d.Brand = r.brand
	v := r.newView("Choose what "+d.ClientName+" can see", d)
	v.Wide = true
	v.CSRFToken, v.Hidden = d.CSRFToken, sortedHidden(d.Hidden)
	v.Initial = initial(d.ClientName)
	r.render(w, status, "pick", v)
}
