package blocks

import (
	"context"
	"encoding/json"
	"errors"
)

// UnavailableBlockID is the id of UnavailableBlock: ours, not AutoGPT's.
const UnavailableBlockID = "50cda1ce-b480-4c40-a36a-4683e7ef2a09"

// UnavailableMetaKey is the node metadata key under which a node of
// UnavailableBlock keeps the block it stands for: an object with AutoGPT's
// "block_id", the block's "name" and the node's original "input_default".
const UnavailableMetaKey = "autogpt_block"

// UnavailableBlock stands for a block that does not exist here: an AutoGPT
// agent whose node uses one is imported with that node on this block, so
// that the graph is stored with its links and can be fixed here (nodes
// refer to the blocks table, so the node needs a block that exists). It
// takes any pin (Info.AnyPins) and never runs: validation lists each of its
// nodes as UNKNOWN_BLOCK, so createGraph refuses it and executeGraph
// refuses a graph holding one.
func UnavailableBlock() Block { return unavailableBlock{} }

var unavailableInfo = Info{
	ID:   UnavailableBlockID,
	Name: "UnavailableBlock",
	Description: "Stands for a block that does not exist here (a node of an imported AutoGPT agent; its metadata names the block). " +
		"It takes any pin so that the graph keeps its links, and never runs: replace the node with a block that exists to run the graph.",
	Categories: []Category{CategoryUtility},
	Type:       TypeStandard,
	InputSchema: json.RawMessage(`{"type":"object","properties":{},"additionalProperties":true,` +
		`"description":"Any input: the pins of the block this node stands for."}`),
	OutputSchema: json.RawMessage(`{"type":"object","properties":{"error":{"type":"string","description":"Why the node failed."}},` +
		`"additionalProperties":true,"description":"Any output: the pins of the block this node stands for."}`),
	AnyPins: true,
}

type unavailableBlock struct{}

func (unavailableBlock) Info() *Info { return &unavailableInfo }

// Run fails: the engine refuses a graph holding this block before it runs
// (UNKNOWN_BLOCK), so this is only reached by a caller that does not.
func (unavailableBlock) Run(context.Context, *RunContext, map[string]any, Emit) error {
	return errors.New("this node stands for a block that does not exist here (its metadata names it): replace it with a block that exists")
}

// UnavailableName is the name of the block an UnavailableBlock node stands
// for, read from its metadata (UnavailableMetaKey); "" when it has none.
func UnavailableName(metadata map[string]any) string {
	m, _ := metadata[UnavailableMetaKey].(map[string]any)
	name, _ := m["name"].(string)
	if name == "" {
		name, _ = m["block_id"].(string)
	}
	return name
}
