package engine

import (
	"strconv"
	"sync"
	"sync/atomic"
)

// nodePool runs ready node executions on a fixed number of goroutines
// (Options.MaxNodes): the per-worker concurrency limit. Tasks start in the
// order they became ready, across all runs.
type nodePool struct {
	e       *Engine
	mu      sync.Mutex
	cond    *sync.Cond
	q       []task
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

func (p *nodePool) start(n int) {
	for range n {
		go p.worker()
	}
}

func (p *nodePool) submit(r *run, x *nodeExec) {
	p.mu.Lock()
	p.q = append(p.q, task{r, x})
	p.mu.Unlock()
	p.cond.Signal()
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
