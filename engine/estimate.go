package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

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
// are unknown, so a cost filtered on a linked pin counts in a node's
// amount and not in its min, and a node whose price reads a linked value
// (pricedByLinks) leaves the run without a bound. AI blocks are priced as
// on the platform's key (the worst case). Min counts the fixed part of
// paid nodes that always run (none downstream of a conditional or
// repeating block); Max every paid node once at what it reserves, and
// each AGENT node's child run at its own max (childMax), nil when some
// may repeat, be priced by a linked value, or start a child without a
// bound.
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
	return e.estimate(ctx, userID, g, inputs, &childWalk{above: []model.GraphKey{t.Graph}, left: maxChildEstimates}), nil
}

// estimate prices one pass of g with these inputs; w is where g stands in
// a walk of AgentExecutorBlock children (childMax).
func (e *Engine) estimate(ctx context.Context, userID uuid.UUID, g *graph, inputs map[string]any, w *childWalk) *model.CostEstimate {
	mayRepeat, maySkip := downstreamOf(g, repeating), downstreamOf(g, conditional)
	// A node an AI block calls as a tool runs once per call the model
	// makes, from none to many (several calls in one answer, an agent's
	// iterations), and so does what it feeds.
	for n := range toolDriven(g) {
		mayRepeat[n], maySkip[n] = true, true
	}
	out := &model.CostEstimate{ByNode: []model.NodeCostEstimate{}}
	var maxTotal int64
	bounded := true
	for _, n := range g.order {
		input, linked := estimateInput(n, inputs)
		// An AGENT node's child run is charged node by node to the same
		// user: what it can cost counts in max (not in the node's amount,
		// which is what the node itself is charged).
		childByLink := false
		if n.is(blocks.TypeAgent) {
			child, ok, byLink := e.childMax(ctx, userID, n, input, w)
			childByLink = byLink
			if !ok || child > 0 && mayRepeat[n] {
				bounded = false
			}
			maxTotal = blocks.AddCredits(maxTotal, child)
		}
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
			kind = string(dominantKind(upper, input))
		}
		ne := model.NodeCostEstimate{NodeKey: n.key, CostType: kind, Amount: amount, Min: least, MayRepeat: mayRepeat[n],
			PricedByLinks: childByLink || pricedByLinks(n.info, upper, linked)}
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
	return out
}

// maxChildEstimates is how many child graphs one estimate prices at most:
// agents that each run several agents multiply, level by level.
const maxChildEstimates = 64

// childWalk is where an estimate stands among AgentExecutorBlock children:
// the graph priced and those above it (the run's own first), and how many
// more child graphs may be priced.
type childWalk struct {
	above []model.GraphKey
	left  int
}

// childMax is the most the child run of AGENT node n (input: its input as
// estimated) can be charged: its graph's own estimate's max, the node's
// inputs as its inputs (those arriving on links unknown, as inputs not
// given are). ok is false when there is no bound before the run: the graph
// arrives on a link (byLink), cannot be read by userID now, runs itself
// (directly or not), or the walk has priced too many; or the child's own
// max is null. A node nested too deep to start a child costs none.
func (e *Engine) childMax(ctx context.Context, userID uuid.UUID, n *gnode, input map[string]any, w *childWalk) (child int64, ok, byLink bool) {
	childInputs, _ := input["inputs"].(map[string]any)
	for _, pin := range n.linked {
		switch base := blocks.BasePin(pin); {
		case base == "graph_id" || base == "graph_version":
			return 0, false, true
		case base != "inputs":
		case strings.HasPrefix(pin, "inputs_#_"): // one input arrives on the link
			childInputs = maps.Clone(childInputs)
			delete(childInputs, blocks.BasePin(pin[len("inputs_#_"):]))
		default: // the whole object arrives on the link
			childInputs = nil
		}
	}
	if len(w.above)-1 >= MaxAgentDepth {
		return 0, true, false // RunAgent refuses to start it
	}
	if w.left <= 0 {
		return 0, false, false
	}
	w.left--
	gid, err := uuid.Parse(fmt.Sprint(input["graph_id"]))
	if err != nil {
		return 0, false, false
	}
	version := 0
	if v, isNum := input["graph_version"].(float64); isNum {
		version = int(v)
	}
	t, err := e.submitTarget(userID, gid, version)
	if err != nil {
		return 0, false, false
	}
	g, err := e.compiled(ctx, t.Graph.ID, t.Graph.Version)
	if err != nil || g.g.UserID != userID && !g.g.IsTemplate || slices.Contains(w.above, t.Graph) {
		return 0, false, false
	}
	sub := &childWalk{above: append(slices.Clone(w.above), t.Graph), left: w.left}
	est := e.estimate(ctx, userID, g, childInputs, sub)
	w.left = sub.left
	if est.Max == nil {
		return 0, false, false
	}
	return *est.Max, true, false
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
	for _, n := range g.order {
		if from[n.info.Name] {
			markDownstream(n, func(string) bool { return true }, seen)
		}
	}
	return seen
}

// toolDriven marks the nodes reachable through a tool link (an AI block's
// tools pin): the tools and what they feed.
func toolDriven(g *graph) map[*gnode]bool {
	seen := map[*gnode]bool{}
	for _, n := range g.order {
		markDownstream(n, blocks.IsToolPin, seen)
	}
	return seen
}

// markDownstream marks in seen the nodes reachable from n through its
// output pins that pass, then through any pin.
func markDownstream(n *gnode, pass func(pin string) bool, seen map[*gnode]bool) {
	for pin, links := range n.out {
		if !pass(pin) {
			continue
		}
		for _, l := range links {
			if !seen[l.sink] {
				seen[l.sink] = true
				markDownstream(l.sink, func(string) bool { return true }, seen)
			}
		}
	}
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
