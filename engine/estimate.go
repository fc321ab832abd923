package engine

import (
	"context"
	"maps"
	"slices"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
)

// repeating blocks yield their output pins any number of times per run (one
// value per item), so whatever they feed may run as often.
var repeating = map[string]bool{"StepThroughItemsBlock": true}

// conditional blocks route a value down one of several pins: what they
// feed may not run at all.
var conditional = map[string]bool{"ConditionBlock": true}

// Estimate prices a run of one of userID's graphs (the seed's
// get_cost_estimate per node, priced as the engine charges: PlanCosts).
// Each paid node's input is its defaults, with the run's inputs in its
// input blocks (estimateInput); linked values, and the inputs not given,
// are unknown, so a cost filtered on a linked
// pin counts in a node's amount and not in its min, and a node whose
// price reads a linked value (pricedByLinks) leaves the run without a
// bound. AI blocks are priced as on the platform's key (the worst case).
// Min counts the fixed part of paid nodes that always run (none
// downstream of a conditional or repeating block); Max every paid node
// once at what it reserves, nil when some may repeat or be priced by a
// linked value.
func (e *Engine) Estimate(ctx context.Context, userID, graphID uuid.UUID, version int, inputs map[string]any) (*model.CostEstimate, error) {
	t, err := e.submitTarget(userID, graphID, version)
	if err != nil {
		return nil, err
	}
	if t.GraphOwner != userID {
		return nil, model.NotFound("graph")
	}
	g, err := e.compiled(ctx, t.Graph.ID, t.Graph.Version)
	if err != nil {
		return nil, err
	}
	// Inputs may be partial (an estimate comes before the form is full),
	// but one the graph does not have is a mistake executeGraph would refuse.
	if err := g.checkInputNames(inputs, nil); err != nil {
		return nil, err
	}
	mayRepeat, maySkip := downstreamOf(g, repeating), downstreamOf(g, conditional)
	out := &model.CostEstimate{ByNode: []model.NodeCostEstimate{}}
	var maxTotal int64
	bounded := true
	for _, n := range g.order {
		input, linked := estimateInput(n, inputs)
		// A cost rule filtered on a linked pin may or may not apply: the
		// most counts it, the least does not.
		upper, lower := filtersOnLinks(e.nodeCosts(n), linked)
		plan := blocks.PlanCosts(upper, e.nodeLimits(n, input), input, e.secondsLimit())
		least := blocks.PlanCosts(lower, e.nodeLimits(n, input), input, e.secondsLimit()).Fixed
		amount := plan.Total()
		parts := map[string]int64{}
		for k, price := range plan.Prices {
			parts[string(k)] = blocks.AddCredits(parts[string(k)], blocks.MulCredits(price, blocks.Units(k, plan.Limits[k])))
		}
		for _, c := range upper {
			if c.Type == blocks.CostRun && c.Matches(input) {
				parts[string(blocks.CostRun)] += c.Amount
			}
		}
		if reserve := n.info.Reserve; reserve != nil {
			creds := map[string]blocks.Credential{}
			for _, p := range n.info.CredentialProviders {
				creds[p] = blocks.Credential{Provider: p, Operator: true}
			}
			if res, err := reserve(input, creds); err == nil && res > 0 {
				amount = blocks.AddCredits(amount, res)
				parts[string(blocks.CostToken)] += res
			}
		}
		if amount <= 0 {
			continue
		}
		kind, top := "", int64(-1)
		for _, k := range blocks.CostTypes {
			if parts[string(k)] > top {
				kind, top = string(k), parts[string(k)]
			}
		}
		if top <= 0 { // priced from the input by the seed's formula
			kind = string(dominantKind(n.info.Costs, input))
		}
		ne := model.NodeCostEstimate{NodeKey: n.key, CostType: kind, Amount: amount, Min: least, MayRepeat: mayRepeat[n],
			PricedByLinks: pricedByLinks(n.info, upper, linked)}
		out.ByNode = append(out.ByNode, ne)
		maxTotal = blocks.AddCredits(maxTotal, amount) // saturates: a price past int64 is unpayable, never small
		if ne.MayRepeat || ne.PricedByLinks {
			bounded = false
		}
		if !mayRepeat[n] && !maySkip[n] {
			out.Min += least
		}
	}
	if bounded {
		out.Max = &maxTotal
	}
	return out, nil
}

