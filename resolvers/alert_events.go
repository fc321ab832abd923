package resolvers

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/alerting"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Alert event cursors carry the event's seq (events are listed by it).
func alertCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("alert:" + strconv.FormatInt(seq, 10)))
}

func decodeAlertCursor(s *string) (int64, error) {
	if s == nil || *s == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*s)
	if err == nil {
		if v, ok := strings.CutPrefix(string(b), "alert:"); ok {
			if seq, err := strconv.ParseInt(v, 10, 64); err == nil && seq > 0 {
				return seq, nil
			}
		}
	}
	return 0, model.Invalid("after", "malformed cursor")
}

func toAlertEvent(e *db.AlertEvent, ds []*db.AlertDelivery) *gql.AlertEvent {
	out := &gql.AlertEvent{ID: e.ID.String(), Rule: e.RuleName, Severity: gql.AlertSeverity(e.Severity),
		State: gql.AlertState(e.State), Value: e.Value, Threshold: e.Threshold, At: e.At, Deliveries: []*gql.AlertDelivery{}}
	if e.RuleID != nil {
		id := e.RuleID.String()
		out.RuleID = &id
	}
	for _, d := range ds {
		gd := &gql.AlertDelivery{Channel: d.Channel, Status: gql.AlertDeliveryStatus(d.Status), Attempts: d.Attempts}
		if d.LastError != "" {
			le := d.LastError
			gd.LastError = &le
		}
		out.Deliveries = append(out.Deliveries, gd)
	}
	return out
}

// withDeliveries maps events with their deliveries, read in one query.
func (r *Resolver) withDeliveries(ctx context.Context, evs []*db.AlertEvent) ([]*gql.AlertEvent, error) {
	ids := make([]uuid.UUID, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	ds, err := r.Store.AlertDeliveries(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*gql.AlertEvent, len(evs))
	for i, e := range evs {
		out[i] = toAlertEvent(e, ds[e.ID])
	}
	return out, nil
}

func (r *queryResolver) AlertEvents(ctx context.Context, first *int, after *string) (*gql.AlertEventConnection, error) {
	n, err := db.PageSize(first, 20, 100)
	if err != nil {
		return nil, err
	}
	if n == 0 { // the schema says 1 to 100: an empty page tells nothing
		return nil, model.Invalid("first", "must be between 1 and 100")
	}
	seq, err := decodeAlertCursor(after)
	if err != nil {
		return nil, err
	}
	evs, err := r.Store.AlertEvents(ctx, seq, n+1)
	if err != nil {
		return nil, err
	}
	info := &gql.PageInfo{HasPreviousPage: seq > 0}
	if len(evs) > n {
		evs, info.HasNextPage = evs[:n], true
	}
	nodes, err := r.withDeliveries(ctx, evs)
	if err != nil {
		return nil, err
	}
	conn := &gql.AlertEventConnection{Edges: make([]*gql.AlertEventEdge, len(evs)), PageInfo: info}
	for i, e := range evs {
		conn.Edges[i] = &gql.AlertEventEdge{Cursor: alertCursor(e.Seq), Node: nodes[i]}
	}
	if len(evs) > 0 {
		s, e := conn.Edges[0].Cursor, conn.Edges[len(evs)-1].Cursor
		info.StartCursor, info.EndCursor = &s, &e
	}
	return conn, nil
}

// AlertEvents streams alert events stored from now on. Deliveries are as
// they stand when the event is sent (usually PENDING: the notification
// goes out after the event is stored); alertEvents shows how they ended.
func (r *subscriptionResolver) AlertEvents(ctx context.Context) (<-chan *gql.AlertEvent, error) {
	in, err := alerting.Watch(ctx, r.Store, time.Second)
	if err != nil {
		return nil, err
	}
	out := make(chan *gql.AlertEvent)
	go func() {
		defer close(out)
		for e := range in {
			evs, err := r.withDeliveries(ctx, []*db.AlertEvent{e})
			if err != nil {
				evs = []*gql.AlertEvent{toAlertEvent(e, nil)}
			}
			select {
			case out <- evs[0]:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
