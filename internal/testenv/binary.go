package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	binDir  string
	binOnce = sync.OnceValues(func() (string, error) {
		dir, err := os.MkdirTemp("", "agentgraph-bin-")
		if err != nil {
			return "", err
		}
		binDir = dir
		bin := filepath.Join(dir, "agentgraph")
		out, err := exec.Command("go", "build", "-o", bin, "github.com/agentgraph/agentgraph/cmd/agentgraph").CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("go build: %v\n%s", err, out)
		}
		return bin, nil
	})
)

// BuildBinary returns the path of this repository's agentgraph binary,
// built on first use and shared by every test of the package run (Main
// removes it at the end).
func BuildBinary(t testing.TB) string {
	t.Helper()
	bin, err := binOnce()
	if err != nil {
		t.Fatalf("testenv: building agentgraph: %v", err)
	}
	return bin
}

func removeBinary() {
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
}
