package engine

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// A run whose next charge would pass its budget ends FAILED saying so, and
// keeps no more than the budget; a negative budget is refused.
func TestRunBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(100)
	fg := e.graph(u, ch(chainOf("TestCostBlock", nil, 3)))
	budget := int64(7)
	w := e.watch(fg.ID)
	ex, err := e.eng.SubmitBudget(context.Background(), u.ID, fg.ID, 0, map[string]any{"x": 1}, model.UserContext{}, &budget)
	require.NoError(t, err)
	require.Equal(t, budget, *ex.MaxCost)
	got := w.until(ex.ID, nil)
	require.Equal(t, model.StatusFailed, got.Status)
	require.Contains(t, *got.ErrorMessage, "budget exceeded")
	require.Contains(t, *got.ErrorMessage, `"n1"`)
	bal, sum := ledger(t, e, u.ID)
	require.Equal(t, int64(95), bal, "n0 ran (5); n1 (5 more) would pass 7")
	require.Equal(t, bal, sum)
	require.Equal(t, int64(5), got.Stats.TotalCost)
	require.LessOrEqual(t, got.Stats.TotalCost, budget)

	neg := int64(-1)
	_, err = e.eng.SubmitBudget(context.Background(), u.ID, fg.ID, 0, map[string]any{"x": 1}, model.UserContext{}, &neg)
	var bad *model.InputError
	require.True(t, errors.As(err, &bad))
	require.Equal(t, "maxCost", bad.Field)
}

// A web request reserves its requests and max_response_kib, and keeps what
// it used: 1 request and 3 started KiB; the estimate says the same range.
func TestWebRequestSettlesBytes(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat("y", 2500)))
	}))
	t.Cleanup(srv.Close)
	e := newEnv(t, Options{AllowPrivateNetwork: true})
	u := e.user(100)
	fg := e.graph(u, []nspec{{Key: "get", Block: "SendWebRequestBlock",
		Defaults: map[string]any{"url": srv.URL, "method": "GET", "max_response_kib": 50, "retries": 1}}}, nil)
	est, err := e.eng.Estimate(context.Background(), u.ID, fg.ID, 0, nil)
	require.NoError(t, err)
	require.Len(t, est.ByNode, 1)
	require.Equal(t, int64(2+50), est.ByNode[0].Amount, "2 requests and 50 KiB reserved")
	require.Equal(t, "BYTE", est.ByNode[0].CostType)
	require.LessOrEqual(t, est.Min, *est.Max)
	require.Equal(t, int64(52), *est.Max)

	w := e.watch(fg.ID)
	got := w.until(e.submit(u, fg, nil).ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status)
	ne := e.nodeRuns(fg, got.ID)["get"][0]
	require.Equal(t, charges{cost: 52, refund: 48}, ledgerByReference(t, e, u.ID)[ne.ID.String()])
	require.Equal(t, int64(4), ne.Stats.Cost)
	require.Equal(t, int64(4), got.Stats.TotalCost)
	bal, sum := ledger(t, e, u.ID)
	require.Equal(t, int64(96), bal)
	require.Equal(t, bal, sum)
}
