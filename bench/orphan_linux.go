package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill cmd when the bench process dies
// without running its deferred stops (a signal, a closed pipe), so no
// server is left running pinned to CPU 0. taskset keeps the setting
// across its exec.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
