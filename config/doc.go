// Package config owns scopegate's YAML configuration file: its keys, their
// defaults, ${VAR} expansion, and the validation that runs before anything
// starts. Parse reports every problem at once as "FILE:LINE:COL: message"
// diagnostics, so `scopegate check` can list them all; on any problem no
// [File] is returned, so a server never runs on a half-applied config.
//
// The types here describe the file, not the running server: each package
// (authserver, proxy, store) keeps its own runtime Config and cmd/scopegate
// translates. config imports only policy, whose decoder and compiler check
// the gateway.routes section. Nothing here reads the environment or the
// network; the caller passes lookupEnv.
package config
