// Package testenv gives each test package its own freshly migrated Postgres
// database and its own Redis key/channel prefix on the real local services.
// A service that cannot be reached fails the test with a clear message; it
// never skips.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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
		if _, err := pgx.ParseConfig(BaseURL()); err != nil {
			pgErr = fmt.Errorf("test database URL: %w", err)
			return
		}
		pgName = "agentgraph_test_" + RandomSuffix(6)
		pgURL = replaceDB(BaseURL(), pgName)
		pgPool, pgErr = pg.Connect(ctx, pgURL, 20)
		if pgErr != nil {
			return
		}
		pgErr = pg.Migrate(ctx, pgPool)
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

// Main runs the package's tests, then drops its database. Use it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	dropDatabase()
	os.Exit(code)
}

func dropDatabase() {
	if pgPool == nil {
		return
	}
	pgPool.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, replaceDB(BaseURL(), "postgres"))
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{pgName}.Sanitize()+" WITH (FORCE)")
}

// replaceDB swaps the database name in a postgres URL or DSN.
func replaceDB(url, db string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return url
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", userinfo(cfg), cfg.Host, cfg.Port, db)
}

func userinfo(cfg *pgx.ConnConfig) string {
	if cfg.Password == "" {
		return cfg.User
	}
	return cfg.User + ":" + cfg.Password
}
