package proxy

import "golang.org/x/sys/cpu"

// useAVX2 picks which assembly version of blockStructsGeneric skipDropped
// calls (jsonblock_amd64.s): AVX2 compares 32 bytes at a time and
// PCLMULQDQ takes the quotes' parity in one instruction where the CPU has
// both, else SSE2, which every amd64 has, compares 16. skipDropped calls
// them directly: a wrapper choosing between them would not be inlined,
// and it would cost a call per block.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasPCLMULQDQ

//go:noescape
func blockStructsSSE2(b []byte, carry uint64, out *[structBlocks]uint64) (n int, carryOut uint64)

//go:noescape
func blockStructsAVX2(b []byte, carry uint64, out *[structBlocks]uint64) (n int, carryOut uint64)
