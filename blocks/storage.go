package blocks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// StorageScope is AutoGPT's `scope` pin of the storage blocks.
type StorageScope string

const (
	// ScopeWithinAgent is shared by every run of one agent (graph), for
	// its user.
	ScopeWithinAgent StorageScope = "within_agent"
	// ScopeAcrossAgents is shared by all the user's agents.
	ScopeAcrossAgents StorageScope = "across_agents"
)

const (
	// MaxStoredValue bounds a stored value, as JSON text: storage is for
	// state and memory, not documents.
	MaxStoredValue = 1 << 20
	// MaxStorageKey bounds a key, in characters.
	MaxStorageKey = 1000
)

// KeyValue is the durable key/value storage of the run's owner. The engine
// binds it to the run's user and graph, so a block can reach no other
// user's entries whatever its input says.
type KeyValue interface {
	// Get returns the JSON stored under key in scope; found is false when
	// there is none.
	Get(ctx context.Context, scope StorageScope, key string) (value json.RawMessage, found bool, err error)
	// Put stores value (JSON) under key in scope, replacing what was
	// there. The write is durable when Put returns.
	Put(ctx context.Context, scope StorageScope, key string, value json.RawMessage) error
}

var errNoStorage = errors.New("no key/value storage is available to this run")

type persistIn struct {
	Key   string `json:"key" jsonschema_description:"The key to store the value under."`
	Value any    `json:"value" jsonschema:"required" jsonschema_description:"The value to store (any JSON, at most 1 MiB)."`
	Scope string `json:"scope" jsonschema:"enum=within_agent,enum=across_agents,default=within_agent" jsonschema_description:"within_agent: shared by all runs of this agent; across_agents: shared by all your agents."`
}

type persistOut struct {
	Value any `json:"value" jsonschema_description:"The value that was stored."`
}

// PersistInformationBlock stores a value that later runs read back with
// RetrieveInformationBlock. The write is immediate, as in AutoGPT, not part
// of the node's commit: a node that runs again after a crash writes the
// same value again, and a block downstream in the same run reads it back.
func PersistInformationBlock() Block {
	return Define[persistIn, persistOut](Info{
		ID:   "1d055e55-a2b9-4547-8311-907d05b0304d",
		Name: "PersistInformationBlock",
		Description: "Saves a key-value pair that persists across runs (of this agent, or of all your agents). " +
			"Read it back with RetrieveInformationBlock; for a value within one run, use StoreValueBlock.",
		Categories:  []Category{CategoryData},
		Type:        TypeStandard,
		SideEffects: true,
	}, func(ctx context.Context, rc *RunContext, in persistIn, emit Emit) error {
		storage, err := storageFor(rc, in.Key)
		if err != nil {
			return err
		}
		raw, err := json.Marshal(in.Value)
		if err != nil {
			return fmt.Errorf("value is not JSON-encodable: %w", err)
		}
		if len(raw) > MaxStoredValue {
			return fmt.Errorf("value for key %q is %d bytes of JSON; at most %d (1 MiB) can be stored", in.Key, len(raw), MaxStoredValue)
		}
		if err := storage.Put(ctx, StorageScope(in.Scope), in.Key, raw); err != nil {
			return fmt.Errorf("storing key %q: %w", in.Key, err)
		}
		return emit("value", in.Value)
	})
}

type retrieveIn struct {
	Key          string `json:"key" jsonschema_description:"The key to read."`
	Scope        string `json:"scope" jsonschema:"enum=within_agent,enum=across_agents,default=within_agent" jsonschema_description:"within_agent: this agent's storage; across_agents: the storage shared by all your agents."`
	DefaultValue any    `json:"default_value,omitempty" jsonschema_description:"The value to output when nothing (or null) is stored under the key."`
}

type retrieveOut struct {
	Value any `json:"value" jsonschema_description:"The stored value, or default_value."`
}

// RetrieveInformationBlock reads what PersistInformationBlock stored (in a
// past run or earlier in this one); default_value when there is nothing.
func RetrieveInformationBlock() Block {
	return Define[retrieveIn, retrieveOut](Info{
		ID:   "d8710fc9-6e29-481e-a7d5-165eb16f8471",
		Name: "RetrieveInformationBlock",
		Description: "Reads back a key-value pair saved by PersistInformationBlock, in this or an earlier run; " +
			"outputs default_value when the key holds nothing.",
		Categories: []Category{CategoryData},
		Type:       TypeStandard,
	}, func(ctx context.Context, rc *RunContext, in retrieveIn, emit Emit) error {
		storage, err := storageFor(rc, in.Key)
		if err != nil {
			return err
		}
		raw, found, err := storage.Get(ctx, StorageScope(in.Scope), in.Key)
		if err != nil {
			return fmt.Errorf("reading key %q: %w", in.Key, err)
		}
		var v any
		if found {
			if err := json.Unmarshal(raw, &v); err != nil {
				return fmt.Errorf("reading key %q: %w", in.Key, err)
			}
		}
		if v == nil { // AutoGPT's rule: a stored null is no value
			v = in.DefaultValue
		}
		return emit("value", v)
	})
}

// storageFor is the run's storage, once key is known to be one it can hold.
func storageFor(rc *RunContext, key string) (KeyValue, error) {
	if rc.Storage == nil {
		return nil, errNoStorage
	}
	return rc.Storage, checkStorageKey(key)
}

func checkStorageKey(key string) error {
	if n := utf8.RuneCountInString(key); n > MaxStorageKey {
		return fmt.Errorf("key is %d characters long; at most %d are allowed", n, MaxStorageKey)
	}
	if strings.ContainsRune(key, 0) {
		return errors.New("key contains a NUL character, which cannot be stored")
	}
	return nil
}
