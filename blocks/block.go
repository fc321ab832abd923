// Package blocks defines the Block interface — the unit of work a graph node
// runs — and the built-in block library. It knows nothing of GraphQL or of
// the engine's storage: a block gets its input as a JSON object and yields
// (pin, value) pairs over time, like the seed's async generator.
package blocks

import (
	"context"
	"encoding/json"
)

// Category is the seed's BlockCategory.
type Category string

const (
	CategoryInput       Category = "INPUT"
	CategoryOutput      Category = "OUTPUT"
	CategoryProcessing  Category = "PROCESSING"
	CategoryAIML        Category = "AI_ML"
	CategoryData        Category = "DATA"
	CategoryIntegration Category = "INTEGRATION"
	CategoryUtility     Category = "UTILITY"
	CategoryCustom      Category = "CUSTOM"
)

// Type is the seed's BlockType.
type Type string

const (
	TypeStandard Type = "STANDARD"
	TypeInput    Type = "INPUT"
	TypeOutput   Type = "OUTPUT"
	TypeWebhook  Type = "WEBHOOK"
	TypeAgent    Type = "AGENT"
	TypeAI       Type = "AI"
)

// ErrorPin is the output pin every block has: a failed run routes its message here.
const ErrorPin = "error"

// Info is a block's static description, as stored in the blocks table and
// served by the API.
type Info struct {
	ID                  string // stable UUID; never changes once released
	Name                string // AutoGPT's class name, e.g. "StoreValueBlock"
	Description         string
	Categories          []Category
	Type                Type
	InputSchema         json.RawMessage // JSON Schema (draft 2020-12) of the input object
	OutputSchema        json.RawMessage // JSON Schema of the outputs: one property per output pin
	Costs               []Cost
	CredentialProviders []string // provider names the block needs credentials for
	// ProvidersFor, if set, says which of CredentialProviders a node with
	// this input needs (an AI block needs only its model's provider); nil:
	// all of them.
	ProvidersFor func(input map[string]any) []string
	// Reserve, if set, is the most the node's usage-priced work (tokens)
	// can cost, in credits, given its input and the credentials it gets:
	// reserved before the block runs (RunContext.Budget), the unused part
	// released when it ends. An error fails the node before it runs.
	Reserve func(input map[string]any, creds map[string]Credential) (int64, error)
	// Limits, if set, is the most of each usage-priced kind (usage.go) a
	// node with this input can use. The engine reserves its price before
	// the block starts; the block reports its usage (RunContext.Use) and
	// never goes past it. input holds the node's values without the
	// schema's defaults.
	Limits func(input map[string]any) Usage
	// PricedBy names the input pins Limits and Reserve read. A cost
	// estimate, made before the run, knows no value that arrives on a
	// link: it tells from this whether such a value can change the
	// node's price. nil: any pin may.
	PricedBy []string
	// Credentials, when set, declares the block's `credentials` input
	// (CredentialsMeta): which providers, auth types and scopes it accepts.
	Credentials *CredentialsSpec
	// SideEffects says the block changes something outside the run (it
	// writes the user's stored data): the engine never runs it on input
	// that is not committed yet.
	SideEffects bool
	// PinAliases maps AutoGPT's name of an input pin to ours where the two
	// differ (aliases.go): graphs written for AutoGPT name the pin its way.
	PinAliases map[string]PinAlias
	// AnyPins: a link may target any input pin and start at any output pin,
	// and a default may name any key. Only UnavailableBlock, which stands
	// for a block missing here and keeps that block's links, has it.
	AnyPins bool
}

// Emit yields one output value on a pin. It returns an error (the context's)
// when the run is being stopped; a block must then return promptly.
type Emit func(pin string, value any) error

// UserContext is the seed's UserContext, carried by every run.
type UserContext struct {
	Timezone    string         `json:"timezone"`
	Locale      string         `json:"locale"`
	Preferences map[string]any `json:"preferences,omitempty"`
}

