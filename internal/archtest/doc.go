// Package archtest holds the test that keeps scopegate's dependency
// direction a checked rule instead of a wiki page. It has no
// code of its own.
package archtest
