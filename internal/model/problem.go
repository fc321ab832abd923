package model

import (
	"fmt"
	"strings"
)

// ProblemCode names one kind of graph problem (DESIGN.md's validation codes).
type ProblemCode string

const (
	ProblemNoNodes         ProblemCode = "NO_NODES"
	ProblemUnknownBlock    ProblemCode = "UNKNOWN_BLOCK"
	ProblemUnknownNode     ProblemCode = "UNKNOWN_NODE"
	ProblemUnknownPin      ProblemCode = "UNKNOWN_PIN"
	ProblemCycle           ProblemCode = "CYCLE"
	ProblemNoEntryNode     ProblemCode = "NO_ENTRY_NODE"
	ProblemUnreachableNode ProblemCode = "UNREACHABLE_NODE"
	ProblemInvalidDefault  ProblemCode = "INVALID_DEFAULT"
	ProblemMissingInput    ProblemCode = "MISSING_INPUT"
	ProblemDuplicateName   ProblemCode = "DUPLICATE_NAME"
	ProblemDuplicateLink   ProblemCode = "DUPLICATE_LINK"
)

// Problem is one thing wrong with a graph; nodes are named by their keys.
type Problem struct {
	Code      ProblemCode
	Message   string
	NodeKeys  []string
	LinkIndex *int
	Pin       string
}

// ValidationError carries every problem of a refused graph.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	msgs := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		msgs = append(msgs, p.Message)
	}
	return fmt.Sprintf("graph is invalid: %s", strings.Join(msgs, "; "))
}
