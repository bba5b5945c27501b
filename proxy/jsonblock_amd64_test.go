package proxy

// blockMaskImpls are the assembly versions this CPU can run.
func blockMaskImpls() map[string]func([]byte) (uint64, uint64, uint64) {
	m := map[string]func([]byte) (uint64, uint64, uint64){"SSE2": blockMasksSSE2}
	if useAVX2 {
		m["AVX2"] = blockMasksAVX2
	}
	return m
}
