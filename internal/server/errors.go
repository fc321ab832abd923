package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/agentgraph/agentgraph/internal/model"
)

// Codes are the extensions.code values of DESIGN.md.
const (
	CodeUnauthenticated     = "UNAUTHENTICATED"
	CodeForbidden           = "FORBIDDEN"
	CodeNotFound            = "NOT_FOUND"
	CodeBadUserInput        = "BAD_USER_INPUT"
	CodeValidationFailed    = "VALIDATION_FAILED"
	CodeInsufficientCredits = "INSUFFICIENT_CREDITS"
	CodeConflict            = "CONFLICT"
	CodeRateLimited         = "RATE_LIMITED"
	CodeInternal            = "INTERNAL"
)

// presentError maps a domain error to a GraphQL error with extensions.code.
// Unknown errors become INTERNAL with a generic message: internals never leak.
func presentError(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		if gerr.Extensions != nil && gerr.Extensions["code"] != nil {
			// gqlgen says "operation  not found" when no operationName was
			// sent and the document does not hold exactly one operation.
			if gerr.Message == "operation  not found" {
				gerr.Message = "operationName must name the operation to run: the document does not hold exactly one"
			}
			return gerr // parser, validation and complexity errors already carry a code
		}
		if gerr.Extensions == nil {
			gerr.Extensions = map[string]any{}
		}
		var ie *model.InputError
		if arg, ok := argumentError(ctx, gerr); ok {
			// Reading an argument failed: always the input's fault.
			what := gerr.Message
			if errors.As(err, &ie) {
				what = ie.Message
			}
			gerr.Message = arg + ": " + what
			gerr.Extensions["code"] = CodeBadUserInput
			gerr.Extensions["field"] = arg
			return gerr
		}
		// gqlgen hands resolver errors over wrapped in a gqlerror.Error whose
		// Error() is "input:1:12: path message"; its Message is the bare
		// message (positions and path have their own members).
		code, msg := classify(err, gerr.Message)
		if code == CodeInternal && !errors.Is(err, context.Canceled) {
			logger.ErrorContext(ctx, "internal error", "path", gerr.Path.String(), "err", err)
			msg = "internal error"
		}
		gerr.Message = msg
		gerr.Extensions["code"] = code
		var ve *model.ValidationError
		if errors.As(err, &ve) {
			gerr.Extensions["problems"] = problemsJSON(ve.Problems)
		}
		if errors.As(err, &ie) && ie.Field != "" {
			gerr.Extensions["field"] = ie.Field
		}
		return gerr
	}
}

// classify picks the code of err, and the message to show: msg, err's own
// message, unless a typed error has a better one.
func classify(err error, msg string) (string, string) {
	var ve *model.ValidationError
	var ie *model.InputError
	switch {
	case errors.As(err, &ve):
		return CodeValidationFailed, ve.Error()
	case errors.As(err, &ie):
		return CodeBadUserInput, ie.Error()
	case errors.Is(err, model.ErrUnauthenticated):
		return CodeUnauthenticated, msg
	case errors.As(err, new(*model.PermissionError)):
		return CodeForbidden, msg
	case errors.Is(err, model.ErrForbidden):
		return CodeForbidden, "forbidden: this needs another role"
	case errors.Is(err, model.ErrNotFound):
		return CodeNotFound, msg
	case errors.Is(err, model.ErrInsufficientCredits):
		return CodeInsufficientCredits, msg
	case errors.Is(err, model.ErrConflict):
		return CodeConflict, msg
	case errors.Is(err, context.DeadlineExceeded):
		return CodeInternal, "timeout"
	}
	return CodeInternal, msg
}

func problemsJSON(ps []model.Problem) []map[string]any {
	out := make([]map[string]any, len(ps))
	for i, p := range ps {
		m := map[string]any{"code": string(p.Code), "message": p.Message, "nodeKeys": p.NodeKeys}
		if p.NodeKeys == nil {
			m["nodeKeys"] = []string{}
		}
		if p.LinkIndex != nil {
			m["linkIndex"] = *p.LinkIndex
		}
		if p.Pin != "" {
			m["pin"] = p.Pin
		}
		out[i] = m
	}
	return out
}

// recoverPanic turns a resolver panic into INTERNAL, logging the detail.
func recoverPanic(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "resolver panic", "panic", fmt.Sprint(p))
		return errors.New("internal error")
	}
}
