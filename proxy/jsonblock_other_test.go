//go:build !amd64

package proxy

import "testing"

func blockStructImpls() map[string]func([]byte, uint64) (uint64, uint64, bool) { return nil }

func eachBlockReader(t *testing.T, f func(t *testing.T)) { t.Run("generic", f) }
