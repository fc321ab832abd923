package model

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// Graph is one version of a graph (the seed's Graph; GraphVersion rows are
// the graph's other versions).
type Graph struct {
	ID                uuid.UUID
	Version           int
	UserID            uuid.UUID
	Name              string
	Description       *string
	IsActive          bool
	IsTemplate        bool
	ForkedFromID      *uuid.UUID
	ForkedFromVersion *int
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// GraphKey names one version of a graph.
type GraphKey struct {
	ID      uuid.UUID
	Version int
}

// Key returns the graph's (id, version).
func (g *Graph) Key() GraphKey { return GraphKey{g.ID, g.Version} }

// Node is the seed's Node.
type Node struct {
	ID           uuid.UUID
	GraphID      uuid.UUID
	GraphVersion int
	Key          string
	BlockID      uuid.UUID
	Label        string
	InputDefault json.RawMessage
	Metadata     json.RawMessage
	X, Y         float64
}

// Link is the seed's Link.
type Link struct {
	ID           uuid.UUID
	GraphID      uuid.UUID
	GraphVersion int
	SourceID     uuid.UUID
	SinkID       uuid.UUID
	SourceName   string
	SinkName     string
	IsStatic     bool
}

// GraphSpec is a graph as a client submits it: nodes refer to each other by
// client-chosen keys. It is what validation checks and what a store saves.
type GraphSpec struct {
	Name        string
	Description *string
	IsTemplate  bool
	Nodes       []NodeSpec
	Links       []LinkSpec
}

// NodeSpec is one node of a GraphSpec.
type NodeSpec struct {
	Key          string
	BlockID      string
	Label        string
	InputDefault map[string]any
	Metadata     map[string]any
	X, Y         float64
}

// LinkSpec is one link of a GraphSpec.
type LinkSpec struct {
	SourceKey  string
	SinkKey    string
	SourceName string
	SinkName   string
	IsStatic   bool
}

// FullGraph is a stored graph version with its nodes and links.
type FullGraph struct {
	Graph
	Nodes []Node
	Links []Link
}
