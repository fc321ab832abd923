package resolvers

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Loaders batch the nested reads of one request so that a query costs a
// bounded number of SQL statements whatever the size of what it reads.
type Loaders struct {
	nodesByGraph   *dataloadgen.Loader[model.GraphKey, []model.Node]
	linksByGraph   *dataloadgen.Loader[model.GraphKey, []model.Link]
	versions       *dataloadgen.Loader[uuid.UUID, []*model.Graph]
	users          *dataloadgen.Loader[uuid.UUID, *model.User]
	nodeExecutions *dataloadgen.Loader[uuid.UUID, []model.NodeExecution]
	// nodeExecutionsWithoutValues serves lists that show no inputs and outputs.
	nodeExecutionsWithoutValues *dataloadgen.Loader[uuid.UUID, []model.NodeExecution]
	webhooks                    *dataloadgen.Loader[uuid.UUID, []model.Webhook]
	scheduleRuns                *dataloadgen.Loader[scheduleRunsKey, []*model.GraphExecution]
	indexes                     indexes
	nodePages                   nodePages
}

// batchWait is how long a loader gathers keys before it queries.
const batchWait = 500 * time.Microsecond

// NewLoaders builds a request's loaders.
func NewLoaders(store *db.Store) *Loaders {
	opt := dataloadgen.WithWait(batchWait)
	return &Loaders{
		nodesByGraph: dataloadgen.NewLoader(filled(func(ctx context.Context, keys []model.GraphKey) (map[model.GraphKey][]model.Node, error) {
			return store.NodesByGraphs(ctx, keys)
		}), opt),
		linksByGraph: dataloadgen.NewLoader(filled(func(ctx context.Context, keys []model.GraphKey) (map[model.GraphKey][]model.Link, error) {
			return store.LinksByGraphs(ctx, keys)
		}), opt),
		versions: dataloadgen.NewLoader(filled(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*model.Graph, error) {
			return store.GraphVersions(ctx, ids)
		}), opt),
		users: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*model.User, error) {
			us, err := store.UsersByIDs(ctx, ids)
			m := make(map[uuid.UUID]*model.User, len(us))
			for _, u := range us {
				m[u.ID] = u
			}
			return m, err
		}, opt),
		nodeExecutions: dataloadgen.NewLoader(filled(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]model.NodeExecution, error) {
			return store.NodeExecutionsByExecutions(ctx, ids)
		}), opt),
		nodeExecutionsWithoutValues: dataloadgen.NewLoader(filled(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]model.NodeExecution, error) {
			return store.NodeExecutionsWithoutValues(ctx, ids)
		}), opt),
		webhooks: dataloadgen.NewLoader(filled(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]model.Webhook, error) {
			return store.WebhooksByGraphs(ctx, ids)
		}), opt),
		scheduleRuns: dataloadgen.NewLoader(filled(func(ctx context.Context, keys []scheduleRunsKey) (map[scheduleRunsKey][]*model.GraphExecution, error) {
			return loadScheduleRuns(ctx, store, keys)
		}), opt),
	}
}

// filled adapts a map-returning batch function: a key with no rows gets the
// zero value (an empty list), not an error.
func filled[K comparable, V any](fetch func(context.Context, []K) (map[K]V, error)) func(context.Context, []K) ([]V, []error) {
	return func(ctx context.Context, keys []K) ([]V, []error) {
		m, err := fetch(ctx, keys)
		vals := make([]V, len(keys))
		errs := make([]error, len(keys))
		for i, k := range keys {
			vals[i], errs[i] = m[k], err
		}
		return vals, errs
	}
}

type loadersKey struct{}

// lazyLoaders holds one operation's loaders, built on first use: most
// operations on a websocket (subscriptions) never load anything, and they
// live as long as the client stays subscribed.
type lazyLoaders struct {
	once  sync.Once
	store *db.Store
	l     *Loaders
}

// WithLoaders gives the operation run with ctx its own loaders. It is
// applied per operation (server.NewGraphQL's AroundOperations), not per
// HTTP request: on a websocket one request carries every operation of the
// connection, and loaders shared across them would serve stale data.
func WithLoaders(ctx context.Context, store *db.Store) context.Context {
	return context.WithValue(ctx, loadersKey{}, &lazyLoaders{store: store})
}

func (r *Resolver) loaders(ctx context.Context) *Loaders {
	if h, ok := ctx.Value(loadersKey{}).(*lazyLoaders); ok {
		h.once.Do(func() { h.l = NewLoaders(h.store) })
		return h.l
	}
	return NewLoaders(r.Store)
}

// scheduleRunsKey asks for the runs of a schedule's latest first
// occurrences, as user sees them.
type scheduleRunsKey struct {
	user, schedule uuid.UUID
	first          int
}

// loadScheduleRuns answers keys with one statement per (user, first) pair:
// one for a list whose items all ask the same.
func loadScheduleRuns(ctx context.Context, store *db.Store, keys []scheduleRunsKey) (map[scheduleRunsKey][]*model.GraphExecution, error) {
	type group struct {
		user  uuid.UUID
		first int
	}
	ids := map[group][]uuid.UUID{}
	for _, k := range keys {
		g := group{k.user, k.first}
		ids[g] = append(ids[g], k.schedule)
	}
	out := make(map[scheduleRunsKey][]*model.GraphExecution, len(keys))
	for g, list := range ids {
		runs, err := store.ScheduleRuns(ctx, g.user, list, g.first)
		if err != nil {
			return nil, err
		}
		for id, rs := range runs {
			out[scheduleRunsKey{g.user, id, g.first}] = rs
		}
	}
	return out, nil
}
