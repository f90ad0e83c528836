package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"communs/ent/schema/pulid"
	"communs/internal/auth"
)

func runUser(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		args = []string{"create", "--help"}
	}
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprint(os.Stderr, "Usage: communs user create --email EMAIL --role ROLE [--member MEMBER_ID] [--name NAME]\n")
		return errUsage
	}
	fs := newFlagSet("user create", "create an active account with a password and one role (how the first gsm_admin is made)")
	var db dbFlags
	db.register(fs)
	email := fs.String("email", "", "the account's email (required)")
	name := fs.String("name", "", "the account's display name")
	role := fs.String("role", "", "gsm_admin, gsm_staff, gsm_cil, member_admin, member_staff, member_cil or member_viewer (required)")
	memberID := fs.String("member", "", "the member's id, for a member_* role")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *email == "" || *role == "" {
		fs.Usage()
		return errUsage
	}
	password, err := readPassword(out)
	if err != nil {
		return err
	}
	store, err := db.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	var member *pulid.ID
	if *memberID != "" {
		member = (*pulid.ID)(memberID)
	}
	acc, err := auth.New(store.Client).CreateAccount(ctx, *email, password, *name, *role, member)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "created account %s (%s) with role %s\n", acc.Email, acc.ID, *role)
	return err
}

// readPassword takes the password from COMMUNS_PASSWORD, or asks for it
// twice on a terminal without echoing it.
func readPassword(out io.Writer) (string, error) {
	if p, ok := os.LookupEnv("COMMUNS_PASSWORD"); ok {
		return p, nil
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return "", errors.New("no password: set COMMUNS_PASSWORD or run on a terminal")
	}
	ask := func(prompt string) (string, error) {
		fmt.Fprint(out, prompt)
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(out)
		return string(b), err
	}
	first, err := ask("Password (at least 12 characters): ")
	if err != nil {
		return "", err
	}
	again, err := ask("Again: ")
	if err != nil {
		return "", err
	}
	if first != again {
		return "", errors.New("the two passwords differ")
	}
	return first, nil
}
