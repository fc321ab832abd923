package blocks

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// memoryKV is a KeyValue in a map, for the blocks' own logic; the engine's,
// on Postgres, is tested in engine/storage_test.go.
type memoryKV struct {
	mu sync.Mutex
	m  map[string]json.RawMessage
}

func (kv *memoryKV) Get(_ context.Context, scope StorageScope, key string) (json.RawMessage, bool, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	v, ok := kv.m[string(scope)+"/"+key]
	return v, ok, nil
}

func (kv *memoryKV) Put(_ context.Context, scope StorageScope, key string, value json.RawMessage) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if kv.m == nil {
		kv.m = map[string]json.RawMessage{}
	}
	kv.m[string(scope)+"/"+key] = value
	return nil
}

func TestPersistAndRetrieve(t *testing.T) {
	t.Parallel()
	rc := &RunContext{Storage: &memoryKV{}}
	ctx := context.Background()
	pref := map[string]any{"theme": "dark", "language": "en"}
	got, err := runCtx(t, ctx, rc, "PersistInformationBlock", map[string]any{"key": "user_preference", "value": pref})
	require.NoError(t, err)
	require.Equal(t, outs("value", pref), got)

	got, err = runCtx(t, ctx, rc, "RetrieveInformationBlock", map[string]any{"key": "user_preference", "default_value": "none"})
	require.NoError(t, err)
	require.Equal(t, outs("value", pref), got, "within_agent by default, on both sides")

	got, err = runCtx(t, ctx, rc, "RetrieveInformationBlock", map[string]any{"key": "user_preference", "scope": "across_agents", "default_value": "none"})
	require.NoError(t, err)
	require.Equal(t, outs("value", "none"), got, "the other scope is another place")

	got, err = runCtx(t, ctx, rc, "RetrieveInformationBlock", map[string]any{"key": "missing"})
	require.NoError(t, err)
	require.Equal(t, outs("value", nil), got, "no default: null")

	// A stored null is no value (AutoGPT's rule): the default comes out.
	_, err = runCtx(t, ctx, rc, "PersistInformationBlock", map[string]any{"key": "n", "value": nil, "scope": "across_agents"})
	require.NoError(t, err)
	got, err = runCtx(t, ctx, rc, "RetrieveInformationBlock", map[string]any{"key": "n", "scope": "across_agents", "default_value": 0})
	require.NoError(t, err)
	require.Equal(t, outs("value", 0.0), got)

	// Overwrite.
	_, err = runCtx(t, ctx, rc, "PersistInformationBlock", map[string]any{"key": "user_preference", "value": 2})
	require.NoError(t, err)
	got, err = runCtx(t, ctx, rc, "RetrieveInformationBlock", map[string]any{"key": "user_preference"})
	require.NoError(t, err)
	require.Equal(t, outs("value", 2.0), got)
}

func TestPersistRefusals(t *testing.T) {
	t.Parallel()
	kv := &memoryKV{}
	rc := &RunContext{Storage: kv}
	ctx := context.Background()
	big := strings.Repeat("x", MaxStoredValue) // plus its quotes: 2 bytes over
	got, err := runCtx(t, ctx, rc, "PersistInformationBlock", map[string]any{"key": "k", "value": big})
	require.ErrorContains(t, err, `value for key "k" is 1048578 bytes of JSON; at most 1048576 (1 MiB) can be stored`)
	require.Empty(t, got)
	_, err = runCtx(t, ctx, rc, "PersistInformationBlock", map[string]any{"key": "k", "value": big[2:]})
	require.NoError(t, err, "exactly 1 MiB fits")

	_, err = runCtx(t, ctx, rc, "PersistInformationBlock", map[string]any{"key": strings.Repeat("é", MaxStorageKey+1), "value": 1})
	require.ErrorContains(t, err, "key is 1001 characters long; at most 1000 are allowed")
	_, err = runCtx(t, ctx, rc, "RetrieveInformationBlock", map[string]any{"key": "a\x00b"})
	require.ErrorContains(t, err, "NUL")
	require.Len(t, kv.m, 1, "nothing else was stored")

	// Outside the engine there is no storage: a clear failure, not a panic.
	_, err = run(t, "PersistInformationBlock", map[string]any{"key": "k", "value": 1})
	require.ErrorIs(t, err, errNoStorage)
	_, err = run(t, "RetrieveInformationBlock", map[string]any{"key": "k"})
	require.ErrorIs(t, err, errNoStorage)

	id := blockID(t, "PersistInformationBlock")
	require.ErrorContains(t, Builtin().Validate(id, map[string]any{"key": "k", "value": 1, "scope": "everywhere"}), "scope")
	require.Equal(t, []string{"key", "value"}, Builtin().RequiredInputs(id))
	persist, _ := Builtin().ByName("PersistInformationBlock")
	retrieve, _ := Builtin().ByName("RetrieveInformationBlock")
	require.True(t, persist.Info().SideEffects, "a write outside the run: never speculative")
	require.False(t, retrieve.Info().SideEffects)
}
