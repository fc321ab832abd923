package main

import (
	"context"
	"errors"
	"log/slog"
)

func benchCmd(ctx context.Context, logger *slog.Logger, args []string) error {
	return errors.New("bench: not implemented yet")
}
