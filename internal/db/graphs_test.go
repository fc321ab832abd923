package db_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// TestGraphVersions: a graph's versions, which one is active, and what
// each holds.
func TestGraphVersions(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	u, other := b.user(), b.user()

	v1 := b.graph(u)
	require.Equal(t, 1, v1.Version)
	require.True(t, v1.IsActive, "a new graph is active")
	require.Len(t, v1.Nodes, 2)
	require.Len(t, v1.Links, 1)
	require.Equal(t, v1.Nodes[0].ID, v1.Links[0].SourceID)
	require.Equal(t, v1.Nodes[1].ID, v1.Links[0].SinkID)

	sp := spec(v1.Name)
	sp.Nodes = append(sp.Nodes, model.NodeSpec{Key: "c", BlockID: blockB.String()})
	v2, err := s.GraphSaveSpec(ctx, u.ID, sp, db.GraphSave{ID: v1.ID})
	require.NoError(t, err)
	require.Equal(t, 2, v2.Version)
	require.False(t, v2.IsActive, "a new version is not activated unless asked")
	_, err = s.GraphSaveSpec(ctx, other.ID, sp, db.GraphSave{ID: v1.ID})
	require.ErrorIs(t, err, model.ErrNotFound, "another user's graph")
	_, err = s.GraphSaveSpec(ctx, u.ID, spec(v1.Name), db.GraphSave{})
	require.ErrorIs(t, err, model.ErrConflict, "an active name is unique per owner")

	active, err := s.GraphGet(ctx, v1.ID, 0)
	require.NoError(t, err)
	require.Equal(t, 1, active.Version)
	got, err := s.GraphGet(ctx, v1.ID, 2)
	require.NoError(t, err)
	require.Equal(t, v2.Graph, *got)
	_, err = s.GraphGet(ctx, v1.ID, 3)
	require.ErrorIs(t, err, model.ErrNotFound)

	g, err := s.GraphSetActive(ctx, u.ID, v1.ID, 2)
	require.NoError(t, err)
	require.True(t, g.IsActive)
	require.Equal(t, 2, g.Version)
	_, err = s.GraphSetActive(ctx, u.ID, v1.ID, 7)
	require.ErrorIs(t, err, model.ErrNotFound)
	_, err = s.GraphSetActive(ctx, other.ID, v1.ID, 1)
	require.ErrorIs(t, err, model.ErrNotFound)
	active, err = s.GraphGet(ctx, v1.ID, 0)
	require.NoError(t, err)
	require.Equal(t, 2, active.Version)

	full, err := s.GraphLoad(ctx, v1.ID, 0)
	require.NoError(t, err)
	require.Equal(t, normalized(v2.Nodes), normalized(full.Nodes))
	require.Equal(t, v2.Links, full.Links)

	versions, err := s.GraphVersions(ctx, []uuid.UUID{v1.ID, uuid.New()})
	require.NoError(t, err)
	require.Len(t, versions, 1)
	require.Equal(t, []int{2, 1}, []int{versions[v1.ID][0].Version, versions[v1.ID][1].Version}, "newest first")

	k1, k2 := model.GraphKey{ID: v1.ID, Version: 1}, model.GraphKey{ID: v1.ID, Version: 2}
	nodes, err := s.NodesByGraphs(ctx, []model.GraphKey{k1, k2})
	require.NoError(t, err)
	require.Equal(t, normalized(v1.Nodes), normalized(nodes[k1]))
	require.Equal(t, normalized(v2.Nodes), normalized(nodes[k2]))
	links, err := s.LinksByGraphs(ctx, []model.GraphKey{k1, k2})
	require.NoError(t, err)
	require.Equal(t, v1.Links, links[k1])
	require.Equal(t, v2.Links, links[k2])
	byID, err := s.NodesByIDs(ctx, []uuid.UUID{v1.Nodes[1].ID, v2.Nodes[2].ID, uuid.New()})
	require.NoError(t, err)
	require.ElementsMatch(t, normalized([]model.Node{v1.Nodes[1], v2.Nodes[2]}), normalized(byID))

	ok, err := s.GraphDelete(ctx, other.ID, v1.ID)
	require.NoError(t, err)
	require.False(t, ok, "only the owner deletes")
	ok, err = s.GraphDelete(ctx, u.ID, v1.ID)
	require.NoError(t, err)
	require.True(t, ok)
	_, err = s.GraphGet(ctx, v1.ID, 1)
	require.ErrorIs(t, err, model.ErrNotFound, "every version is gone")
}

