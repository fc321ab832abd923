// Package engine runs graphs. Postgres is both the record and the queue: a
// worker claims a run by taking its lease, schedules the run's nodes in
// memory, runs their blocks, routes their outputs, and writes every change
// through a group-commit writer; events go to Redis only after the commit
// that gave them their sequence numbers. Nothing but Postgres is durable: a
// run whose worker dies is resumed from it by another worker once the lease
// expires. This comment follows one run through the code.
//
// Where things are:
//
//	engine.go       Options, Engine, Start and Stop (graceful shutdown)
//	submit.go       Submit: validate and store a run (QUEUED, or claimed here at once)
//	submitbatch.go  concurrent submits share one statement
//	claim.go        the claim loop, heartbeats, the NOTIFY listener, takeovers
//	run.go          the run: its scheduling state, loading (resume), begin
//	router.go       the ready-set: routing outputs, promoting inputs, ending a run
//	node.go         a node execution: execute, pre-run charge, run the block, finish
//	graph.go        compiled graphs; mayRunSpeculatively, the speculation rule
//	writer.go       group commits, and pendingWrites, what waits for the next one
//	publish.go      events to Redis after commit, in commit order
//	cancel.go       Cancel
//	agent.go        child runs of AGENT blocks
//	pool.go         the goroutines that run blocks (Options.MaxNodes)
//
// # A run
//
// The run's status in Postgres (graph_executions.status), and who moves it.
// Every move is a conditional UPDATE from the expected previous status:
//
//	Submit ---> QUEUED ---Cancel: one conditional UPDATE, no worker---------> CANCELLED
//	              |
//	              | claim: claimLoop, or a local Submit's own INSERT
//	              v
//	     +----> RUNNING, held by a worker ---end decided, then committed---> COMPLETED
//	     |        |                    (decideEnd, maybeComplete)          FAILED
//	     |        |                                                        CANCELLED
//	     |        | abandon: lease lost, commit failed,                    TIMEOUT
//	     |        | or Stop (which releases the lease)
//	     |        v
//	     +----- RUNNING, held by nobody once its lease expired or was released
//	  claim by any worker: resumed from what is committed
//	  (a takeover past MaxResumes ends it FAILED instead)
//
// A run this worker holds goes through these states in memory (run.go):
//
//	claimed --startClaimed--> loadRun --begin--> live --------> stopping --final commit--> closed
//	                                              |  decideEnd or    |   (pending.final)      (end:
//	                                              |   maybeComplete  |                         OnRunEnd)
//	                                              +------------------+--abandon--> closed, abandoned
//	                                                                              (nothing more written)
//
// live: nodes are promoted and run, and every change waits in run.pending
// for the writer. stopping: the end is decided (run.stopping); executions
// whose block had not started were ended, blocks still running are waited
// for (see the ready-set below), and then the terminal write is pending.
// closed: the terminal status was taken by a commit, or the run was
// abandoned; run.done is closed and the engine forgets the run.
//
// # Claim
//
// claimLoop (claim.go) reserves the free top-level slots (Options.MaxRuns)
// and claims up to that many runs in one statement (Store.ExecutionClaim):
// QUEUED top-level runs, and RUNNING ones whose lease expired or was
// released, oldest first, with
// FOR UPDATE SKIP LOCKED so concurrent workers never wait on each other or
// take the same run, respecting Options.MaxRunsPerUser across workers. The
// claim sets lease_owner to this engine's Owner and lease_expires_at to now
// plus LeaseDuration; a QUEUED run becomes RUNNING and its RUNNING event
// takes the next sequence number in the same statement. The loop claims at
// once when woken (a Submit here, NOTIFY agentgraph_execution_queued from
// another process, a run ending here) and otherwise every PollInterval,
// which is also how expired leases are found. A run submitted here while a slot is free skips
// the loop: submitCompiled stores it already claimed (ExecutionInsertClaimed).
//
// The lease is kept alive by heartbeatLoop every HeartbeatInterval
// (LeaseDuration/3) and by every commit that writes the run. A heartbeat
// that no longer finds the run held here abandons it: another worker took it
// over after this one stalled. A heartbeat also delivers cancel requests
// that missed their NOTIFY (agentgraph_execution_cancel, see listenLoop).
//
// Child runs (AGENT blocks, agent.go) are never claimed by the loop: the
// worker running the parent's AGENT node claims its child by id, whatever
// its lease, because the parent's lease is the authority. Cancel also claims
// by id a RUNNING run nobody holds, to end it CANCELLED at once.
//
// A takeover is a claim of a RUNNING run whose lease still named an owner:
// it counts in the run's resumes. Past MaxResumes, startClaimed ends the run
// FAILED instead of running it again: whatever kept killing its workers
// would happen again.
//
// # The ready-set
//
// A node execution is runnable when every input pin with an incoming link
// holds a value. route (router.go) sends each yielded value, at once, along
// every link from its pin: it fills the earliest execution of the sink still
// waiting without that pin, or a new one (at most MaxNodeExecutions per
// run). A static link's value is also remembered and fills every later
// execution of its sink. tryPromote then promotes an execution whose linked
// pins are all filled; until then its partial input is stored, so a resumed
// run finds it. promote merges the defaults under the linked values (and
// the run's inputs into an input block), validates the result against the
// block's schema, appends the execution to run.execs as QUEUED, and either
// hands it to the pool now or parks it in pending.afterCommit (see below).
// A fresh run starts by promoting its entry nodes (no incoming links).
//
// The run ends COMPLETED when nothing is in flight (run.inFlight == 0, see
// maybeComplete); executions still waiting for pins that never came are
// dropped with the run's waiting-input rows. It ends FAILED when a node
// fails (or times out: TIMEOUT) with nothing linked to its error pin, when
// a charge cannot be paid, or past MaxNodeExecutions; CANCELLED on Cancel;
// TIMEOUT past RunTimeout.
//
// Once the end is decided (run.decideEnd) nothing new starts, and
// executions whose block has not started end at once. Blocks already
// running are let return, so that each records what it really did: the
// terminal write waits for the last of them. An end from outside (Cancel,
// RunTimeout, MaxNodeExecutions: run.stop) cancels the run's context, which
// interrupts them; an end caused by a node (run.fail) lets them finish for
// up to finishGrace first, since they were started and paid for. A block
// that ignores its cancelled context is waited for stopGrace at most.
//
// # A node execution
//
// Its phase in memory (node.go) and, in brackets, its status in Postgres
// (node_executions.status):
//
//	route: a value for a linked pin
//	  |
//	  v
//	waiting  (no status yet; partial input in node_execution_inputs) --run ends--> dropped
//	  |
//	  | every linked pin holds a value: promote
//	  v
//	ready [QUEUED] --input fails the block's schema--------------------------------> [FAILED]
//	  |
//	  | speculative: into the pool at once;
//	  | otherwise: into the pool after the commit that holds its QUEUED row
//	  v
//	execute [RUNNING] --priced, not upfront------> charging [RUNNING]
//	  |                                               |  commit answers the charge:
//	  |                                               |  paid:   -> ready -> execute again
//	  |                                               |  unpaid: [FAILED], the run FAILED
//	  v
//	running [RUNNING]  block.Run (an upfront charge rides the next commit with it);
//	                   every emitted value is stored and routed at once
//	  |
//	  +--returns nil-----------> done [COMPLETED]
//	  +--returns an error------> done [FAILED]   the message is routed on the error pin;
//	  +--past NodeTimeout------> done [TIMEOUT]  with no link there the run ends too
//
// When the run's end is decided first, a ready or charging execution ends
// at once: CANCELLED (a RUNNING one TIMEOUT when the run timed out), and
// refunded (see Cost). A running one ends when its block returns
// (finishStopped): COMPLETED if it returned nil, whatever ended the run;
// interrupted, CANCELLED (TIMEOUT when the run timed out); otherwise FAILED
// or TIMEOUT for its own reasons, without routing anything.
//
// # Speculative execution
//
// A promoted node may start before the commit that makes its input durable
// only if mayRunSpeculatively (graph.go) says so; that function holds the
// rule and why, and compile caches its answer per node (gnode.speculative).
// In short: side-effect-free blocks may run on uncommitted inputs, because
// everything they produce is committed after, or together with, what they
// consumed, and is published only after that commit; a crash loses the whole
// uncommitted suffix at once and the next worker recomputes it. Blocks with
// credentials, AI, integration and AGENT blocks wait for the commit (a
// price alone does not: see Cost, nor a webhook trigger, whose payload is
// its run's stored input); with Options.Strict every block does. Nodes
// re-run after a resume start at once: their input was read from Postgres.
//
// # Commit batches
//
// Whatever the scheduling changes goes into run.pending (pendingWrites,
// writer.go), under the run's lock; markPending queues the run on its
// writer. A run always uses the same writer (Options.Writers of them, by
// run id), so its commits are ordered. The writer takes every queued run
// (run.flush) and writes all of their changes in one transaction of
// multi-row statements (Store.ExecutionApplyBatch):
//
//   - per run: the advance of its event sequence from the last written
//     value (fenced: lease_owner must still be this worker, last_seq must
//     be the expected one), the lease extended, the graph outputs if they
//     changed, and on the run's end its terminal status, stats and the
//     lease released;
//   - node execution rows inserted or updated (each update conditional on
//     the previous status), waiting inputs stored or deleted;
//   - charges (see Cost) and execution log lines.
//
// When it flushes: at once when the writer is idle; while a commit is in
// flight the next batch accumulates, so batches grow with load and shrink
// when it drops. Stop flushes every writer before handing runs back.
//
// After the commit, in this order: the batch's events are handed to the
// publisher, then run.committed, for each run, answers its charges, starts
// its afterCommit nodes and, for a run whose end was written, ends it
// (OnRunEnd).
// If the batch fails: runs whose lease was lost are dropped from it
// (abandoned) and the rest is retried; a deadlock or serialization failure
// retries the whole batch (up to 3 times); any other error abandons every
// run of the batch, to be resumed by whoever claims it after its lease
// expires. A run's uncommitted changes and events are dropped with it.
//
// # Publish
//
// Events are published to Redis (the Publisher, events.Publisher) by
// eventQueue (publish.go): one goroutine, in commit order, so each run's
// events leave in sequence order, and only after the commit that wrote their
// sequence numbers. A failed publish is logged, not retried: subscribers see
// the gap in the sequence and re-read the run from Postgres. Events written
// outside a group commit (QUEUED on Submit, RUNNING on the claim of a
// QUEUED run, CANCELLED of a QUEUED run) go through publishNow, after their
// own commit.
//
// # Cost
//
// A node execution is charged once, before its block runs, and settled
// when it ends, both in the writer's transactions:
//
//   - execute prices it (planNode, costs.go: the block's costs in force,
//     operator-set ones from the database via Options.Costs, else the
//     code's, through blocks.PlanCosts): RUN and kinds priced from the
//     input are fixed; BYTE, REQUEST, SECOND and TOKEN with a limit the
//     block declares (blocks.Info.Limits; SECOND defaults to the node
//     timeout) are reserved at their limit's price, plus what
//     blocks.Info.Reserve asks for registry-priced tokens. If the run has
//     a budget (maxCost) and its spend plus this would pass it, the node
//     and the run fail ("budget exceeded", run.overBudget). The spend is
//     the run tree's (its child runs share the budget, budget.go), and a
//     run taken over after a crash starts from what its children already
//     spent (run.seedDescendants). Otherwise
//     run.charge queues the charge and decides whether the node waits for
//     its answer. A fixed price on a side-effect-free block, in a top-level
//     run of a graph of such blocks only (graph.pure), while the user's
//     balance last seen by this worker covers it and
//     the charges still pending (creditHints), is charged upfront: the
//     block runs at once and its charge rides the commit that carries the
//     node's own writes, so a chain of paid nodes costs no commit round
//     per node. Refused there (the balance was spent elsewhere meanwhile),
//     it rolls back its whole batch (db.ChargeRefusedError); its run goes
//     back to its last commit and runs again from it (Engine.retake), its
//     nodes now charged one by one, while the rest of the batch is written
//     without it. Any other node waits in the charging phase while its
//     charge is committed;
//   - while it runs the block reports usage (RunContext.Use, refused past
//     the limit; RunContext.Spend for credits) and a SECOND-priced node is
//     stopped at its reserved seconds;
//   - when it ends, run.settle (costs.go) keeps the actual price and gives the rest
//     back as one REFUND of the same charge (db.Refund.Amount), in the
//     batch that writes its end. Nothing is charged after the run.
//
// The charge is a pendingCharge in run.pending.charges; writer.commit turns
// it into a db.Charge of the batch (naming the run, graph and block on the
// ledger line, which usage reads), and the store debits the balance only
// if it covers the amount, keyed by the node execution id, so a node
// execution re-run after a crash is never charged twice. run.charged
// applies the answer: a paid charge lets the block run, an unpaid one
// fails the node and the run ("insufficient credits").
//
// A charge is kept only for work done. A node charged whose block then
// never starts (its run ended between the charge's commit and the start)
// is refunded in full: run.refund queues a db.Refund, written in the batch
// that ends the node. A block that started keeps the price of what it
// used, whatever ended it. What a node kept is its stats' Cost, and the
// run's stats' TotalCost sums them: both equal the ledger's charges minus
// refunds for them. Live text (RunContext.Delta) goes out as
// NODE_OUTPUT_DELTA events (delta.go), published at once outside the
// gap-free sequence and never stored.
//
// # Resume
//
// A run is resumed by whichever worker claims it next, after a crash, a
// lost lease, a failed commit or a shutdown here. loadRun (run.go) rebuilds
// it from what is committed: node executions with their status and outputs,
// waiting partial inputs, static link values, the graph outputs. Ended
// node executions never run again; QUEUED and RUNNING ones run again, from
// their stored input (so only nodes that were in flight may run twice).
// Their outputs already committed are not routed again: run.output skips
// the first values per pin (nodeExec.replay), whose routing was committed in
// the same transaction as the values themselves. A run found with a failure
// nobody handles ends as it would have.
//
// # Shutdown
//
// Stop (engine.go) works in two stages. It stops claiming and starting
// blocks at once (draining), then lets running blocks finish for up to
// Options.ShutdownGrace, flushes every writer so their outputs are committed,
// abandons every run it holds (nothing more is written; blocks still
// running are cancelled) and hands them back in one statement
// (ExecutionRelease clears the lease, so another worker claims them at once
// and the handback does not count as a takeover). Then the loops, writers
// and pool stop.
package engine
