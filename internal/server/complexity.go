package server

import (
	"github.com/agentgraph/agentgraph/graph"
	gql "github.com/agentgraph/agentgraph/graph/model"
)

// setComplexity prices list fields: a connection costs its page size times
// its children; an unpaged list (a graph's nodes or links) costs a fixed
// factor, since its size is bounded by the graph limits, not the query.
func setComplexity(c *graph.ComplexityRoot) {
	page := func(first *int) int {
		if first == nil {
			return 20
		}
		return max(*first, 1)
	}
	list := func(child int) int { return 1 + child*DefaultListFactor }

	c.Query.Graphs = func(child int, first *int, _ *string, _ *gql.GraphFilter) int { return 1 + child*page(first) }
	c.Query.Templates = func(child int, first *int, _ *string, _ *string) int { return 1 + child*page(first) }
	c.Query.Users = func(child int, first *int, _ *string) int { return 1 + child*page(first) }
	c.Query.Executions = func(child int, _ *string, _ *gql.ExecutionStatus, first *int, _ *string) int {
		return 1 + child*page(first)
	}
	c.Graph.Executions = func(child int, first *int, _ *string, _ *gql.ExecutionStatus) int { return 1 + child*page(first) }
	c.Graph.Nodes = list
	c.Graph.Links = list
	c.Graph.EntryNodes = list
	c.Graph.ExitNodes = list
	c.Graph.Versions = list
	c.GraphExecution.NodeExecutions = list
	c.GraphExecution.Logs = func(child int, first *int, _ *string) int { return 1 + child*page(first) }
	c.UserCredit.Transactions = func(child int, first *int, _ *string) int { return 1 + child*page(first) }
}
