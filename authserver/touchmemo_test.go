package authserver

import (
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

func TestTouchMemo(t *testing.T) {
	var m touchMemo
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	if !m.due("g1", t0) {
		t.Fatal("first use of g1 not written")
	}
	if m.due("g1", t0.Add(30*time.Second)) {
		t.Error("g1 written again within GrantTouchInterval")
	}
	if !m.due("g2", t0.Add(30*time.Second)) {
		t.Error("first use of g2 not written")
	}
	// A new generation begins; g1's entry moves to the old one and still
	// counts.
	if m.due("g2", t0.Add(store.GrantTouchInterval+10*time.Second)) {
		t.Error("g2 written again within GrantTouchInterval, across generations")
	}
	if !m.due("g1", t0.Add(store.GrantTouchInterval)) {
		t.Error("g1 not written once GrantTouchInterval had passed")
	}
	// A clock that goes back is not trusted to mean "recently".
	if !m.due("g1", t0.Add(-time.Hour)) {
		t.Error("use before the remembered time not written")
	}
	m.forget("g2")
	if !m.due("g2", t0.Add(store.GrantTouchInterval+20*time.Second)) {
		t.Error("forgotten g2 not written on its next use")
	}
	// Entries older than two generations are gone.
	late := t0.Add(10 * store.GrantTouchInterval)
	m.due("other", late)
	m.due("other", late.Add(store.GrantTouchInterval))
	if len(m.cur)+len(m.prev) > 2 {
		t.Errorf("memo keeps %d entries after two generations, want at most 2", len(m.cur)+len(m.prev))
	}
}
