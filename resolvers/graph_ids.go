package resolvers

import (
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/model"
)

// A graph has one id for all its versions (graphs.id, Graph.graphId) and
// each version an id of its own (Graph.id): a normalising cache such as
// Apollo's stores objects by id, and would merge versions that shared one.
// A version's id is derived, not stored: `<graph id>:v<version>`.
const versionSep = ":v"

// versionID is the id of one version of a graph.
func versionID(graphID uuid.UUID, version int) string {
	return graphID.String() + versionSep + strconv.Itoa(version)
}

// graphRef is a graph named by an argument: by its own id (version 0), or
// by the id of one of its versions.
type graphRef struct {
	id      uuid.UUID
	version int
}

// parseGraphRef reads a graph id or a version id; ok is false when s is
// neither.
func parseGraphRef(s string) (graphRef, bool) {
	base, v, versioned := strings.Cut(s, versionSep)
	id, err := uuid.Parse(base)
	if err != nil {
		return graphRef{}, false
	}
	if !versioned {
		return graphRef{id: id}, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || strconv.Itoa(n) != v {
		return graphRef{}, false
	}
	return graphRef{id: id, version: n}, true
}

// lookupGraph parses the graph argument arg: a graph's id or a version's.
// A malformed one is BAD_USER_INPUT naming arg, as every malformed id is.
func lookupGraph(arg, s string) (graphRef, error) {
	if ref, ok := parseGraphRef(s); ok {
		return ref, nil
	}
	if _, err := parseID(arg, s); err != nil {
		return graphRef{}, err
	}
	return graphRef{}, model.Invalid(arg, "is not a valid graph id")
}

// withVersion combines the version a version id names with an explicit
// version argument (nil when omitted): either may be given, or both when
// they agree. 0 means neither: the active version. An explicit version is
// 1 or more for every field that takes one (0 is not "the active one").
func (g graphRef) withVersion(field string, version *int) (int, error) {
	if version == nil {
		return g.version, nil
	}
	if *version < 1 {
		return 0, model.Invalid(field, "must be 1 or more")
	}
	if g.version != 0 && *version != g.version {
		return 0, model.Invalid(field, "is %d, but the graph id given names version %d", *version, g.version)
	}
	return *version, nil
}

// graphVersionArg reads the `id` argument naming a graph (or one of its
// versions) and the optional `version` argument, as graph, forkGraph and
// exportGraph take them: the graph's id and the version (0: the active one).
func graphVersionArg(id string, version *int) (uuid.UUID, int, error) {
	ref, err := lookupGraph("id", id)
	if err != nil {
		return uuid.Nil, 0, err
	}
	v, err := ref.withVersion("version", version)
	return ref.id, v, err
}
