package db

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// GraphSave says where a spec is stored: a new graph (ID nil) or a new
// version of an existing one, and whether the new version becomes active.
type GraphSave struct {
	ID                uuid.UUID // uuid.Nil: a new graph
	Activate          bool
	ForkedFromID      *uuid.UUID
	ForkedFromVersion *int
}

// GraphSaveSpec stores a validated spec as a new graph or a new version,
// with its nodes and links (COPY), in one transaction. A name taken by
// another of the owner's active graphs is a conflict (the seed's index).
func (s *Store) GraphSaveSpec(ctx context.Context, userID uuid.UUID, spec *model.GraphSpec, opt GraphSave) (*model.FullGraph, error) {
	var out *model.FullGraph
	err := s.InTx(ctx, func(tx *Store) (err error) {
		out, err = tx.saveSpec(ctx, userID, spec, opt)
		return err
	})
	return out, err
}

// saveSpec is GraphSaveSpec inside its transaction.
func (s *Store) saveSpec(ctx context.Context, userID uuid.UUID, spec *model.GraphSpec, opt GraphSave) (*model.FullGraph, error) {
	version := int32(1)
	id := opt.ID
	if id == uuid.Nil {
		id = uuid.New()
		opt.Activate = true
	} else {
		rows, err := s.q.GraphLockVersions(ctx, s.db, dbsqlc.GraphLockVersionsParams{ID: id, UserID: userID})
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			return nil, model.NotFound("graph")
		}
		// Not rows' last version: an update that held the lock before this
		// one may have added a version that rows could not see.
		last, err := s.q.GraphLastVersion(ctx, s.db, id)
		if err != nil {
			return nil, err
		}
		version = last + 1
		if opt.Activate {
			if err := s.q.GraphDeactivateAll(ctx, s.db, id); err != nil {
				return nil, err
			}
		}
	}
	p := dbsqlc.GraphInsertParams{
		ID: id, Version: version, UserID: userID, Name: spec.Name, Description: spec.Description,
		IsActive: opt.Activate, IsTemplate: spec.IsTemplate,
	}
	if opt.ForkedFromID != nil {
		p.ForkedFromID = uuid.NullUUID{UUID: *opt.ForkedFromID, Valid: true}
		v := int32(*opt.ForkedFromVersion)
		p.ForkedFromVersion = &v
	}
	row, err := s.q.GraphInsert(ctx, s.db, p)
	if err != nil {
		if code, name := constraint(err); code == codeUniqueViolation && name == "idx_graph_active_version" {
			return nil, model.ConflictError("you already have an active graph named %q", spec.Name)
		}
		return nil, err
	}
	full := &model.FullGraph{Graph: *graphFromRow(row)}
	keyToID := make(map[string]uuid.UUID, len(spec.Nodes))
	nodeRows := make([]dbsqlc.NodeInsertManyParams, len(spec.Nodes))
	for i, n := range spec.Nodes {
		nid := uuid.New()
		keyToID[n.Key] = nid
		def, meta := jsonObject(n.InputDefault), jsonObject(n.Metadata)
		bid, _ := uuid.Parse(n.BlockID)
		nodeRows[i] = dbsqlc.NodeInsertManyParams{
			ID: nid, GraphID: id, GraphVersion: version, NodeKey: n.Key, BlockID: bid, Label: n.Label,
			InputDefault: def, Metadata: meta, PositionX: n.X, PositionY: n.Y,
		}
		full.Nodes = append(full.Nodes, model.Node{ID: nid, GraphID: id, GraphVersion: int(version), Key: n.Key,
			BlockID: bid, Label: n.Label, InputDefault: def, Metadata: meta, X: n.X, Y: n.Y})
	}
	if _, err := s.q.NodeInsertMany(ctx, s.db, nodeRows); err != nil {
		return nil, err
	}
	linkRows := make([]dbsqlc.LinkInsertManyParams, len(spec.Links))
	for i, l := range spec.Links {
		lid := uuid.New()
		linkRows[i] = dbsqlc.LinkInsertManyParams{
			ID: lid, GraphID: id, GraphVersion: version, SourceID: keyToID[l.SourceKey], SinkID: keyToID[l.SinkKey],
			SourceName: l.SourceName, SinkName: l.SinkName, IsStatic: l.IsStatic,
		}
		full.Links = append(full.Links, model.Link{ID: lid, GraphID: id, GraphVersion: int(version),
			SourceID: keyToID[l.SourceKey], SinkID: keyToID[l.SinkKey], SourceName: l.SourceName,
			SinkName: l.SinkName, IsStatic: l.IsStatic})
	}
	if _, err := s.q.LinkInsertMany(ctx, s.db, linkRows); err != nil {
		return nil, err
	}
	if opt.Activate {
		if err := s.syncWebhooks(ctx, id); err != nil {
			return nil, err
		}
	}
	return full, nil
}

