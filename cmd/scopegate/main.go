// Command scopegate runs an OAuth 2.0 authorization server and a gateway
// that enforces a per-route scope policy in front of unmodified HTTP
// backends. It is the only package that reads the environment, installs
// signal handlers or exits; everything else is wired here.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// errUsage marks errors caused by a bad command line; main prints the usage.
var errUsage = errors.New("usage")

// exitError carries an exit status without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

const usage = `scopegate: OAuth 2.0 authorization server and scope-checking gateway

Usage:
  scopegate serve   [--config FILE]     run the authorization server and gateway
  scopegate check   [--config FILE]     validate config and policy; exit 1 on any problem
  scopegate explain [--config FILE] [--token JWT | --scopes "a b" --sub ID --items T:ID,ID]
                    [--header "NAME: VALUE"]... METHOD URL
                                        show which route matches and what the gateway answers
  scopegate hash-password               read a password on stdin, print a bcrypt hash
  scopegate demo    [flags]             run the photo-printing scenario on this machine
  scopegate demo-api [--listen ADDR]    serve the demo's photo API alone (deploy/docker-compose.yaml)
  scopegate version                     print version and build information

The default config file is scopegate.yaml.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	var exit exitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		os.Exit(exit.code)
	case errors.Is(err, errUsage):
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "scopegate:", err)
		os.Exit(1)
	}
}

// run dispatches a subcommand. It is main without the process: tests call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return interrupted(ctx, runServe(ctx, rest, stdout, stderr))
	case "check":
		return runCheck(rest, stdout, stderr)
	case "explain":
		return runExplain(ctx, rest, stdout)
	case "hash-password":
		return runHashPassword(stdin, stdout)
	case "demo":
		return interrupted(ctx, runDemo(ctx, rest, stdout, stderr))
	case "demo-api":
		return runDemoAPI(ctx, rest, stdout, stderr)
	case "version", "--version", "-version":
		return runVersion(stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q: %w", cmd, errUsage)
}

// interrupted turns the error of a start cut short by Ctrl-C (ctx cancelled
// while the store or keys were still loading) into a clean exit: the user
// asked to stop, and nothing failed.
func interrupted(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