// estimateInput is n's input as the run builds it (router.go), with what
// the estimate cannot know left out, and the pins it arrives on: those with
// a link (by base pin: a dynamic pin's value lands in its base pin), and an
// input node's value when the estimate is not given its input (left out or
// null: the run may give any value, or keep the node's own). Dynamic pins
// given as defaults (prompt_values_#_text) are merged into their pin, as
// the run merges them before pricing.
func estimateInput(n *gnode, inputs map[string]any) (map[string]any, []string) {
	input := maps.Clone(n.defaults)
	if input == nil {
		input = map[string]any{}
	}
	linked := make([]string, 0, len(n.linked)+1)
	for _, pin := range n.linked {
		if base := blocks.BasePin(pin); !slices.Contains(linked, base) {
			linked = append(linked, base)
		}
	}
	if n.is(blocks.TypeInput) {
		name, _ := input["name"].(string)
		if v := inputs[name]; name != "" && v != nil {
			input["value"] = v
		} else if !slices.Contains(linked, "value") {
			linked = append(linked, "value")
		}
	}
	if merged, err := blocks.MergeDynamicPins(input); err == nil {
		input = merged
	}
	return input, linked
}

// dominantKind is the kind of the largest matching cost.
func dominantKind(costs []blocks.Cost, input map[string]any) blocks.CostType {
	kind, top := blocks.CostRun, int64(-1)
	for _, c := range costs {
		if c.Matches(input) && c.Calculate(input) > top {
			kind, top = c.Type, c.Calculate(input)
		}
	}
	return kind
}

// downstreamOf marks the nodes reachable from a node whose block is named
// in from (not those nodes themselves).
func downstreamOf(g *graph, from map[string]bool) map[*gnode]bool {
	seen := map[*gnode]bool{}
	var walk func(n *gnode)
	walk = func(n *gnode) {
		for _, links := range n.out {
			for _, l := range links {
				if !seen[l.sink] {
					seen[l.sink] = true
					walk(l.sink)
				}
			}
		}
	}
	for _, n := range g.order {
		if from[n.info.Name] {
			walk(n)
		}
	}
	return seen
}

// filtersOnLinks splits costs for an estimate of a node whose linked pins
// are unknown: upper has every rule that may apply (a filter's linked keys
// left out), lower only those that apply whatever the links bring (no
// filter on a linked pin).
func filtersOnLinks(costs []blocks.Cost, linked []string) (upper, lower []blocks.Cost) {
	if len(linked) == 0 {
		return costs, costs
	}
	for _, c := range costs {
		onLink := false
		for _, pin := range linked {
			if _, ok := c.Filter[pin]; ok {
				onLink = true
				break
			}
		}
		if !onLink {
			upper, lower = append(upper, c), append(lower, c)
			continue
		}
		relaxed := c
		relaxed.Filter = maps.Clone(c.Filter)
		for _, pin := range linked {
			delete(relaxed.Filter, pin)
		}
		upper = append(upper, relaxed)
	}
	return upper, lower
}

// pricedByLinks reports whether a value arriving on one of the linked pins
// can change the node's price: a usage limit or reservation reading it
// (Info.PricedBy), or a priced rule whose formula reads the input itself
// (blocks.Cost.Calculate: BYTE and TOKEN measure it, REQUEST counts its
// request_count) for a kind the block sets no limit on.
func pricedByLinks(info *blocks.Info, costs []blocks.Cost, linked []string) bool {
	if len(linked) == 0 {
		return false
	}
	if info.Limits != nil || info.Reserve != nil {
		if info.PricedBy == nil {
			return true
		}
		for _, pin := range info.PricedBy {
			if slices.Contains(linked, pin) {
				return true
			}
		}
	}
	for _, c := range costs {
		if c.Amount <= 0 || info.Limits != nil && limitsKind(info, c.Type) {
			continue
		}
		switch c.Type {
		case blocks.CostByte, blocks.CostToken:
			return true
		case blocks.CostRequest:
			if slices.Contains(linked, "request_count") {
				return true
			}
		}
	}
	return false
}

// limitsKind reports whether the block's limits cover kind (they are the
// same kinds for every input: probed with none).
func limitsKind(info *blocks.Info, kind blocks.CostType) bool {
	_, ok := info.Limits(map[string]any{})[kind]
	return ok
}
