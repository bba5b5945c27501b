package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat;
// 100 on every Linux architecture Go runs on.
const clockTicks = 100

// cpuTime returns the user+system CPU time that process pid (all its
// threads) has used so far, and false where /proc is not available.
func cpuTime(pid int) (time.Duration, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name (field 2) may contain spaces; fields resume after
	// its closing parenthesis, at field 3 (state).
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, true
}

// withCPU runs phase and records how much of one CPU process pid used
// meanwhile: near 100% means the server, not the load generator, was the
// limit.
func withCPU(pid int, phase func() result) result {
	before, ok1 := cpuTime(pid)
	r := phase()
	after, ok2 := cpuTime(pid)
	if ok1 && ok2 && r.elapsed > 0 {
		r.cpu = float64(after-before) / float64(r.elapsed)
	}
	return r
}
