package livestream_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/livestream"
	"github.com/agentgraph/agentgraph/internal/model"
)

// changes records what a graph stream hands over.
type changes chan livestream.RunChange

func (c changes) Changed(rc livestream.RunChange) { c <- rc }

func (c changes) next(t *testing.T) livestream.RunChange {
	t.Helper()
	select {
	case rc := <-c:
		return rc
	case <-time.After(waitTimeout):
		t.Fatal("the graph stream handed over nothing")
		return livestream.RunChange{}
	}
}

// A graph's stream reports the status changes of the user's runs only, and
// a change reads the run as stored when it is read, not as it was when the
// change happened.
func TestGraphStreamsTheUsersRunsReadOnDelivery(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u, other := f.user(), f.user()
	g := f.graph(u)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	got := make(changes, 100)
	f.streams(noQuiet).Graph(ctx, g.ID, u.ID, got)

	theirs := f.start(g, other) // e.g. a template's other users
	mine := f.start(g, u)
	f.publish(theirs.commit(1, model.StatusCompleted)...)
	evs := mine.commit(2, model.StatusCompleted) // a node event, then the end
	f.publish(evs...)
	rc := got.next(t)
	require.Equal(t, mine.exec.ID, rc.ID)
	e, err := rc.Read(ctx)
	require.NoError(t, err)
	require.Equal(t, model.StatusCompleted, e.Status)
	require.EqualValues(t, 4, e.LastSeq)
	select {
	case rc := <-got:
		t.Fatalf("unexpected change of %s", rc.ID)
	default:
	}

	// A reconnect needs no replay: nothing is handed over for it.
	f.killHubConnection()
	again := f.start(g, u)
	f.publish(again.commit(1, model.StatusFailed)...)
	require.Equal(t, again.exec.ID, got.next(t).ID)
}
