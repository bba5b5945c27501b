package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// passwordCost is the bcrypt cost of hashes we print. Login checks pay it
// once per attempt; 12 is about a quarter second on current hardware.
const passwordCost = 12

// runHashPassword reads one line (the password) from stdin and prints its
// bcrypt hash for authserver.users[].password_hash.
func runHashPassword(stdin io.Reader, stdout io.Writer) error {
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	switch {
	case password == "":
		return errors.New("empty password on stdin")
	case len(password) > 72:
		// bcrypt ignores everything past 72 bytes; refuse rather than
		// silently accept a password that is not fully checked.
		return errors.New("password longer than 72 bytes: bcrypt would ignore the rest")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), passwordCost)
	if err != nil {
		return fmt.Errorf("hashing password: %w", err)
	}
	fmt.Fprintln(stdout, string(hash))
	return nil
}
