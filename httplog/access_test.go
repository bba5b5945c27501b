package httplog_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/scopegate/scopegate/httplog"
)

func TestWriteAccessFieldsAndNoQuery(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	log := zap.New(core)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &httplog.StatusWriter{ResponseWriter: w}
		http.Error(sw, "nope", http.StatusTeapot)
		httplog.WriteAccess(log, r, sw.Status, 3*time.Millisecond, zap.String("route", "GET /photos/{id}"))
	})
	id := httplog.NewRequestID()
	req := httptest.NewRequest("GET", "/photos/1?access_token=secret-value", nil)
	h.ServeHTTP(httptest.NewRecorder(), req.WithContext(httplog.WithRequestID(req.Context(), id)))

	if logs.Len() != 1 {
		t.Fatalf("got %d log lines; want 1", logs.Len())
	}
	f := logs.All()[0].ContextMap()
	want := map[string]any{
		"request_id": id,
		"method":     "GET",
		"path":       "/photos/1",
		"status":     int64(http.StatusTeapot),
		"duration":   3 * time.Millisecond,
		"route":      "GET /photos/{id}",
	}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("field %s = %v (%T); want %v (%T)", k, f[k], f[k], v, v)
		}
	}
}

func TestWriteAccessDisabledLevel(t *testing.T) {
	core, logs := observer.New(zapcore.WarnLevel)
	httplog.WriteAccess(zap.New(core), httptest.NewRequest("GET", "/", nil), 200, 0)
	if logs.Len() != 0 {
		t.Errorf("got %d lines at warn level; want 0", logs.Len())
	}
}
