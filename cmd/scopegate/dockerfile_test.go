package main

import (
	"bufio"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDockerfileBuildIsStatic runs the Dockerfile's own `go build` line
// (Docker cannot run here) and checks that the result is a static binary
// that starts: the final image is distroless/static and has no libc.
func TestDockerfileBuildIsStatic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole binary; skipped with -short")
	}
	build := dockerfileBuildLine(t, "../../Dockerfile")
	out := t.TempDir()
	cmdline := strings.ReplaceAll(build, "/out/", out+"/")
	cmdline = strings.ReplaceAll(cmdline, "${VERSION}", "test")
	cmd := exec.Command("sh", "-c", cmdline)
	cmd.Dir = "../.."
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmdline, err, b)
	}
	bin := filepath.Join(out, "scopegate")
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("opening built binary: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("binary has program header %v: it is dynamically linked, the static image cannot run it", p.Type)
		}
	}
	v, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("scopegate version: %v", err)
	}
	if !strings.Contains(string(v), "scopegate test") {
		t.Errorf("scopegate version printed %q, want the -X version %q", v, "scopegate test")
	}
}

// dockerfileBuildLine returns the command of the RUN instruction that
// builds the binary.
func dockerfileBuildLine(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("opening Dockerfile: %v", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if strings.HasPrefix(line, "RUN ") && strings.Contains(line, "go build") {
			if !strings.Contains(line, "CGO_ENABLED=0") {
				t.Fatalf("Dockerfile build line lacks CGO_ENABLED=0: %s", line)
			}
			return strings.TrimPrefix(line, "RUN ")
		}
	}
	t.Fatal("Dockerfile has no RUN line with go build")
	return ""
}
