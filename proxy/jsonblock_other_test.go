//go:build !amd64

package proxy

func blockMaskImpls() map[string]func([]byte) (uint64, uint64, uint64) { return nil }
