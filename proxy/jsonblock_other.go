//go:build !amd64

package proxy

// useAVX2 is false: only amd64 has the assembly.
const useAVX2 = false

// blockMasks marks, one bit per byte of b[:64] (bit k for b[k]), the
// quotes, the backslashes, and the brackets with the few bytes bracketKey
// cannot tell from them. b must hold at least 64 bytes.
func blockMasks(b []byte) (quote, backslash, brackets uint64) {
	return blockMasksGeneric(b)
}

// The names skipDropped calls on amd64.
func blockMasksAVX2(b []byte) (quote, backslash, brackets uint64) { return blockMasksGeneric(b) }
func blockMasksSSE2(b []byte) (quote, backslash, brackets uint64) { return blockMasksGeneric(b) }
