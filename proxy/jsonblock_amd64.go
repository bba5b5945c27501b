package proxy

import "golang.org/x/sys/cpu"

// useAVX2 picks the assembly version of blockMasks (jsonblock_amd64.s):
// AVX2 compares 32 bytes at a time where the CPU has it, else SSE2, which
// every amd64 has, compares 16.
var useAVX2 = cpu.X86.HasAVX2

// blockMasks marks, one bit per byte of b[:64] (bit k for b[k]), the
// quotes, the backslashes, and the brackets with the few bytes bracketKey
// cannot tell from them. b must hold at least 64 bytes. skipDropped calls
// the assembly directly, which saves a wrapper on every block.
func blockMasks(b []byte) (quote, backslash, brackets uint64) {
	if useAVX2 {
		return blockMasksAVX2(b)
	}
	return blockMasksSSE2(b)
}

//go:noescape
func blockMasksSSE2(b []byte) (quote, backslash, brackets uint64)

//go:noescape
func blockMasksAVX2(b []byte) (quote, backslash, brackets uint64)
