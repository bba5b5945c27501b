//go:build race

package proxy_test

// raceEnabled: the race detector makes sync.Pool drop items at random, so
// allocation counts that rely on pooled buffers do not hold under -race.
const raceEnabled = true
