package httplog_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/scopegate/scopegate/httplog"
)

func TestRedactQuery(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"harmless", "page=2&size=10", "page=2&size=10"},
		{"access token", "access_token=eyJsecret&page=2", "access_token=REDACTED&page=2"},
		{"code and verifier", "code=abc&code_verifier=def&state=s", "code=REDACTED&code_verifier=REDACTED&state=s"},
		{"client secret mixed case", "Client_Secret=hunter2", "Client_Secret=REDACTED"},
		{"password", "password=pw&username=alice", "password=REDACTED&username=alice"},
		{"assertion", "client_assertion=jwt", "client_assertion=REDACTED"},
		{"encoded key", "access%5Ftoken=eyJsecret", "access_token=REDACTED"},
		{"unparsable", "a=%zz&token=x", "REDACTED"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := httplog.RedactQuery(tc.in); got != tc.want {
				t.Errorf("RedactQuery(%q) = %q; want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRequestMarshalerRedactsCredentials(t *testing.T) {
	secrets := []string{"Bearer eyJhbGciOi.secret", "session=cookie-secret", "Basic cHJveHk6c2VjcmV0", "tok-in-query", "code-in-query"}
	r := httptest.NewRequest("GET", "http://photos.example/photos/1?access_token=tok-in-query&code=code-in-query&page=2", nil)
	r.Header.Set("Authorization", secrets[0])
	r.Header.Set("cookie", secrets[1])
	r.Header.Set("Proxy-Authorization", secrets[2])
	r.Header.Set("Accept", "image/jpeg")

	core, logs := observer.New(zapcore.DebugLevel)
	zap.New(core).Info("req", zap.Object("request", httplog.Request{R: r}))

	entry := logs.All()[0]
	m := entry.ContextMap()["request"].(map[string]any)
	headers := m["headers"].(map[string]any)
	for _, h := range []string{"Authorization", "Cookie", "Proxy-Authorization"} {
		if got := headers[h]; got != httplog.Redacted {
			t.Errorf("headers[%q] = %v; want %q", h, got, httplog.Redacted)
		}
	}
	if got := headers["Accept"]; got != "image/jpeg" {
		t.Errorf("headers[Accept] = %v; want image/jpeg", got)
	}
	if got := m["query"]; got != "access_token=REDACTED&code=REDACTED&page=2" {
		t.Errorf("query = %v; want credentials redacted, page kept", got)
	}
	all := strings.ToLower(toString(entry.ContextMap()))
	for _, s := range secrets {
		if strings.Contains(all, strings.ToLower(s)) {
			t.Errorf("log entry contains secret %q: %s", s, all)
		}
	}
}

func TestHeadersMarshalerRedactsSetCookie(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	zap.New(core).Info("res", zap.Object("headers", httplog.Headers{"Set-Cookie": {"sid=s3cret"}, "Content-Type": {"text/html"}}))
	got := logs.All()[0].ContextMap()["headers"].(map[string]any)
	if got["Set-Cookie"] != httplog.Redacted || got["Content-Type"] != "text/html" {
		t.Errorf("headers = %v; want Set-Cookie redacted and Content-Type kept", got)
	}
}

func toString(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				b.WriteString(k + "=")
				walk(e)
				b.WriteString(" ")
			}
		case string:
			b.WriteString(x)
		}
	}
	walk(v)
	return b.String()
}
