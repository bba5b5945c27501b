package demo

import (
	_ "embed"
	"slices"
)

// Where the demo's parts live. The photo API listens on loopback only: it trusts
// X-Auth-Subject, so only the gateway may reach it.
const (
	Issuer       = "http://localhost:8080" // scopegate: authorization server and gateway
	GatewayURL   = Issuer
	PhotoAPIAddr = "127.0.0.1:9000"
	ShopAddr     = "127.0.0.1:8081"
	ShopURL      = "http://localhost:8081"
	ClientID     = "photo-printer"
	CLIClientID  = "demo-cli" // client credentials, for trying the gateway with curl
	RedirectURL  = ShopURL + "/callback"
)

//go:embed scopegate-demo.yaml
var configYAML []byte

// ConfigYAML returns scopegate's configuration for the demo. It refers to
// ${DEMO_PRINTER_SECRET} and ${DEMO_STORE_DSN}, which the demo command supplies
// through the config loader's lookup function.
func ConfigYAML() []byte { return slices.Clone(configYAML) }

// Login is a demo user's sign-in, printed by `scopegate demo`.
type Login struct{ Username, Password string }

// Logins returns the demo users; their bcrypt hashes are in ConfigYAML.
func Logins() []Login {
	return []Login{{"alice", "alice-photos"}, {"bob", "bob-photos"}}
}
