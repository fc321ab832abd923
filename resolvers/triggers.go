package resolvers

import (
	"context"
	"time"

	"github.com/google/uuid"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/authz"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/schedule"
)

func toTrigger(t model.Trigger) *gql.ExecutionTrigger {
	out := &gql.ExecutionTrigger{Kind: gql.TriggerKind(t.Kind), DeliveryID: t.DeliveryID}
	if out.Kind == "" {
		out.Kind = gql.TriggerKindManual
	}
	if t.ScheduleID != nil {
		s := t.ScheduleID.String()
		out.ScheduleID = &s
	}
	if t.WebhookID != nil {
		s := t.WebhookID.String()
		out.WebhookID = &s
	}
	return out
}

func toSchedule(s *model.Schedule) *gql.Schedule {
	return &gql.Schedule{ID: s.ID.String(), Name: s.Name, GraphID: s.GraphID.String(), GraphVersion: s.GraphVersion,
		Cron: s.Cron, Timezone: s.Timezone, Inputs: jsonOr(s.Inputs, "{}"), NextRunAt: s.NextRunAt,
		LastRunAt: schedule.LastDue(s, time.Now()), IsActive: s.IsActive, MisfirePolicy: gql.MisfirePolicy(s.MisfirePolicy),
		CreatedAt: s.CreatedAt}
}

// scheduleInput maps the GraphQL input; errors name the input's field.
func scheduleInput(in gql.ScheduleInput) (schedule.Input, error) {
	// A version's id names its graph, and that version unless graphVersion says otherwise.
	ref, err := lookupGraph("input.graphId", in.GraphID)
	if err != nil {
		return schedule.Input{}, err
	}
	inputs, err := jsonObjectArg("input.inputs", in.Inputs)
	if err != nil {
		return schedule.Input{}, err
	}
	// graphVersion must agree with a version id (BAD_USER_INPUT, as for
	// executeGraph), not name another version that may not exist.
	v, err := ref.withVersion("input.graphVersion", in.GraphVersion)
	if err != nil {
		return schedule.Input{}, err
	}
	out := schedule.Input{GraphID: ref.id, GraphVersion: v, Name: in.Name, Cron: in.Cron, Inputs: inputs}
	if in.Timezone != nil {
		if *in.Timezone == "" {
			return schedule.Input{}, model.Invalid("input.timezone", "give an IANA time zone name, or leave it out for yours")
		}
		out.Timezone = *in.Timezone
	}
	if in.MisfirePolicy != nil {
		out.MisfirePolicy = model.MisfirePolicy(*in.MisfirePolicy)
	}
	return out, nil
}

// inputField prefixes a service error's field with "input." (the
// argument the user wrote), leaving other errors alone.
func inputField(err error) error {
	if ie, ok := err.(*model.InputError); ok && ie.Field != "" && ie.Field != "input.graphId" {
		return model.Invalid("input."+ie.Field, "%s", ie.Message)
	}
	return err
}

func (r *mutationResolver) CreateSchedule(ctx context.Context, input gql.ScheduleInput) (*gql.Schedule, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	in, err := scheduleInput(input)
	if err != nil {
		return nil, err
	}
	s, err := r.ScheduleService.Create(ctx, u, in)
	if err != nil {
		return nil, inputField(err)
	}
	return r.toSchedules(ctx, s)[0], nil
}

func (r *mutationResolver) UpdateSchedule(ctx context.Context, id string, input gql.ScheduleInput) (*gql.Schedule, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	sid, err := parseID("id", id)
	if err != nil {
		return nil, err
	}
	in, err := scheduleInput(input)
	if err != nil {
		return nil, err
	}
	if err := r.keepStoredSecrets(ctx, u.ID, sid, in.Inputs); err != nil {
		return nil, err
	}
	s, err := r.ScheduleService.Update(ctx, u, sid, in)
	if err != nil {
		return nil, inputField(err)
	}
	return r.toSchedules(ctx, s)[0], nil
}