// TestGraphLists: a user's graphs and everyone's templates, filtered and
// paged newest first.
func TestGraphLists(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	u, other := b.user(), b.user()
	tag := testenv.RandomSuffix(4)
	save := func(owner *model.User, name string, template bool) *model.FullGraph {
		sp := spec(name)
		sp.IsTemplate = template
		g, err := s.GraphSaveSpec(ctx, owner.ID, sp, db.GraphSave{})
		require.NoError(t, err)
		return g
	}
	plain := save(u, "plain "+tag, false)
	tmpl := save(u, "template_"+tag, true)
	third := save(u, "third "+tag, false)
	othersTmpl := save(other, "template_"+tag, true)

	all, err := s.GraphList(ctx, u.ID, db.GraphFilter{}, nil, 10)
	require.NoError(t, err)
	graphIDs := func(gs []*model.Graph) []uuid.UUID { return ids(gs, func(g *model.Graph) uuid.UUID { return g.ID }) }
	require.Equal(t, []uuid.UUID{third.ID, tmpl.ID, plain.ID}, graphIDs(all), "the user's own, newest first")
	yes := true
	onlyTemplates, err := s.GraphList(ctx, u.ID, db.GraphFilter{IsTemplate: &yes}, nil, 10)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{tmpl.ID}, graphIDs(onlyTemplates))
	underscore := "e_" + tag // "_" matches itself, not any character
	named, err := s.GraphList(ctx, u.ID, db.GraphFilter{NameContains: &underscore}, nil, 10)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{tmpl.ID}, graphIDs(named))
	page, err := s.GraphList(ctx, u.ID, db.GraphFilter{}, nil, 2)
	require.NoError(t, err)
	last := page[1]
	page, err = s.GraphList(ctx, u.ID, db.GraphFilter{}, &db.Cursor{Time: last.CreatedAt, ID: last.ID}, 2)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{plain.ID}, graphIDs(page))

	templates, err := s.TemplateList(ctx, &underscore, nil, 10)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{othersTmpl.ID, tmpl.ID}, graphIDs(templates), "every user's templates")
	templates, err = s.TemplateList(ctx, &underscore, &db.Cursor{Time: othersTmpl.CreatedAt, ID: othersTmpl.ID}, 10)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{tmpl.ID}, graphIDs(templates))
}

// TestGraphConcurrentUpdates: updates of one graph at the same moment each
// store a version of their own, numbered one after another (each waits for
// the one before instead of reusing its number and failing).
func TestGraphConcurrentUpdates(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	u := b.user()
	v1 := b.graph(u)
	const n = 8
	versions := make(chan int, n)
	errs := make(chan error, n)
	for i := range n {
		go func() {
			g, err := b.store.GraphSaveSpec(b.ctx, u.ID, spec(v1.Name), db.GraphSave{ID: v1.ID, Activate: i%2 == 0})
			if err != nil {
				errs <- err
				return
			}
			versions <- g.Version
		}()
	}
	seen := map[int]bool{}
	for range n {
		select {
		case err := <-errs:
			t.Fatalf("a concurrent update failed: %v", err)
		case v := <-versions:
			require.False(t, seen[v], "version %d stored twice", v)
			seen[v] = true
		}
	}
	for v := 2; v <= n+1; v++ {
		require.True(t, seen[v], "version %d is missing", v)
	}
}

// A graph with a run QUEUED or RUNNING is not deleted (CONFLICT, nothing
// changed): its runs would go with it, their reservations held and never
// settled. Once they end, it is deleted with them.
func TestGraphDeleteWaitsForItsRunsToEnd(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	u := b.user()
	g := b.graph(u)
	queued := b.queued(u, g)
	running := b.running(u, g, "worker-a")
	for _, ended := range []*model.GraphExecution{nil, queued} {
		said := "has 2 runs that have not ended"
		if ended != nil {
			_, err := s.ExecutionCancelQueued(ctx, u.ID, ended.ID)
			require.NoError(t, err)
			said = "has a run that has not ended"
		}
		ok, err := s.GraphDelete(ctx, u.ID, g.ID)
		require.ErrorIs(t, err, model.ErrConflict)
		require.Contains(t, err.Error(), said)
		require.False(t, ok)
		_, err = s.GraphGet(ctx, g.ID, 1)
		require.NoError(t, err, "nothing deleted")
		_, err = s.ExecutionGet(ctx, running.ID)
		require.NoError(t, err, "nor its runs")
	}
	_, err := b.pool.Exec(ctx, `UPDATE graph_executions SET status = 'COMPLETED' WHERE id = $1`, running.ID)
	require.NoError(t, err)
	// A run a schedule fired ahead of its occurrence (QUEUED, not due)
	// does not hold the graph: it is taken back.
	ahead := b.queued(u, g)
	_, err = b.pool.Exec(ctx, `UPDATE graph_executions SET not_before = now() + interval '10 seconds' WHERE id = $1`, ahead.ID)
	require.NoError(t, err)
	ok, err := s.GraphDelete(ctx, u.ID, g.ID)
	require.NoError(t, err)
	require.True(t, ok)
	for _, id := range []uuid.UUID{running.ID, ahead.ID} {
		_, err = s.ExecutionGet(ctx, id)
		require.ErrorIs(t, err, model.ErrNotFound, "ended and not-yet-due runs go with their graph")
	}
}
