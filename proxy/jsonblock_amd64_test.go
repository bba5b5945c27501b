package proxy

import "testing"

// blockStructImpls are the assembly versions this CPU can run.
func blockStructImpls() map[string]func([]byte, uint64, *[structBlocks]uint64) (int, uint64) {
	m := map[string]func([]byte, uint64, *[structBlocks]uint64) (int, uint64){"SSE2": blockStructsSSE2}
	if useAVX2 {
		m["AVX2"] = blockStructsAVX2
	}
	return m
}

// eachBlockReader runs f with skipDropped on SSE2, then on AVX2 where
// the CPU has it.
func eachBlockReader(t *testing.T, f func(t *testing.T)) {
	saved := useAVX2
	t.Cleanup(func() { useAVX2 = saved })
	useAVX2 = false
	t.Run("SSE2", f)
	if saved {
		useAVX2 = true
		t.Run("AVX2", f)
	}
}
