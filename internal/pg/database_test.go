package pg_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/pg"
)

// TestWithDatabaseKeepsTheURLsSettings: a bench's or a test's database is
// reached with every setting of the URL it was derived from. It used to
// keep only the server and the user, which voided a comparison of
// plan_cache_mode set in DATABASE_URL and would refuse a server that
// requires TLS.
func TestWithDatabaseKeepsTheURLsSettings(t *testing.T) {
	for _, c := range []struct{ base, want string }{
		{"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable&plan_cache_mode=force_custom_plan",
			"postgres://postgres@127.0.0.1:5432/bench_1?plan_cache_mode=force_custom_plan&sslmode=disable"},
		{"postgresql://u:s%40cret@db.example.com:6432/app?sslmode=require&application_name=agentgraph",
			"postgresql://u:s%40cret@db.example.com:6432/bench_1?application_name=agentgraph&sslmode=require"},
		{"postgres://postgres@127.0.0.1:5432/postgres", "postgres://postgres@127.0.0.1:5432/bench_1?sslmode=disable"},
		{"postgres://postgres@127.0.0.1/?dbname=app", "postgres://postgres@127.0.0.1/bench_1?sslmode=disable"},
		{"host=127.0.0.1 port=5432 user=postgres dbname=app", "postgres://postgres@127.0.0.1:5432/bench_1?sslmode=disable"},
	} {
		got, err := pg.WithDatabase(c.base, "bench_1")
		require.NoError(t, err, c.base)
		require.Equal(t, c.want, got, c.base)
	}
	_, err := pg.WithDatabase("postgres://[::1", "bench_1")
	require.Error(t, err)
}
