-- name: NodeInsertMany :copyfrom
INSERT INTO nodes (id, graph_id, graph_version, node_key, block_id, label, input_default, metadata,
                   position_x, position_y)
VALUES (@id, @graph_id, @graph_version, @node_key, @block_id, @label, @input_default, @metadata,
        @position_x, @position_y);

-- name: NodeListByGraphs :many
-- Nodes of many graph versions in one statement (the nodes dataloader).
SELECT n.* FROM nodes n
JOIN (SELECT unnest(@ids::uuid[]) AS id, unnest(@versions::int[]) AS version) k
  ON n.graph_id = k.id AND n.graph_version = k.version
ORDER BY n.graph_id, n.graph_version, n.node_key;

-- name: NodeGetManyByIDs :many
SELECT * FROM nodes WHERE id = ANY(@ids::uuid[]);

-- name: NodeListWithLinksByGraphs :many
-- Nodes of many graph versions, each with the links into it, in one
-- statement (the graph-parts dataloader): every link of a version ends at
-- one of its nodes, so the version's links come whole, as parallel arrays.
SELECT sqlc.embed(n),
       coalesce(array_agg(l.id ORDER BY l.id) FILTER (WHERE l.id IS NOT NULL), '{}')::uuid[] AS link_ids,
       coalesce(array_agg(l.source_id ORDER BY l.id) FILTER (WHERE l.id IS NOT NULL), '{}')::uuid[] AS link_sources,
       coalesce(array_agg(l.source_name ORDER BY l.id) FILTER (WHERE l.id IS NOT NULL), '{}')::text[] AS link_source_names,
       coalesce(array_agg(l.sink_name ORDER BY l.id) FILTER (WHERE l.id IS NOT NULL), '{}')::text[] AS link_sink_names,
       coalesce(array_agg(l.is_static ORDER BY l.id) FILTER (WHERE l.id IS NOT NULL), '{}')::boolean[] AS link_statics
FROM nodes n
JOIN (SELECT unnest(@ids::uuid[]) AS id, unnest(@versions::int[]) AS version) k
  ON n.graph_id = k.id AND n.graph_version = k.version
LEFT JOIN links l ON l.sink_id = n.id
GROUP BY n.id
ORDER BY n.graph_id, n.graph_version, n.node_key;
