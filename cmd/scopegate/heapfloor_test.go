package main

import (
	"runtime"
	rtmetrics "runtime/metrics"
	"testing"
)

func TestHeapFloor(t *testing.T) {
	for _, k := range []string{"GOGC", "GOMEMLIMIT"} {
		env := func(name string) (string, bool) { return "100", name == k }
		if setHeapFloor(env) {
			t.Errorf("with %s set, setHeapFloor = true; want the operator's pacing alone", k)
		}
	}
	if !setHeapFloor(func(string) (string, bool) { return "", false }) {
		t.Fatal("setHeapFloor = false without GOGC or GOMEMLIMIT")
	}
	if len(ballast) != heapFloor {
		t.Fatalf("ballast holds %d bytes; want %d", len(ballast), heapFloor)
	}
	// The collector's goal counts the floor as live heap, so it is at
	// least twice the floor (GOGC=100) whatever else the tests hold.
	runtime.GC()
	s := []rtmetrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	rtmetrics.Read(s)
	if goal := s[0].Value.Uint64(); goal < 2*heapFloor {
		t.Errorf("heap goal %d bytes; want at least %d", goal, 2*heapFloor)
	}
}
