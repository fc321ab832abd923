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
