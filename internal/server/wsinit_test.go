package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/wstransport"
	"github.com/agentgraph/agentgraph/resolvers"
)

// A websocket whose token cannot be checked because the store cannot be
// reached (here a Postgres that is not listening; in the tests' full run,
// one out of connections) is closed with 1013 Try Again Later, which
// clients retry, not 4403, which says the token was refused: the web app
// signs out on 4403 and stops reconnecting, so a moment of database
// trouble signed its users out. A token that is refused still gets 4403.
func TestWebsocketInitWhenTheStoreFailsIsTryAgainLater(t *testing.T) {
	t.Parallel()
	pool, err := pgxpool.New(context.Background(), "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	jwt := auth.JWTConfig{Secret: []byte("test-secret-0123456789abcdef")}
	srv := httptest.NewServer(NewHandler(Options{
		Resolver: &resolvers.Resolver{Store: db.New(pool)},
		Auth:     &auth.Authenticator{Store: db.New(pool), JWT: jwt},
		Logger:   slog.New(slog.DiscardHandler),
		Ready:    func(context.Context) error { return nil },
	}))
	t.Cleanup(srv.Close)
	closeOf := func(token string) int {
		t.Helper()
		dialer := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 5 * time.Second}
		conn, resp, err := dialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", nil)
		require.NoError(t, err)
		_ = resp.Body.Close()
		defer conn.Close()
		require.NoError(t, conn.WriteJSON(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + token}}))
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		_, msg, err := conn.ReadMessage()
		var ce *websocket.CloseError
		require.Truef(t, errors.As(err, &ce), "a message instead of the close: %s (err %v)", msg, err)
		return ce.Code
	}
	// A well-signed JWT: checking its user needs the store.
	tok, err := jwt.Sign(uuid.New(), time.Hour)
	require.NoError(t, err)
	require.Equal(t, wstransport.CloseTryAgainLater, closeOf(tok))
	require.Equal(t, wstransport.CloseForbidden, closeOf("not-a-token"))
}
