package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// userCmd: `user create --email E [--name N] [--role R] [--credits C]` creates
// a user and prints a new API key once. User and key are written in one
// transaction: a duplicate or malformed email writes nothing.
func userCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: agentgraph user create --email E [--name N] [--role USER|ADMIN|MODERATOR|DEVELOPER] [--credits C]")
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "email address (required)")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "USER", "USER, ADMIN, MODERATOR or DEVELOPER")
	credits := fs.Int64("credits", 0, "initial credit balance")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%v (usage: user create --email E [--name N] [--role R] [--credits C])", err)
	}
	if *email == "" {
		return fmt.Errorf("--email is required")
	}
	if _, err := db.NormalizeEmail(*email); err != nil {
		return err
	}
	if !model.Role(*role).Valid() {
		return fmt.Errorf("unknown role %q (USER, ADMIN, MODERATOR, DEVELOPER)", *role)
	}
	if *credits < 0 {
		return fmt.Errorf("--credits must not be negative")
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	store, closeStore, err := migratedStore(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	var u *model.User
	secret, prefix, hash := auth.NewAPIKey()
	err = store.InTx(ctx, func(tx *db.Store) error {
		nu := db.NewUser{Email: *email, Role: model.Role(*role)}
		if *name != "" {
			nu.Name = name
		}
		if u, err = tx.UserCreate(ctx, nu); err != nil {
			return err
		}
		_, err = tx.APIKeyCreate(ctx, u.ID, "created by agentgraph user create", prefix, hash)
		return err
	})
	if err != nil {
		return err
	}
	if *credits > 0 {
		if _, err := store.CreditAdd(ctx, u.ID, *credits, "BONUS", "initial credits"); err != nil {
			return err
		}
	}
	fmt.Printf("user %s created (%s, role %s)\n", u.ID, u.Email, u.Role)
	fmt.Printf("API key (shown once, keep it secret):\n%s\n", secret)
	return nil
}
