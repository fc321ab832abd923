package leased_test

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/leased"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// Of two processes running the same job, one works; once it stops, the
// other takes over at its next round, without waiting for the lease to
// expire.
func TestOneHolderAtATimeAndHandOverOnStop(t *testing.T) {
	t.Parallel()
	pool, _ := testenv.NewDatabase(t, 4)
	store := db.New(pool)
	var aRounds, bRounds atomic.Int64
	rounds := make(chan struct{}, 100)
	a := leased.New(store, "test-job", quiet, leased.Options{Interval: time.Hour, AfterRound: func() { rounds <- struct{}{} }},
		func(context.Context) { aRounds.Add(1) })
	b := leased.New(store, "test-job", quiet, leased.Options{Interval: time.Hour}, func(context.Context) { bRounds.Add(1) })
	other := leased.New(store, "another-job", quiet, leased.Options{Interval: time.Hour}, func(context.Context) {})

	a.Start(context.Background())
	t.Cleanup(a.Stop)
	select {
	case <-rounds:
	case <-time.After(30 * time.Second):
		t.Fatal("no first round")
	}
	require.EqualValues(t, 1, aRounds.Load(), "a round at start")
	require.False(t, b.Tick(context.Background()), "a holds the lease")
	require.Zero(t, bRounds.Load())
	require.True(t, other.Tick(context.Background()), "leases are by name")

	a.Stop()
	a.Stop() // idempotent
	require.True(t, b.Tick(context.Background()), "a gave the lease up on Stop")
	require.EqualValues(t, 1, bRounds.Load())
	require.True(t, b.Tick(context.Background()), "the holder renews")
	require.EqualValues(t, 2, bRounds.Load())
}
