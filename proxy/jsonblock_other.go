//go:build !amd64

package proxy

// useAVX2 is false: the assembly is amd64's.
const useAVX2 = false

// blockStructsSSE2 stands in for amd64's assembly, so that skipDropped
// reads the same everywhere; blockStructsAVX2 is never called here.
func blockStructsSSE2(b []byte, carry uint64, out *[structBlocks]uint64) (n int, carryOut uint64) {
	return blockStructsGeneric(b, carry, out)
}

func blockStructsAVX2(b []byte, carry uint64, out *[structBlocks]uint64) (n int, carryOut uint64) {
	return blockStructsGeneric(b, carry, out)
}
