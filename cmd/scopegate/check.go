package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

// runCheck validates the config file and its policy without starting
// anything. Every problem is printed as FILE:LINE:COL: message.
func runCheck(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "scopegate.yaml", "config file")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("check takes no arguments: %w", errUsage)
	}
	f, _, err := loadConfigFile(*path, os.LookupEnv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitError{1}
	}
	// Warnings do not fail the check: the config is valid, but the
	// operator should look.
	for _, w := range f.Warnings() {
		fmt.Fprintf(stderr, "%s: warning: %s\n", w.Pos, w.Message)
	}
	fmt.Fprintf(stdout, "%s: ok (%d routes, %d upstreams, %d clients)\n",
		f.Path, len(f.Policy.Routes()), len(f.Gateway.Upstreams), len(f.AuthServer.Clients))
	return nil
}
