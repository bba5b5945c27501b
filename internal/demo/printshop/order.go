package printshop

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// printSize is one product on the price list; prices are in euro cents.
type printSize struct {
	Code, Label, Short string
	Cents              int
}

// printSizes is the shop's fixed price list.
var printSizes = []printSize{
	{"10x15", "10 × 15 cm classic", "10 × 15 cm", 29},
	{"13x18", "13 × 18 cm large", "13 × 18 cm", 59},
	{"20x30", "20 × 30 cm enlargement", "20 × 30 cm", 299},
	{"30x45", "30 × 45 cm poster", "30 × 45 cm poster", 799},
}

const maxQuantity = 50

// order is a placed print order; it lives in the session for the confirmation page.
type order struct {
	ID       string
	Placed   time.Time
	Items    []photo
	Size     printSize
	Quantity int
}

// Prints is the number of prints in the order.
func (o *order) Prints() int { return len(o.Items) * o.Quantity }

// LinePrice is the price of one photo's copies, formatted.
func (o *order) LinePrice() string { return euros(o.Quantity * o.Size.Cents) }

// Total is the order's price, formatted.
func (o *order) Total() string { return euros(o.Prints() * o.Size.Cents) }

func euros(cents int) string { return fmt.Sprintf("€%d.%02d", cents/100, cents%100) }

// placeOrder checks the chosen photos against the list the gateway returns now, so an
// order can only name photos the shop is currently allowed to see.
func (s *Shop) placeOrder(w http.ResponseWriter, r *http.Request) {
	sess := s.sessions.get(r)
	if sess == nil || !sess.checkCSRF(r) {
		s.expired(w, r)
		return
	}
	if s.accessToken(r.Context(), sess) == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	retry := func(msg string) {
		sess.mu.Lock()
		sess.flash = msg
		sess.mu.Unlock()
		http.Redirect(w, r, "/#order-form", http.StatusSeeOther)
	}
	chosen := r.PostForm["photo"]
	i := slices.IndexFunc(printSizes, func(p printSize) bool { return p.Code == r.PostFormValue("size") })
	qty, err := strconv.Atoi(r.PostFormValue("quantity"))
	switch {
	case len(chosen) == 0:
		retry("Pick at least one photo to print.")
		return
	case i < 0:
		retry("Choose a print size.")
		return
	case err != nil || qty < 1 || qty > maxQuantity:
		retry(fmt.Sprintf("Choose between 1 and %d copies of each photo.", maxQuantity))
		return
	}
	photos, ans, err := s.listPhotos(r.Context(), sess)
	if err != nil || ans.Status != http.StatusOK {
		retry("We could not check your photos with the drive just now. Please try again.")
		return
	}
	o := &order{ID: orderNumber(), Placed: s.cfg.Now(), Size: printSizes[i], Quantity: qty}
	for _, p := range photos {
		if slices.Contains(chosen, p.ID) {
			o.Items = append(o.Items, p)
		}
	}
	if len(o.Items) != len(slices.Compact(slices.Sorted(slices.Values(chosen)))) {
		retry("Some of the chosen photos are no longer available. Please choose again.")
		return
	}
	sess.mu.Lock()
	sess.orders[o.ID] = o
	sess.mu.Unlock()
	http.Redirect(w, r, "/orders/"+o.ID, http.StatusSeeOther)
}

func (s *Shop) showOrder(w http.ResponseWriter, r *http.Request) {
	sess := s.sessions.get(r)
	var o *order
	if sess != nil {
		sess.mu.Lock()
		o = sess.orders[r.PathValue("id")]
		sess.mu.Unlock()
	}
	if o == nil {
		s.message(w, r, http.StatusNotFound, messagePage{
			Title: "Order not found", Text: "We have no order with this number in your current visit.",
		})
		return
	}
	s.render(w, r, http.StatusOK, "order", orderPage{page: s.pageFor(sess, "Order "+o.ID), Order: o})
}

// orderNumber is a short order reference such as "PMP-4F7K2QXB"; base32 has no
// lower case and no 0/1, so it reads well over the phone.
func orderNumber() string { return "PMP-" + rand.Text()[:8] }