func (r *mutationResolver) setScheduleActive(ctx context.Context, id string, active bool) (*gql.Schedule, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	sid, err := parseID("id", id)
	if err != nil {
		return nil, err
	}
	s, err := r.ScheduleService.SetActive(ctx, u.ID, sid, active)
	if err != nil {
		return nil, err
	}
	return r.toSchedules(ctx, s)[0], nil
}

func (r *mutationResolver) PauseSchedule(ctx context.Context, id string) (*gql.Schedule, error) {
	return r.setScheduleActive(ctx, id, false)
}

func (r *mutationResolver) ResumeSchedule(ctx context.Context, id string) (*gql.Schedule, error) {
	return r.setScheduleActive(ctx, id, true)
}

func (r *mutationResolver) DeleteSchedule(ctx context.Context, id string) (bool, error) {
	u, err := me(ctx)
	if err != nil {
		return false, err
	}
	sid, err := parseID("id", id)
	if err != nil {
		return false, err
	}
	if err := r.ScheduleService.Delete(ctx, u.ID, sid); err != nil {
		return false, err
	}
	return true, nil
}

func (r *queryResolver) Schedules(ctx context.Context, graphID string) ([]*gql.Schedule, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	ref, err := lookupGraph("graphId", graphID)
	if err != nil {
		return nil, err
	}
	gid := ref.id
	ss, err := r.Store.ScheduleListByGraph(ctx, u.ID, gid)
	if err != nil {
		return nil, err
	}
	return r.toSchedules(ctx, ss...), nil
}

// Executions of a schedule: the runs its latest occurrences started.
func (r *scheduleResolver) Executions(ctx context.Context, obj *gql.Schedule, first *int) ([]*gql.GraphExecution, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	n := 20
	if first != nil {
		if *first < 0 || *first > 100 {
			return nil, model.Invalid("first", "must be between 0 and 100")
		}
		n = *first
	}
	sid, err := uuid.Parse(obj.ID)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return []*gql.GraphExecution{}, nil
	}
	exs, err := r.loaders(ctx).scheduleRuns.Load(ctx, scheduleRunsKey{user: u.ID, schedule: sid, first: n})
	if err != nil {
		return nil, err
	}
	out := make([]*gql.GraphExecution, 0, len(exs))
	inputs := r.shownInputs(ctx, exs...)
	for i, e := range exs {
		if authz.IsOwner(u, e.UserID) {
			ex := toStoredExecution(e)
			ex.Inputs = jsonOr(inputs[i], "{}")
			out = append(out, ex)
		}
	}
	return out, nil
}

// Webhooks of a graph: its owner's only (the URLs are the owner's to hand out).
func (r *graphResolver) Webhooks(ctx context.Context, obj *gql.Graph) ([]*gql.Webhook, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	if obj.OwnerID != u.ID.String() {
		return []*gql.Webhook{}, nil
	}
	gid, err := uuid.Parse(obj.GraphID)
	if err != nil {
		return nil, err
	}
	hooks, err := r.loaders(ctx).webhooks.Load(ctx, gid)
	if err != nil {
		return nil, err
	}
	out := make([]*gql.Webhook, 0, len(hooks))
	for _, w := range hooks {
		out = append(out, &gql.Webhook{ID: w.ID.String(), URL: r.PublicURL + "/webhooks/" + w.ID.String(),
			NodeKey: w.NodeKey, Provider: w.Provider, HasSecret: w.HasSecret, CreatedAt: w.CreatedAt})
	}
	return out, nil
}

func (r *mutationResolver) RotateWebhookSecret(ctx context.Context, id string) (*gql.WebhookSecret, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	wid, err := parseID("id", id)
	if err != nil {
		return nil, err
	}
	secret, err := r.WebhookService.RotateSecret(ctx, u.ID, wid)
	if err != nil {
		return nil, err
	}
	return &gql.WebhookSecret{Secret: secret}, nil
}
