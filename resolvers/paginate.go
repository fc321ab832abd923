package resolvers

import (
	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/db"
)

// paginate trims a keyset page fetched with limit n+1 and builds its
// PageInfo: one extra row tells whether a next page exists.
func paginate[T any](rows []T, n int, hasAfter bool, cursor func(T) db.Cursor) ([]T, *gql.PageInfo) {
	info := &gql.PageInfo{HasPreviousPage: hasAfter}
	if len(rows) > n {
		rows = rows[:n]
		info.HasNextPage = true
	}
	if len(rows) > 0 {
		s, e := cursor(rows[0]).Encode(), cursor(rows[len(rows)-1]).Encode()
		info.StartCursor, info.EndCursor = &s, &e
	}
	return rows, info
}