func jsonObject(m map[string]any) json.RawMessage {
	if m == nil {
		return json.RawMessage("{}")
	}
	b, _ := json.Marshal(m)
	return b
}

// GraphGet returns a version of a graph, or its active version when version is 0.
// It does not check ownership: callers do (see Readable).
func (s *Store) GraphGet(ctx context.Context, id uuid.UUID, version int) (*model.Graph, error) {
	var row dbsqlc.Graph
	var err error
	if version == 0 {
		row, err = s.q.GraphGetActive(ctx, s.db, id)
	} else {
		row, err = s.q.GraphGetVersion(ctx, s.db, dbsqlc.GraphGetVersionParams{ID: id, Version: int32(version)})
	}
	if err != nil {
		return nil, notFound(err, "graph")
	}
	return graphFromRow(row), nil
}

// GraphLoad returns a graph version with its nodes and links (three statements).
func (s *Store) GraphLoad(ctx context.Context, id uuid.UUID, version int) (*model.FullGraph, error) {
	// The version, its nodes and its links are read in one snapshot: a
	// deleteGraph committing between the reads left a version without
	// nodes (a submit racing it answered NO_NODES instead of NOT_FOUND).
	if _, inTx := s.db.(pgx.Tx); inTx || s.pool == nil {
		return s.graphLoad(ctx, id, version)
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	g, err := (&Store{db: tx, pool: s.pool, q: s.q, authChanges: s.authChanges}).graphLoad(ctx, id, version)
	if err != nil {
		return nil, err
	}
	return g, tx.Commit(ctx)
}

// graphLoad is GraphLoad's reads.
func (s *Store) graphLoad(ctx context.Context, id uuid.UUID, version int) (*model.FullGraph, error) {
	g, err := s.GraphGet(ctx, id, version)
	if err != nil {
		return nil, err
	}
	keys := []model.GraphKey{g.Key()}
	nodes, err := s.NodesByGraphs(ctx, keys)
	if err != nil {
		return nil, err
	}
	links, err := s.LinksByGraphs(ctx, keys)
	if err != nil {
		return nil, err
	}
	return &model.FullGraph{Graph: *g, Nodes: nodes[g.Key()], Links: links[g.Key()]}, nil
}

// GraphSetActive makes one version the active one, in one transaction.
func (s *Store) GraphSetActive(ctx context.Context, userID, id uuid.UUID, version int) (*model.Graph, error) {
	var out *model.Graph
	err := s.InTx(ctx, func(tx *Store) (err error) {
		out, err = tx.setActive(ctx, userID, id, version)
		return err
	})
	return out, err
}

// setActive is GraphSetActive inside its transaction.
func (s *Store) setActive(ctx context.Context, userID, id uuid.UUID, version int) (*model.Graph, error) {
	rows, err := s.q.GraphLockVersions(ctx, s.db, dbsqlc.GraphLockVersionsParams{ID: id, UserID: userID})
	if err != nil {
		return nil, err
	}
	found := false
	for _, r := range rows {
		found = found || int(r.Version) == version
	}
	if !found {
		return nil, model.NotFound("graph version")
	}
	if err := s.q.GraphDeactivateAll(ctx, s.db, id); err != nil {
		return nil, err
	}
	row, err := s.q.GraphActivate(ctx, s.db, dbsqlc.GraphActivateParams{ID: id, Version: int32(version)})
	if err != nil {
		if code, name := constraint(err); code == codeUniqueViolation && name == "idx_graph_active_version" {
			return nil, model.ConflictError("another of your active graphs has this version's name")
		}
		return nil, notFound(err, "graph")
	}
	if err := s.syncWebhooks(ctx, id); err != nil {
		return nil, err
	}
	return graphFromRow(row), nil
}

// GraphDelete deletes every version of the user's graph and its ended
// runs; false if there was none. While a run of it is QUEUED or RUNNING it
// is a CONFLICT, and nothing is deleted (runs a schedule fired ahead of
// their occurrence, not yet due, do not count: they are taken back): deleting a run in progress (the
// runs go with their graph) would take its held reservations with it, and
// its worker, finding the run gone, could settle nothing. The graph's rows
// are locked first, so no run can be stored between the check (a
// statement of its own, whose snapshot sees every run stored before the
// lock) and the delete. Its schedules are locked before it, as the
// scheduler locks them (GraphLockSchedules).
func (s *Store) GraphDelete(ctx context.Context, userID, id uuid.UUID) (bool, error) {
	var found bool
	err := s.InTx(ctx, func(tx *Store) error {
		if err := tx.q.GraphLockSchedules(ctx, tx.db, dbsqlc.GraphLockSchedulesParams{ID: id, UserID: userID}); err != nil {
			return err
		}
		n, err := tx.q.GraphLockForDelete(ctx, tx.db, dbsqlc.GraphLockForDeleteParams{ID: id, UserID: userID})
		if err != nil || n == 0 {
			return err
		}
		// A schedule's run fired ahead of its occurrence is not one the
		// user started or can see running: it goes with the schedule, as
		// a pause or delete of the schedule takes it back.
		if _, err := tx.q.GraphDropRunsAhead(ctx, tx.db, id); err != nil {
			return err
		}
		unended, err := tx.q.GraphUnendedRuns(ctx, tx.db, id)
		if err != nil {
			return err
		}
		switch {
		case unended == 1:
			return model.ConflictError("the graph has a run that has not ended (QUEUED or RUNNING): cancel it first (cancelExecution), or wait for it to end")
		case unended > 1:
			return model.ConflictError("the graph has %d runs that have not ended (QUEUED or RUNNING): cancel them first (cancelExecution), or wait for them to end", unended)
		}
		n, err = tx.q.GraphDelete(ctx, tx.db, dbsqlc.GraphDeleteParams{ID: id, UserID: userID})
		found = n > 0
		return err
	})
	return found, err
}

// GraphFilter narrows GraphList.
type GraphFilter struct {
	NameContains *string
	IsTemplate   *bool
	IsActive     *bool
}

// GraphList pages through the user's graphs (active versions), newest first.
func (s *Store) GraphList(ctx context.Context, userID uuid.UUID, f GraphFilter, after *Cursor, limit int) ([]*model.Graph, error) {
	p := dbsqlc.GraphListByUserParams{UserID: userID, NameLike: likeEscape(f.NameContains), IsTemplate: f.IsTemplate, IsActive: f.IsActive, Lim: int32(limit)}
	if after != nil {
		p.BeforeCreated, p.BeforeID = &after.Time, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	rows, err := s.q.GraphListByUser(ctx, s.db, p)
	return graphsFromRows(rows), err
}

// TemplateList pages through every user's templates, newest first.
func (s *Store) TemplateList(ctx context.Context, nameContains *string, after *Cursor, limit int) ([]*model.Graph, error) {
	p := dbsqlc.GraphListTemplatesParams{NameLike: likeEscape(nameContains), Lim: int32(limit)}
	if after != nil {
		p.BeforeCreated, p.BeforeID = &after.Time, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	rows, err := s.q.GraphListTemplates(ctx, s.db, p)
	return graphsFromRows(rows), err
}

// GraphVersions returns every version of each graph, newest first (one statement).
func (s *Store) GraphVersions(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*model.Graph, error) {
	rows, err := s.q.GraphVersionsByIDs(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID][]*model.Graph, len(ids))
	for _, r := range rows {
		out[r.ID] = append(out[r.ID], graphFromRow(r))
	}
	return out, nil
}

// NodesByGraphs returns the nodes of many graph versions in one statement.
func (s *Store) NodesByGraphs(ctx context.Context, keys []model.GraphKey) (map[model.GraphKey][]model.Node, error) {
	ids, versions := splitKeys(keys)
	rows, err := s.q.NodeListByGraphs(ctx, s.db, dbsqlc.NodeListByGraphsParams{Ids: ids, Versions: versions})
	if err != nil {
		return nil, err
	}
	out := make(map[model.GraphKey][]model.Node, len(keys))
	for _, r := range rows {
		k := model.GraphKey{ID: r.GraphID, Version: int(r.GraphVersion)}
		out[k] = append(out[k], nodeFromRow(r))
	}
	return out, nil
}

// NodesByIDs returns nodes by id (for node executions).
func (s *Store) NodesByIDs(ctx context.Context, ids []uuid.UUID) ([]model.Node, error) {
	rows, err := s.q.NodeGetManyByIDs(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	out := make([]model.Node, len(rows))
	for i, r := range rows {
		out[i] = nodeFromRow(r)
	}
	return out, nil
}

// LinksByGraphs returns the links of many graph versions in one statement.
func (s *Store) LinksByGraphs(ctx context.Context, keys []model.GraphKey) (map[model.GraphKey][]model.Link, error) {
	ids, versions := splitKeys(keys)
	rows, err := s.q.LinkListByGraphs(ctx, s.db, dbsqlc.LinkListByGraphsParams{Ids: ids, Versions: versions})
	if err != nil {
		return nil, err
	}
	out := make(map[model.GraphKey][]model.Link, len(keys))
	for _, r := range rows {
		k := model.GraphKey{ID: r.GraphID, Version: int(r.GraphVersion)}
		out[k] = append(out[k], model.Link{ID: r.ID, GraphID: r.GraphID, GraphVersion: int(r.GraphVersion),
			SourceID: r.SourceID, SinkID: r.SinkID, SourceName: r.SourceName, SinkName: r.SinkName, IsStatic: r.IsStatic})
	}
	return out, nil
}

func splitKeys(keys []model.GraphKey) ([]uuid.UUID, []int32) {
	ids := make([]uuid.UUID, len(keys))
	versions := make([]int32, len(keys))
	for i, k := range keys {
		ids[i], versions[i] = k.ID, int32(k.Version)
	}
	return ids, versions
}

func likeEscape(s *string) *string {
	if s == nil {
		return nil
	}
	r := ""
	for _, c := range *s {
		if c == '%' || c == '_' || c == '\\' {
			r += "\\"
		}
		r += string(c)
	}
	return &r
}

func nodeFromRow(r dbsqlc.Node) model.Node {
	return model.Node{ID: r.ID, GraphID: r.GraphID, GraphVersion: int(r.GraphVersion), Key: r.NodeKey, BlockID: r.BlockID,
		Label: r.Label, InputDefault: r.InputDefault, Metadata: r.Metadata, X: r.PositionX, Y: r.PositionY}
}

func graphsFromRows(rows []dbsqlc.Graph) []*model.Graph {
	out := make([]*model.Graph, len(rows))
	for i, r := range rows {
		out[i] = graphFromRow(r)
	}
	return out
}

func graphFromRow(r dbsqlc.Graph) *model.Graph {
	g := &model.Graph{ID: r.ID, Version: int(r.Version), UserID: r.UserID, Name: r.Name, Description: r.Description,
		IsActive: r.IsActive, IsTemplate: r.IsTemplate, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.ForkedFromID.Valid {
		id := r.ForkedFromID.UUID
		g.ForkedFromID = &id
	}
	if r.ForkedFromVersion != nil {
		v := int(*r.ForkedFromVersion)
		g.ForkedFromVersion = &v
	}
	return g
}
