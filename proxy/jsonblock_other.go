//go:build !amd64

package proxy

// useAVX2 is false: the assembly is amd64's.
const useAVX2 = false

// blockStructSSE2 stands in for amd64's assembly, so that skipDropped
// reads the same everywhere; blockStructAVX2 is never called here.
func blockStructSSE2(b []byte, carry uint64) (brackets, carryOut uint64, clean bool) {
	return blockStructGeneric(b, carry)
}

func blockStructAVX2(b []byte, carry uint64) (brackets, carryOut uint64, clean bool) {
	return blockStructGeneric(b, carry)
}
