// Command bench is scopegate's load test on loopback. It starts a small
// backend, a bare httputil.ReverseProxy in front of it and the scopegate
// binary (authorization server + gateway) in front of the same backend, then
// drives each with the same keep-alive load and prints requests per second
// and latency percentiles side by side, as ratios against the bare proxy.
// It also measures the token endpoint (client_credentials tokens/s) and
// complete authorization-code flows per second.
//
//	go run ./bench -duration 10s -connections 32
//
// Every address is on 127.0.0.1 and every loop is bounded in time; the
// program stops by itself.
package main
