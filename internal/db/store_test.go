package db_test

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// TestInTx: a transaction commits what fn did, or nothing when fn fails; a
// nested one is a savepoint that fails alone.
func TestInTx(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	email := func() string { return "tx" + testenv.RandomSuffix(6) + "@example.com" }
	exists := func(u *model.User) bool {
		_, err := s.UserGet(ctx, u.ID)
		if errors.Is(err, model.ErrNotFound) {
			return false
		}
		require.NoError(t, err)
		return true
	}

	var kept, dropped, inner *model.User
	boom := errors.New("boom")
	err := s.InTx(ctx, func(tx *db.Store) (err error) {
		kept, err = tx.UserCreate(ctx, db.NewUser{Email: email()})
		return err
	})
	require.NoError(t, err)
	require.True(t, exists(kept))

	err = s.InTx(ctx, func(tx *db.Store) (err error) {
		if dropped, err = tx.UserCreate(ctx, db.NewUser{Email: email()}); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.False(t, exists(dropped), "rolled back")

	err = s.InTx(ctx, func(tx *db.Store) (err error) {
		if kept, err = tx.UserCreate(ctx, db.NewUser{Email: email()}); err != nil {
			return err
		}
		err = tx.InTx(ctx, func(tx *db.Store) (err error) {
			if inner, err = tx.UserCreate(ctx, db.NewUser{Email: email()}); err != nil {
				return err
			}
			return boom
		})
		require.ErrorIs(t, err, boom)
		return nil
	})
	require.NoError(t, err)
	require.True(t, exists(kept), "the outer transaction commits")
	require.False(t, exists(inner), "the failed savepoint does not")
}

// TestBlockSync: the code's blocks and their costs are written; a block no
// longer in the code stays, disabled (stored nodes reference it). A
// database of its own: a sync disables every block it was not given.
func TestBlockSync(t *testing.T) {
	t.Parallel()
	b := setup(t, true)
	s, ctx := b.store, b.ctx
	priced := db.BlockDescriptor{ID: uuid.New(), Name: "PricedBlock", Description: "costs", Type: "AI",
		Categories: []string{"AI", "TEXT"}, InputSchema: json.RawMessage(`{"type":"object"}`),
		OutputSchema: json.RawMessage(`{}`), CredentialProviders: []string{"openai"},
		Costs: []db.BlockCost{{Type: "RUN", Amount: 5, Currency: "USD", Filter: json.RawMessage(`{}`), Description: "per run"},
			{Type: "TOKEN", Amount: 1, Currency: "USD", Filter: json.RawMessage(`{"model":"big"}`)}}}
	require.NoError(t, s.BlockSync(ctx, append([]db.BlockDescriptor{priced}, testBlocks...)))

	type row struct {
		Name, Type        string
		Categories, Creds []string
		Disabled          bool
		Costs             []string
	}
	read := func(id uuid.UUID) row {
		var r row
		require.NoError(t, b.pool.QueryRow(ctx, `SELECT name, block_type::text, categories, credential_providers, disabled,
			coalesce((SELECT array_agg(cost_type || ' ' || cost_amount || ' ' || cost_filter::text ORDER BY cost_type)
			          FROM block_costs WHERE block_id = $1), '{}')
			FROM blocks WHERE id = $1`, id).Scan(&r.Name, &r.Type, &r.Categories, &r.Creds, &r.Disabled, &r.Costs))
		return r
	}
	require.Equal(t, row{Name: "PricedBlock", Type: "AI", Categories: []string{"AI", "TEXT"}, Creds: []string{"openai"},
		Costs: []string{`RUN 5 {}`, `TOKEN 1 {"model": "big"}`}}, read(priced.ID))

	priced.Costs = priced.Costs[:1]
	require.NoError(t, s.BlockSync(ctx, []db.BlockDescriptor{priced}))
	require.Equal(t, []string{`RUN 5 {}`}, read(priced.ID).Costs, "costs are replaced")
	require.True(t, read(blockA).Disabled, "a block gone from the code is disabled")
	require.NoError(t, s.BlockSync(ctx, testBlocks))
	require.False(t, read(blockA).Disabled, "and enabled again when it comes back")
	require.True(t, read(priced.ID).Disabled)
}

// TestEveryStoreMethodIsCalledByATest: each exported method of the store
// is called by name from at least one test of the module, so a method
// cannot ship without one. (By name: a test calling another type's method
// of the same name would satisfy it, which the store's Noun+Verb names make
// unlikely.)
func TestEveryStoreMethodIsCalledByATest(t *testing.T) {
	t.Parallel()
	called := map[string]bool{}
	fset := token.NewFileSet()
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok {
				if sel, ok := c.Fun.(*ast.SelectorExpr); ok {
					called[sel.Sel.Name] = true
				}
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	var missing []string
	for _, typ := range []reflect.Type{reflect.TypeOf(&db.Store{}), reflect.TypeOf(&db.Listener{})} {
		for i := range typ.NumMethod() {
			if name := typ.Method(i).Name; !called[name] {
				missing = append(missing, typ.Elem().Name()+"."+name)
			}
		}
	}
	require.Empty(t, missing, "store methods no test calls")
}

// AutovacuumOn reads the server's setting (what serve warns about when off).
func TestAutovacuumOn(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	var want bool
	require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT setting = 'on' FROM pg_settings WHERE name = 'autovacuum'").Scan(&want))
	got, err := b.store.AutovacuumOn(b.ctx)
	require.NoError(t, err)
	require.Equal(t, want, got)
}
