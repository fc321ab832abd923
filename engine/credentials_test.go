package engine

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/model"
)

type credIn struct {
	Input any `json:"input,omitempty" jsonschema_description:"Any value."`
}

// credBlock declares the "acme" provider and outputs the secret's length
// (never the secret itself).
func credBlock() blocks.Block {
	return blocks.Define[credIn, gateOut](blocks.Info{ID: "6a1d0c2e-3b4f-4c5d-8e9f-0a1b2c3d4e5f", Name: "TestCredBlock",
		Categories: []blocks.Category{blocks.CategoryUtility}, Type: blocks.TypeStandard, CredentialProviders: []string{"acme"}},
		func(_ context.Context, rc *blocks.RunContext, _ credIn, emit blocks.Emit) error {
			return emit("output", len(rc.Credentials["acme"].Secret))
		})
}

// A block that declares a provider gets the user's decrypted credential; a
// user without one gets a FAILED node naming what is missing.
func TestBlockGetsUserCredentials(t *testing.T) {
	t.Parallel()
	var svc *credentials.Service
	e := newEnv(t, Options{Credentials: func(ctx context.Context, userID uuid.UUID, providers []string) (map[string]blocks.Credential, error) {
		return svc.ForRun(ctx, userID, providers)
	}})
	cipher, err := credentials.NewCipher([]byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	svc = credentials.NewService(e.store, cipher)

	with, without := e.user(0), e.user(0)
	_, err = svc.Create(context.Background(), with.ID, credentials.New{Provider: "acme", AuthType: "API_KEY", Secret: "s3cret!"})
	require.NoError(t, err)
	for _, tc := range []struct {
		u      *model.User
		status model.Status
	}{{with, model.StatusCompleted}, {without, model.StatusFailed}} {
		fg := e.graph(tc.u, []nspec{
			{Key: "c", Block: "TestCredBlock", Defaults: map[string]any{"input": 1}},
			{Key: "out", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "n"}},
		}, []lspec{{Source: "c", SourceName: "output", Sink: "out", SinkName: "value"}})
		w := e.watch(fg.ID)
		got := w.until(e.submit(tc.u, fg, nil).ID, nil)
		require.Equal(t, tc.status, got.Status)
		if tc.status == model.StatusCompleted {
			var outs map[string][]int
			require.NoError(t, json.Unmarshal(got.Outputs, &outs))
			require.Equal(t, []int{7}, outs["n"])
		} else {
			require.Contains(t, *got.ErrorMessage, "no valid acme credentials")
		}
	}
}
