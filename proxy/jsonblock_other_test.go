//go:build !amd64

package proxy

import "testing"

func blockStructImpls() map[string]func([]byte, uint64, *[structBlocks]uint64) (int, uint64) {
	return nil
}

func eachBlockReader(t *testing.T, f func(t *testing.T)) { t.Run("generic", f) }
