package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/autogpt"
	"github.com/agentgraph/agentgraph/internal/graphs"
	"github.com/agentgraph/agentgraph/internal/model"
)

const importUsage = "usage: agentgraph import FILE --user EMAIL [--name NAME]"

// importCmd: `import FILE --user EMAIL [--name N]` stores an AutoGPT agent
// export as graphs of the user with that email, as importGraph does, and
// prints the graph's id and the compatibility report, one line per entry.
// The owner is named by email because that is what an operator knows; the
// command talks to the database directly, like `user create`, so it needs
// no server and no API key.
func importCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("user", "", "email of the user who will own the graphs (required)")
	name := fs.String("name", "", "name of the graph instead of the document's")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%v (%s)", err, importUsage)
	}
	if fs.NArg() == 0 {
		return errors.New(importUsage)
	}
	file := fs.Arg(0)
	// The file may come before the flags, too.
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return fmt.Errorf("%v (%s)", err, importUsage)
	}
	if fs.NArg() > 0 || *email == "" {
		return errors.New(importUsage)
	}
	doc, err := readDocument(file)
	if err != nil {
		return err
	}
	var named *string
	if *name != "" {
		named = name
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	store, closeStore, err := migratedStore(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	u, err := store.UserByEmail(ctx, *email)
	if errors.Is(err, model.ErrNotFound) {
		return fmt.Errorf("no user has the email %s (agentgraph user create --email …)", *email)
	}
	if err != nil {
		return err
	}
	reg := blocks.Builtin()
	svc := graphs.New(store, reg)
	if err := svc.SyncBlocks(ctx); err != nil {
		return err
	}
	res, err := (&autogpt.Service{Graphs: svc, Registry: reg}).Import(ctx, u.ID, doc, named)
	var ve *model.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Fprintf(os.Stderr, "%s: %s\n", p.Code, p.Message)
		}
		return fmt.Errorf("nothing imported: %d problem(s) above", len(ve.Problems))
	}
	if err != nil {
		return err
	}
	fmt.Printf("graph %s %q imported for %s, with %d sub-graph(s)\n", res.Graph.ID, res.Graph.Name, u.Email, len(res.SubGraphs))
	for _, g := range res.SubGraphs {
		fmt.Printf("sub-graph %s %q\n", g.ID, g.Name)
	}
	if len(res.Report) == 0 {
		fmt.Println("report: every node and link was taken as it was")
	}
	for _, e := range res.Report {
		fmt.Printf("%s: %s\n", e.Kind, e.Message)
	}
	return nil
}

// readDocument reads FILE ("-": standard input), refusing more than an
// export may hold before reading it all.
func readDocument(path string) ([]byte, error) {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	doc, err := io.ReadAll(io.LimitReader(r, autogpt.MaxDocumentBytes+1))
	if err != nil {
		return nil, err
	}
	if len(doc) > autogpt.MaxDocumentBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes, the most an export may be", path, autogpt.MaxDocumentBytes)
	}
	return doc, nil
}
