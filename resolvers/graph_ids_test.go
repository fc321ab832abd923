package resolvers_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

type versionView struct {
	ID      string
	GraphID string
	Version int
	Nodes   []struct {
		ID           string
		GraphID      string
		GraphVersion int
	}
	Links []struct {
		ID           string
		GraphID      string
		GraphVersion int
	}
	Versions []struct {
		ID      string
		GraphID string
		Version int
	}
}

const versionQuery = `query($id: ID!, $v: Int) { graph(id: $id, version: $v) {
  id graphId version nodes { id graphId graphVersion } links { id graphId graphVersion } versions { id graphId version } } }`

// TestGraphVersionIDs: every version of a graph has an id of its own (so a
// normalising cache keeps versions apart), graphId is the graph's, and so
// are the ids of nodes and links; every argument that names a graph takes
// either id, a version's id naming that version where a version is meant.
func TestGraphVersionIDs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var v1 struct{ ID, GraphID string }
	b.ok(tok, `mutation($in: GraphInput!) { createGraph(input: $in) { id graphId } }`,
		map[string]any{"in": chainGraph("ids", 3)}, "createGraph", &v1)
	gid := v1.GraphID
	upd := `mutation($id: ID!, $in: GraphInput!, $a: Boolean) { updateGraph(id: $id, input: $in, activate: $a) { id graphId version } }`
	var v2, v3 struct {
		ID, GraphID string
		Version     int
	}
	b.ok(tok, upd, map[string]any{"id": gid, "in": chainGraph("ids", 4)}, "updateGraph", &v2)
	b.ok(tok, upd, map[string]any{"id": gid, "in": chainGraph("ids", 5), "a": false}, "updateGraph", &v3)
	require.Equal(t, []string{gid, gid}, []string{v2.GraphID, v3.GraphID})
	require.Equal(t, 3, v3.Version)

	// The active version, by the graph's id.
	var active versionView
	b.ok(tok, versionQuery, map[string]any{"id": gid}, "graph", &active)
	require.Equal(t, v2.ID, active.ID)
	require.Equal(t, gid, active.GraphID)
	require.Equal(t, 2, active.Version)
	require.Len(t, active.Versions, 3)
	seen := map[string]bool{}
	for i, v := range active.Versions {
		require.Equal(t, 3-i, v.Version, "newest first")
		require.Equal(t, gid, v.GraphID)
		require.False(t, seen[v.ID], "version ids are distinct: %v", active.Versions)
		seen[v.ID] = true
	}
	require.Equal(t, []string{v3.ID, v2.ID, v1.ID}, []string{active.Versions[0].ID, active.Versions[1].ID, active.Versions[2].ID})

	// Each version by its own id, with nodes and links of its own.
	nodeIDs, linkIDs := map[string]bool{}, map[string]bool{}
	for version, id := range map[int]string{1: v1.ID, 2: v2.ID, 3: v3.ID} {
		var got versionView
		b.ok(tok, versionQuery, map[string]any{"id": id}, "graph", &got)
		require.Equal(t, id, got.ID)
		require.Equal(t, version, got.Version)
		require.Len(t, got.Nodes, version+2)
		for _, n := range got.Nodes {
			require.Equal(t, gid, n.GraphID)
			require.Equal(t, version, n.GraphVersion)
			require.False(t, nodeIDs[n.ID], "node ids are unique across versions")
			nodeIDs[n.ID] = true
		}
		for _, l := range got.Links {
			require.Equal(t, gid, l.GraphID)
			require.Equal(t, version, l.GraphVersion)
			require.False(t, linkIDs[l.ID], "link ids are unique across versions")
			linkIDs[l.ID] = true
		}
		b.ok(tok, versionQuery, map[string]any{"id": id, "v": version}, "graph", &got)
		require.Equal(t, id, got.ID, "the version argument may repeat the id's")
	}
	r := b.do(tok, versionQuery, map[string]any{"id": v1.ID, "v": 2})
	require.Equal(t, "BAD_USER_INPUT", r.code(), "a version that contradicts the id's")
	require.Contains(t, r.Errors[0].Message, "version")

	// executeGraph: the graph's id runs the active version, a version's id that version.
	run := `mutation($g: ID!, $v: Int) { executeGraph(graphId: $g, version: $v, inputs: {x: 1}) { id graphId graphVersion } }`
	var byGraph, byVersion struct {
		ID, GraphID  string
		GraphVersion int
	}
	b.ok(tok, run, map[string]any{"g": gid}, "executeGraph", &byGraph)
	require.Equal(t, 2, byGraph.GraphVersion)
	b.ok(tok, run, map[string]any{"g": v1.ID}, "executeGraph", &byVersion)
	require.Equal(t, 1, byVersion.GraphVersion)
	require.Equal(t, gid, byVersion.GraphID, "a run names the graph by its own id")
	require.Equal(t, "BAD_USER_INPUT", b.do(tok, run, map[string]any{"g": v1.ID, "v": 3}).code())
	var ran struct{ Graph struct{ ID string } }
	b.ok(tok, `query($id: ID!) { execution(id: $id) { graph { id } } }`, map[string]any{"id": byVersion.ID}, "execution", &ran)
	require.Equal(t, v1.ID, ran.Graph.ID)

	// A version's id names its graph where the graph is meant: a run list
	// of every version, an update, a new active version, a fork of it.
	var runs struct {
		Edges []struct{ Node struct{ ID string } }
	}
	b.ok(tok, `query($g: ID) { executions(graphId: $g) { edges { node { id } } } }`, map[string]any{"g": v3.ID}, "executions", &runs)
	require.Len(t, runs.Edges, 2)
	var v4 struct {
		GraphID string
		Version int
	}
	b.ok(tok, upd, map[string]any{"id": v1.ID, "in": chainGraph("ids", 3)}, "updateGraph", &v4)
	require.Equal(t, gid, v4.GraphID)
	require.Equal(t, 4, v4.Version)
	// setActiveGraphVersion: a version id and a version argument that
	// contradict it are BAD_USER_INPUT, as for every other field, and
	// activate nothing; the graph's id, or the same version's, works.
	var activated struct{ ID string }
	setActive := `mutation($id: ID!, $v: Int!) { setActiveGraphVersion(id: $id, version: $v) { id } }`
	r = b.do(tok, setActive, map[string]any{"id": v3.ID, "v": 1})
	require.Equal(t, "BAD_USER_INPUT", r.code(), "%+v", r.Errors)
	b.ok(tok, versionQuery, map[string]any{"id": gid}, "graph", &active)
	require.Equal(t, 4, active.Version, "nothing activated")
	b.ok(tok, setActive, map[string]any{"id": gid, "v": 1}, "setActiveGraphVersion", &activated)
	require.Equal(t, v1.ID, activated.ID)
	b.ok(tok, setActive, map[string]any{"id": v1.ID, "v": 1}, "setActiveGraphVersion", &activated)
	require.Equal(t, v1.ID, activated.ID)

	// updateGraph by the id of a version that does not exist: NOT_FOUND,
	// and no version stored.
	r = b.do(tok, upd, map[string]any{"id": gid + ":v99", "in": chainGraph("ids", 3)})
	require.Equal(t, "NOT_FOUND", r.code(), "%+v", r.Errors)
	var all versionView
	b.ok(tok, versionQuery, map[string]any{"id": gid}, "graph", &all)
	require.Len(t, all.Versions, 4)

	// version: 0 is not "the active one" anywhere: BAD_USER_INPUT naming it.
	for _, q := range []string{versionQuery,
		`query($id: ID!, $v: Int) { exportGraph(id: $id, version: $v) }`,
		`mutation($id: ID!, $v: Int) { forkGraph(id: $id, version: $v, name: "zero") { id } }`,
		`mutation($id: ID!, $v: Int) { executeGraph(graphId: $id, version: $v, inputs: {x: 1}) { id } }`,
	} {
		r := b.do(tok, q, map[string]any{"id": gid, "v": 0})
		require.Equal(t, "BAD_USER_INPUT", r.code(), "%s: %+v", q, r.Errors)
		require.Equal(t, "version", r.Errors[0].Extensions["field"], q)
	}

	// createSchedule: graphVersion contradicting the version id is
	// BAD_USER_INPUT (not NOT_FOUND), as executeGraph's version.
	sched := `mutation($in: ScheduleInput!) { createSchedule(input: $in) { id graphVersion } }`
	r = b.do(tok, sched, map[string]any{"in": map[string]any{"graphId": v1.ID, "graphVersion": 2, "name": "s", "cron": "0 9 * * *", "inputs": map[string]any{"x": 1}}})
	require.Equal(t, "BAD_USER_INPUT", r.code(), "%+v", r.Errors)
	require.Equal(t, "input.graphVersion", r.Errors[0].Extensions["field"])
	var fork struct {
		ForkedFromID      string
		ForkedFromVersion int
	}
	fk := `mutation($id: ID!, $v: Int) { forkGraph(id: $id, version: $v, name: "ids fork") { forkedFromId forkedFromVersion } }`
	b.ok(tok, fk, map[string]any{"id": v3.ID}, "forkGraph", &fork)
	require.Equal(t, gid, fork.ForkedFromID)
	require.Equal(t, 3, fork.ForkedFromVersion, "the version the id names, not the active one")
	require.Equal(t, "BAD_USER_INPUT", b.do(tok, fk, map[string]any{"id": v3.ID, "v": 2}).code())

	// Ids that look like version ids but are not follow the rule for any
	// malformed id; another user's version ids name nothing of theirs.
	mutation := `mutation($g: ID!) { executeGraph(graphId: $g) { id } }`
	malformed := b.do(tok, mutation, map[string]any{"g": "nope"}).code()
	require.NotEmpty(t, malformed)
	for _, bad := range []string{gid + ":v0", gid + ":vx", gid + ":v01", gid + ":v", gid + ":v-1", gid + ":2"} {
		// A lookup follows the rule for malformed ids too (README, "Errors and ids").
		require.Equal(t, malformed, b.do(tok, versionQuery, map[string]any{"id": bad}).code(), bad)
		require.Equal(t, malformed, b.do(tok, mutation, map[string]any{"g": bad}).code(), bad)
	}
	r = b.do(tok, versionQuery, map[string]any{"id": gid + ":v9"})
	require.Empty(t, r.Errors)
	require.Equal(t, "null", string(r.Data["graph"]), "no such version")
	_, other := b.user(model.RoleUser)
	r = b.do(other, versionQuery, map[string]any{"id": v1.ID})
	require.Empty(t, r.Errors)
	require.Equal(t, "null", string(r.Data["graph"]))
	require.Equal(t, "NOT_FOUND", b.do(other, run, map[string]any{"g": v1.ID}).code())

	// Deleting by a version's id deletes the whole graph.
	b.ok(tok, `mutation($id: ID!) { deleteGraph(id: $id) }`, map[string]any{"id": v2.ID}, "", nil)
	r = b.do(tok, versionQuery, map[string]any{"id": gid})
	require.Empty(t, r.Errors)
	require.Equal(t, "null", string(r.Data["graph"]))
}
