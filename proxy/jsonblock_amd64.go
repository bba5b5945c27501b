package proxy

import "golang.org/x/sys/cpu"

// useAVX2 picks which assembly version of blockMasksGeneric skipDropped
// calls (jsonblock_amd64.s): AVX2 compares 32 bytes at a time where the
// CPU has it, else SSE2, which every amd64 has, compares 16. skipDropped
// calls them directly: a wrapper choosing between them would not be
// inlined, and it would cost a call per block.
var useAVX2 = cpu.X86.HasAVX2

//go:noescape
func blockMasksSSE2(b []byte) (quote, backslash, brackets uint64)

//go:noescape
func blockMasksAVX2(b []byte) (quote, backslash, brackets uint64)
