package pg

import (
	"context"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// WithDatabase returns base (a postgres URL or DSN) pointing at database
// name of the same server instead. A URL keeps its parameters (sslmode,
// session settings such as plan_cache_mode, application_name): a bench or
// test database is reached as base says, not silently with fewer settings.
// Without an sslmode, or from a DSN, the URL says sslmode=disable.
func WithDatabase(base, name string) (string, error) {
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		return "", fmt.Errorf("invalid database URL: %v", redact(err))
	}
	if u, err := url.Parse(base); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path, u.RawPath = "/"+name, ""
		q := u.Query()
		q.Del("dbname") // a URL may name its database this way too
		if q.Get("sslmode") == "" {
			q.Set("sslmode", "disable")
		}
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	u := url.URL{Scheme: "postgres", Host: fmt.Sprintf("%s:%d", cfg.Host, cfg.Port), Path: "/" + name,
		RawQuery: "sslmode=disable"}
	if cfg.Password != "" {
		u.User = url.UserPassword(cfg.User, cfg.Password)
	} else {
		u.User = url.User(cfg.User)
	}
	return u.String(), nil
}

// NewDatabase creates database name on base's server, applies the
// migrations and returns a pool on it with its URL: a database of its own
// for a test or a benchmark. DropDatabase removes it.
func NewDatabase(ctx context.Context, base, name string, maxConns int32) (*pgxpool.Pool, string, error) {
	dbURL, err := WithDatabase(base, name)
	if err != nil {
		return nil, "", err
	}
	pool, err := Connect(ctx, dbURL, maxConns) // creates the missing database
	if err != nil {
		return nil, "", err
	}
	if err := Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, "", err
	}
	return pool, dbURL, nil
}

// DropDatabase drops database name of base's server, disconnecting
// whoever still uses it.
func DropDatabase(ctx context.Context, base, name string) error {
	admin, err := WithDatabase(base, "postgres")
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}
