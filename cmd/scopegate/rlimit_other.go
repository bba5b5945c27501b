//go:build !unix

package main

// openFileLimit is unknown here; the default cap applies.
func openFileLimit() uint64 { return 0 }
