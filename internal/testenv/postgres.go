// Package testenv gives each test package its own freshly migrated Postgres
// database (and a test its own, when it needs one), its own Redis key and
// channel prefix on the real local services, and the agentgraph binary. A
// service that cannot be reached fails the test with a clear message; it
// never skips.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentgraph/agentgraph/internal/pg"
)

var (
	pgOnce sync.Once
	pgPool *pgxpool.Pool
	pgURL  string
	pgName string
	pgErr  error
)

// BaseURL is the server tests use: TEST_DATABASE_URL, else DATABASE_URL, else local.
func BaseURL() string {
	for _, k := range []string{"TEST_DATABASE_URL", "DATABASE_URL"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return pg.DefaultURL
}

// RandomSuffix returns n random hex bytes, for database names and prefixes.
func RandomSuffix(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Postgres returns a pool on this package's own database, created and migrated
// on first use and dropped by Main when the package's tests end.
func Postgres(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pgOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		pgName = newDatabaseName()
		pgPool, pgURL, pgErr = pg.NewDatabase(ctx, BaseURL(), pgName, 20)
	})
	if pgErr != nil {
		t.Fatalf("testenv: Postgres is required (start it with `make services`): %v", pgErr)
	}
	return pgPool
}

// PostgresURL is the URL of this package's database (after Postgres was called).
func PostgresURL(t testing.TB) string {
	Postgres(t)
	return pgURL
}

// NewDatabase gives one test a freshly migrated database of its own, for
// code that acts on every row of its database (an engine claims any
// runnable run), and returns a pool on it and its URL. Both are closed and
// dropped when the test ends.
func NewDatabase(t testing.TB, maxConns int32) (*pgxpool.Pool, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	name := newDatabaseName()
	pool, url, err := pg.NewDatabase(ctx, BaseURL(), name, maxConns)
	if err != nil {
		t.Fatalf("testenv: Postgres is required (start it with `make services`): %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		dropDatabase(name)
	})
	return pool, url
}

// Main runs the package's tests, then drops its database and removes the
// binary BuildBinary built. Use it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if pgPool != nil {
		pgPool.Close()
		dropDatabase(pgName)
	}
	removeBinary()
	os.Exit(code)
}

func newDatabaseName() string { return "agentgraph_test_" + RandomSuffix(6) }

func dropDatabase(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = pg.DropDatabase(ctx, BaseURL(), name)
}
