package authserver

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"go.uber.org/zap"

	"github.com/scopegate/scopegate/oauthrule"
)

// BenchmarkRefresh measures refresh_token grants through real HTTP on
// SQLite, each of 4×GOMAXPROCS parallel clients rotating its own refresh token:
//
//	go test ./authserver -run '^$' -bench Refresh -benchtime 2000x -count 3
func BenchmarkRefresh(b *testing.B) {
	env := newTestServer(b, func(c *Config) {
		c.Logger = zap.NewNop()
		c.Clients[0].GrantTypes = []string{oauthrule.GrantAuthorizationCode, oauthrule.GrantRefreshToken}
	})
	const families = 16
	var rts [families]string
	br := newBrowser(b, env)
	for i := range rts {
		u := env.authURL(url.Values{"client_id": {printerID}, "response_type": {"code"}, "scope": {"photos.read"}})
		code := redirectParams(b, br.authorize(u, "alice", alicePassword)).Get("code")
		res := env.callToken(b, tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {code}}, basic: printerAuth})
		rts[i], _ = res.json["refresh_token"].(string)
		if rts[i] == "" {
			b.Fatalf("no refresh token: %v", res.json)
		}
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	tokenURL := env.ts.URL + "/oauth2/token"
	var next atomic.Int32
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rt := rts[int(next.Add(1)-1)%families]
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(url.Values{
				"grant_type": {"refresh_token"}, "refresh_token": {rt}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(printerID, printerSecret)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			var out struct {
				RefreshToken string `json:"refresh_token"`
			}
			err = json.NewDecoder(resp.Body).Decode(&out)
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil || out.RefreshToken == "" {
				b.Errorf("refresh: status %d", resp.StatusCode)
				return
			}
			rt = out.RefreshToken
		}
	})
}
