// Package demo holds the two sample applications that `scopegate demo` runs around
// scopegate itself: a legacy photo API that knows nothing of OAuth (photoapi) and a
// photo-printing web shop that is an ordinary OAuth client (printshop).
package demo