// AgentRunner runs another graph as a child execution of the current run.
// The engine implements it; the AGENT block calls it.
type AgentRunner interface {
	// RunAgent starts graph graphID at version (0 = active version) with
	// inputs, owned by the same user, waits for it to finish and calls emit
	// once per AgentOutputBlock value (pin = the output's name, in order).
	// It returns an error when the child does not complete, and cancels the
	// child when ctx is cancelled.
	RunAgent(ctx context.Context, graphID string, version int, inputs map[string]any, emit Emit) error
}

// RunContext is what a block may know about the run it is part of.
type RunContext struct {
	ExecutionID string
	NodeID      string
	UserID      string
	GraphID     string
	UserContext UserContext
	// Credentials by provider name; only those the block declared.
	Credentials map[string]Credential
	// InputCredential is the credential of the node's `credentials` input
	// (Info.Credentials); nil when the input is optional and empty.
	InputCredential *Credential
	Agents          AgentRunner
	// AllowPrivateNetwork lets network blocks reach loopback and private
	// addresses (netguard.go); off unless the deployment turns it on.
	AllowPrivateNetwork bool
	// Budget is what was reserved for the run's usage-priced work
	// (Info.Reserve); Spend records what the work cost (credits, and a note
	// for the ledger naming what was used). A block never spends more than
	// its budget. Both are zero/nil outside the engine.
	Budget int64
	Spend  func(credits int64, note string)
	// Use reports usage of a usage-priced kind (bytes moved, requests
	// made, tokens) priced by the block's costs; an error (ErrOverLimit)
	// means the reservation does not cover it. Call it through UseUnits.
	Use func(kind CostType, n int64) error
	// Delta, if set, streams partial text of an output pin to live
	// subscribers as it is produced (a model's tokens). It is not stored:
	// the pin's final value is emitted as usual.
	Delta func(pin, text string)
	// Tools are the nodes linked from this node's tool pins (IsToolPin), in
	// graph order, one per sink node: what a SmartDecisionMakerBlock offers
	// its model. Empty for a node with no tool links.
	Tools []ToolSpec
	// Nodes runs other nodes of the graph for this one (a tool the model
	// called, in agent mode); nil outside the engine.
	Nodes NodeRunner
	// Logger receives the block's log lines (Debug … Critical below); the
	// engine stores them in the run's log with the node's ids. Nil outside
	// the engine: the lines are dropped.
	Logger Logger
	// Storage is the run owner's durable key/value storage (storage.go),
	// bound to the run's user and graph; nil outside the engine.
	Storage KeyValue
}

// ToolSpec describes a node linked from a tool pin: enough for a block to
// offer it to a model as a function and to address its input pins.
type ToolSpec struct {
	NodeID string
	// Label is the node's label (its name on the canvas), "" when it has none.
	Label            string
	BlockName        string
	BlockDescription string
	BlockType        Type
	InputSchema      json.RawMessage // the sink block's whole input schema
	Defaults         map[string]any  // the node's input defaults (read-only)
	// Pins are the sink's input pins the tool links feed, sorted: the
	// tool's parameters.
	Pins []string
}

// NodeRunner runs a node of the current graph on behalf of the running one.
// The engine implements it.
type NodeRunner interface {
	// RunNode runs node nodeID once with input (over the node's defaults)
	// as a child node execution of the calling one — stored, charged and
	// streamed like any other, but with its outputs returned here instead of
	// routed along its links — and returns what it yielded, by pin, in
	// order. A node that fails returns its outputs so far and the error.
	RunNode(ctx context.Context, nodeID string, input map[string]any) (map[string][]any, error)
}

// Block is one kind of node. Run gets the merged, schema-validated input and
// yields outputs through emit as they are produced; returning an error fails
// the node (its message is routed on the error pin).
type Block interface {
	Info() *Info
	Run(ctx context.Context, rc *RunContext, input map[string]any, emit Emit) error
}
