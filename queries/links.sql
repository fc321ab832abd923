-- name: LinkInsertMany :copyfrom
INSERT INTO links (id, graph_id, graph_version, source_id, sink_id, source_name, sink_name, is_static)
VALUES (@id, @graph_id, @graph_version, @source_id, @sink_id, @source_name, @sink_name, @is_static);

-- name: LinkListByGraphs :many
SELECT l.* FROM links l
JOIN (SELECT unnest(@ids::uuid[]) AS id, unnest(@versions::int[]) AS version) k
  ON l.graph_id = k.id AND l.graph_version = k.version
ORDER BY l.graph_id, l.graph_version, l.id;
