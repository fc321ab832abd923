package autogpt

import "github.com/agentgraph/agentgraph/internal/model"

// Kind says what an import did with something it could not take as it was.
type Kind string

const (
	// KeyDropped: a default or a part of the document was left out, because
	// it means nothing here (AgentExecutorBlock's user_id: a sub-agent runs
	// as its parent's user) or is not imported (a sub-graph no node runs).
	KeyDropped Kind = "KEY_DROPPED"
	// KeptAsMetadata: a default for a pin the block does not have here; it
	// is kept in the node's metadata (MetadataKey), unused, and written back
	// by Export.
	KeptAsMetadata Kind = "KEPT_AS_METADATA"
	// PinRenamed: AutoGPT's name of a pin was read as ours (a block's pin
	// alias, or a sub-agent's input fed through `inputs_#_<name>`).
	PinRenamed Kind = "PIN_RENAMED"
	// SubGraphMatched: an AgentExecutorBlock node names a sub-graph id the
	// export does not hold; the one sub-graph of its version with the
	// node's input and output names is taken instead.
	SubGraphMatched Kind = "SUBGRAPH_MATCHED"
	// DescriptionShortened: the description was cut to 500 characters.
	DescriptionShortened Kind = "DESCRIPTION_SHORTENED"
	// NameChanged: the name was empty, too long, or already taken by another
	// of the user's graphs.
	NameChanged Kind = "NAME_CHANGED"
	// Cycle: links form a loop, which graphs here may not have; the graph is
	// stored but executeGraph refuses it until the loop is replaced by its
	// acyclic form (the message says which).
	Cycle Kind = "CYCLE"
	// UnknownBlock: the node's block does not exist here. The node is kept
	// on UnavailableBlock with its links, and its block and defaults in its
	// metadata (blocks.UnavailableMetaKey), which Export writes back; Block
	// names AutoGPT's block ("" when not known here). executeGraph refuses
	// the graph until the node is replaced.
	UnknownBlock Kind = "UNKNOWN_BLOCK"
	// GraphProblem: another validation problem (Problem says which) that
	// stops the graph from running until it is fixed.
	GraphProblem Kind = "GRAPH_PROBLEM"
)

// Entry is one line of an import's compatibility report.
type Entry struct {
	Kind Kind
	// Graph is AutoGPT's id of the agent concerned: the document's own, or
	// one of its sub-graphs.
	Graph string
	// Node is AutoGPT's id of the node concerned (its key here); "" when the
	// entry is about the graph or a link only.
	Node string
	// Link is AutoGPT's id of the link concerned, "" when none.
	Link string
	// Block is the AutoGPT block name of the node concerned, "" when none.
	Block string
	// Pin is the pin or default concerned, "" when none.
	Pin string
	// Problem is the validation problem of a Cycle, UnknownBlock or
	// GraphProblem entry.
	Problem model.ProblemCode
	Message string
}
