package engine

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/agentgraph/agentgraph/blocks"
)

// nodePool runs ready node executions in two lanes, each starting its
// tasks in the order they became ready, across all runs:
//
//   - plain blocks on a fixed number of goroutines (Options.MaxNodes), the
//     per-worker concurrency limit of the work that uses the CPU;
//   - AI blocks (blocks.TypeAI) on a goroutine each, at most
//     Options.MaxAINodes at once. A model call waits seconds on its
//     provider, using no CPU meanwhile: in the plain lane, 2,000 of them
//     would hold (or queue for) the slots a plain node needs, and a chain
//     of plain nodes would wait behind calls that are only waiting (issue
//     12: a 40-node chain keeps its pace beside 2,000 calls in flight).
//     An agent block running its tool nodes (SmartDecisionMakerBlock) no
//     longer takes the slots its tools need either. A goroutine each, not a
//     fixed set: a lane sized for thousands of calls would otherwise park
//     thousands of idle goroutines.
type nodePool struct {
	e       *Engine
	mu      sync.Mutex
	cond    *sync.Cond
	q       []task // the plain lane's queue
	ai      []task // the AI lane's queue, when maxAI are running
	aiRun   int    // AI lane goroutines running
	maxAI   int
	stopped bool
	blocks  atomic.Int64
	idle    chan struct{}
}

type task struct {
	r *run
	x *nodeExec
}

func newNodePool(e *Engine) *nodePool {
	p := &nodePool{e: e, idle: make(chan struct{}, 1)}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// start starts the plain lane's n goroutines; the AI lane runs up to maxAI.
func (p *nodePool) start(n, maxAI int) {
	p.mu.Lock()
	p.maxAI = maxAI
	p.mu.Unlock()
	for range n {
		go p.worker()
	}
}

func (p *nodePool) submit(r *run, x *nodeExec) {
	t := task{r, x}
	p.mu.Lock()
	if x.n.info.Type != blocks.TypeAI {
		p.q = append(p.q, t)
		p.mu.Unlock()
		p.cond.Signal()
		return
	}
	if p.aiRun >= p.maxAI || p.stopped {
		p.ai = append(p.ai, t)
		p.mu.Unlock()
		return
	}
	p.aiRun++
	p.mu.Unlock()
	go p.aiWorker(t)
}

func (p *nodePool) worker() {
	for {
		p.mu.Lock()
		for len(p.q) == 0 && !p.stopped {
			p.cond.Wait()
		}
		if p.stopped {
			p.mu.Unlock()
			return
		}
		t := p.q[0]
		p.q[0] = task{}
		p.q = p.q[1:]
		p.mu.Unlock()
		p.e.execute(t.r, t.x)
	}
}

// aiWorker runs t, then the AI tasks queued meanwhile, and ends when none
// is left.
func (p *nodePool) aiWorker(t task) {
	for {
		p.e.execute(t.r, t.x)
		p.mu.Lock()
		if len(p.ai) == 0 || p.stopped {
			p.aiRun--
			p.mu.Unlock()
			return
		}
		t = p.ai[0]
		p.ai[0] = task{}
		p.ai = p.ai[1:]
		p.mu.Unlock()
	}
}

func (p *nodePool) stop() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	p.cond.Broadcast()
}

func (p *nodePool) blockStarted() { p.blocks.Add(1) }

func (p *nodePool) blockEnded() {
	if p.blocks.Add(-1) == 0 {
		select {
		case p.idle <- struct{}{}:
		default:
		}
	}
}

// busy is the number of blocks running now.
func (p *nodePool) busy() int64 { return p.blocks.Load() }

func (p *nodePool) idleSignal() <-chan struct{} { return p.idle }

func (e *Engine) isDraining() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.draining
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
