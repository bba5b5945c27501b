//go:build tools

// Package deps pins the modules the packages are being written against; removed once they are imported for real.
package deps
import (
 _ "github.com/coreos/go-oidc/v3/oidc"
 _ "golang.org/x/oauth2"
 _ "github.com/gorilla/securecookie"
 _ "go.uber.org/zap"
 _ "go.uber.org/zap/zaptest/observer"
 _ "gopkg.in/yaml.v3"
 _ "github.com/go-jose/go-jose/v4"
 _ "golang.org/x/crypto/bcrypt"
 _ "modernc.org/sqlite"
 _ "github.com/jackc/pgx/v5/stdlib"
 _ "github.com/prometheus/client_golang/prometheus"
 _ "github.com/chromedp/chromedp"
 _ "golang.org/x/net/websocket"
)
