package main

import (
	"sync"
)

// heapFloor is how much the garbage collector lets the heap grow past what
// is live before it starts a cycle, at the least. The gateway's own live
// heap is a few MiB, and Go's default pacing (GOGC=100, a 4 MiB minimum
// goal) then starts a cycle every few hundred requests; with one core,
// each cycle's marking (about 2.5 ms of CPU here, twice the bare
// httputil.ReverseProxy's, for the authorization server's templates and
// tables in the same process) lands on the requests in flight and sets
// the tail latency. With the floor, cycles are about seven times rarer.
const heapFloor = 16 << 20

var (
	ballastOnce sync.Once
	ballast     []byte
)

// setHeapFloor raises the collector's goal by heapFloor bytes for the life
// of the process with a "ballast": one pointer-free allocation that counts
// as live (https://blog.twitch.tv/en/2019/04/10/go-memory-ballast-how-i-learnt-to-stop-worrying-and-love-the-heap/).
// It is never written, so the kernel backs none of its pages, and it has
// no pointers, so marking skips it; the memory really used grows by at
// most heapFloor, in garbage awaiting the next cycle. An operator who set
// GOGC or GOMEMLIMIT has chosen the pacing: then nothing is done.
func setHeapFloor(lookupEnv func(string) (string, bool)) bool {
	for _, k := range []string{"GOGC", "GOMEMLIMIT"} {
		if _, set := lookupEnv(k); set {
			return false
		}
	}
	ballastOnce.Do(func() { ballast = make([]byte, heapFloor) })
	return true
}
