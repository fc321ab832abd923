package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
)

// serverPackage is the product's command, built when no binary is at hand.
const serverPackage = "github.com/agentgraph/agentgraph/cmd/agentgraph"

// serverBinary finds the agentgraph binary `live` launches as the server:
// path if given; else agentgraph beside this binary (`make build bench`
// puts both in bin/); else one built now from this module (so `go run
// ./cmd/agentgraph-bench live` works from a checkout), removed by cleanup.
func serverBinary(ctx context.Context, path string, logger *slog.Logger) (bin string, cleanup func(), err error) {
	cleanup = func() {}
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return "", nil, fmt.Errorf("--server: %w", err)
		}
		return path, cleanup, nil
	}
	if self, err := os.Executable(); err == nil {
		sibling := filepath.Join(filepath.Dir(self), "agentgraph")
		if fi, err := os.Stat(sibling); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return sibling, cleanup, nil
		}
	}
	dir, err := os.MkdirTemp("", "agentgraph-bench-")
	if err != nil {
		return "", nil, err
	}
	bin = filepath.Join(dir, "agentgraph")
	logger.Info("no agentgraph binary beside this one: building it", "package", serverPackage)
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, serverPackage).CombinedOutput(); err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, fmt.Errorf("building %s (run `make build` or pass --server): %v: %s", serverPackage, err, out)
	}
	return bin, func() { _ = os.RemoveAll(dir) }, nil
}
