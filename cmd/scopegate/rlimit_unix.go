//go:build unix

package main

import "syscall"

// openFileLimit is the soft RLIMIT_NOFILE, which the Go runtime has
// already raised to the hard limit at start; 0 if unknown.
func openFileLimit() uint64 {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0
	}
	return r.Cur
}
