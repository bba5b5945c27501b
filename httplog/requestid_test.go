package httplog_test

import (
	"context"
	"testing"

	"github.com/scopegate/scopegate/httplog"
)

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
