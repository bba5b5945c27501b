//go:build !amd64

package proxy

// useAVX2 is false: the assembly is amd64's.
const useAVX2 = false

// blockMasksSSE2 stands in for amd64's assembly, so that skipDropped
// reads the same everywhere; blockMasksAVX2 is never called here.
func blockMasksSSE2(b []byte) (quote, backslash, brackets uint64) { return blockMasksGeneric(b) }
func blockMasksAVX2(b []byte) (quote, backslash, brackets uint64) { return blockMasksGeneric(b) }
