package httplog_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/scopegate/scopegate/httplog"
)

func TestMiddlewareGivesFreshRequestID(t *testing.T) {
	var seen []string
	h := httplog.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, httplog.RequestID(r.Context()))
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()

	var sent []string
	for range 2 {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header.Set("X-Request-Id", "forged-by-caller")
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		sent = append(sent, res.Header.Get("X-Request-Id"))
	}
	for i := range sent {
		if sent[i] != seen[i] {
			t.Errorf("request %d: X-Request-Id = %q, handler saw %q; want equal", i, sent[i], seen[i])
		}
		if sent[i] == "forged-by-caller" || len(sent[i]) != 16 {
			t.Errorf("request %d: X-Request-Id = %q; want a fresh 16-digit ID", i, sent[i])
		}
	}
	if sent[0] == sent[1] {
		t.Errorf("two requests got the same ID %q", sent[0])
	}
}

func TestRequestIDThroughDerivedContext(t *testing.T) {
	ctx := httplog.WithRequestID(context.Background(), "abc")
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if got := httplog.RequestID(ctx); got != "abc" {
		t.Errorf("RequestID(derived) = %q; want %q", got, "abc")
	}
	if got := httplog.RequestID(context.Background()); got != "" {
		t.Errorf("RequestID(background) = %q; want empty", got)
	}
}
