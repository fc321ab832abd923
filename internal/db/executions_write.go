package db

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// ExecutionBatch is one group commit of the engine: every change of many
// runs gathered over a millisecond or two, written in one transaction with
// one multi-row statement per kind. Rows travel as one JSON array per
// statement (jsonb_to_recordset): one parameter, NULLs and enums included.
type ExecutionBatch struct {
	Owner        string  // the worker's lease owner id: every run must still be held by it
	LeaseSeconds float64 // each write also extends the lease
	Runs         []RunWrite
	Nodes        []NodeExecutionWrite
	Inputs       []PendingInputWrite // upserts of waiting partial inputs
	InputsDone   []uuid.UUID         // waiting inputs that became node executions (or were dropped)
	InputsClear  []uuid.UUID         // runs whose waiting inputs are all dropped (run ended)
	Charges      []Charge
	Refunds      []Refund
	Logs         []LogWrite
}

// RunWrite is the change of one run in a batch. Every batch touching a run
// advances its event sequence from PrevSeq to LastSeq.
type RunWrite struct {
	ID           uuid.UUID             `json:"id"`
	PrevSeq      int64                 `json:"prev_seq"`
	LastSeq      int64                 `json:"last_seq"`
	PrevStatus   model.Status          `json:"prev_status,omitempty"`
	Status       model.Status          `json:"status,omitempty"` // "" = unchanged
	Outputs      json.RawMessage       `json:"outputs,omitempty"`
	ErrorMessage *string               `json:"error_message,omitempty"`
	Stats        *model.ExecutionStats `json:"stats,omitempty"`
	Release      bool                  `json:"release"` // the run ended: drop the lease
}

// NodeExecutionWrite is a node execution's latest state. Insert: a new row;
// otherwise an update conditional on PrevStatus (the last written status).
type NodeExecutionWrite struct {
	Insert           bool                      `json:"-"`
	ID               uuid.UUID                 `json:"id"`
	GraphExecutionID uuid.UUID                 `json:"graph_execution_id"`
	NodeID           uuid.UUID                 `json:"node_id"`
	PrevStatus       model.Status              `json:"prev_status,omitempty"`
	Status           model.Status              `json:"status"`
	Inputs           json.RawMessage           `json:"inputs,omitempty"`
	Outputs          json.RawMessage           `json:"outputs,omitempty"`
	CreatedAt        time.Time                 `json:"created_at"`
	StartedAt        *time.Time                `json:"started_at"`
	EndedAt          *time.Time                `json:"ended_at"`
	ErrorMessage     *string                   `json:"error_message"`
	Stats            *model.NodeExecutionStats `json:"stats,omitempty"`
}

// PendingInputWrite is the partial input of a node execution waiting for linked pins.
type PendingInputWrite struct {
	ID               uuid.UUID       `json:"id"`
	GraphExecutionID uuid.UUID       `json:"graph_execution_id"`
	NodeID           uuid.UUID       `json:"node_id"`
	Inputs           json.RawMessage `json:"inputs"`
	CreatedAt        time.Time       `json:"created_at"`
}

// Charge is one EXECUTION_COST debit for a node execution (ReferenceID).
// The run, graph and block it is for go on the ledger line (and on its
// refund), which usage reports group by.
type Charge struct {
	UserID           uuid.UUID
	ReferenceID      string
	Amount           int64
	Description      string
	GraphExecutionID uuid.UUID
	GraphID          uuid.UUID
	BlockID          uuid.UUID
	// Upfront: the node it pays for may already have run, and its writes
	// are in this batch; refused, it rolls the batch back
	// (ChargeRefusedError) rather than leave them paid for by nobody.
	Upfront bool
}

// Refund gives back what a node execution (ReferenceID) was charged before
// its block ran, because the block never ran. It is written in the batch
// that ends the node execution, so a node is never seen ended without its
// refund (nor refunded while it may still run); with no charge recorded, or
// one already refunded, it does nothing.
//
// With Amount set it gives back at most that much (0: nothing, no line —
// the ledger has no zero entries): the unused part of a reservation, settled in the batch that ends
// the node execution that ran. A node execution has at most one REFUND.
type Refund struct {
	UserID      uuid.UUID
	ReferenceID string
	Amount      *int64
	Description string
}

// ChargeResult says whether a charge is paid: now, or by an earlier charge
// with the same reference (a node execution re-run after a crash).
type ChargeResult struct {
	Paid         bool
	BalanceAfter int64 // when charged now
}

// LogWrite is one execution log line.
type LogWrite struct {
	ExecutionID     uuid.UUID  `json:"execution_id"`
	NodeExecutionID *uuid.UUID `json:"node_execution_id,omitempty"`
	NodeID          *uuid.UUID `json:"node_id,omitempty"`
	UserID          uuid.UUID  `json:"user_id"`
	Level           string     `json:"level"`
	Message         string     `json:"message"`
	LoggedAt        time.Time  `json:"logged_at"`
	// Metadata is the line's structured fields, a JSON object (none: {}).
	Metadata json.RawMessage `json:"metadata,omitempty"`
}

// LeaseLostError: some runs of the batch are no longer held by the batch's
// owner (another worker took them over). Nothing of the batch was written.
type LeaseLostError struct{ Runs []uuid.UUID }

func (e *LeaseLostError) Error() string {
	return fmt.Sprintf("lease lost on %d execution(s)", len(e.Runs))
}

// ChargeRefusedError: an Upfront charge of the batch was refused (the
// balance did not cover it). Nothing of the batch was written; Runs are the
// runs whose upfront charges were refused.
type ChargeRefusedError struct{ Runs []uuid.UUID }

func (e *ChargeRefusedError) Error() string {
	return fmt.Sprintf("upfront charges refused on %d execution(s)", len(e.Runs))
}

// ExecutionApplyBatch writes a batch in one transaction, all or nothing.
// Status moves are conditional (graph and node); a refused move rolls the
// batch back with an error, never overwrites. Charges are applied in order
// (sorted by user so concurrent batches lock balances in one order).
func (s *Store) ExecutionApplyBatch(ctx context.Context, b *ExecutionBatch) ([]ChargeResult, error) {
	// Split once into slices of the right size: a wide fan-out's batch has
	// thousands of rows (NodeExecutionWrite is large), and growing these
	// slices row by row copied each row many times.
	ni := 0
	for i := range b.Nodes {
		if b.Nodes[i].Insert {
			ni++
		}
	}
	inserts, updates := make([]NodeExecutionWrite, 0, ni), make([]NodeExecutionWrite, 0, len(b.Nodes)-ni)
	for _, n := range b.Nodes {
		if n.Insert {
			inserts = append(inserts, n)
		} else {
			updates = append(updates, n)
		}
	}
	if _, onPool := s.db.(*pgxpool.Pool); onPool && len(b.Charges) == 0 && len(b.Refunds) == 0 {
		return nil, s.applyPipelined(ctx, b, inserts, updates)
	}
	enc, err := encodeBatch(b, inserts, updates)
	if err != nil {
		return nil, err
	}
	var results []ChargeResult
	err = s.InTx(ctx, func(tx *Store) error {
		results = nil
		if _, err := tx.db.Exec(ctx, GroupCommitPlans); err != nil {
			return fmt.Errorf("group commit settings: %w", err)
		}
		if enc.runs != nil {
			ids, err := s.q.GraphExecutionApplyMany(ctx, tx.db, dbsqlc.GraphExecutionApplyManyParams{
				LeaseSeconds: b.LeaseSeconds, Owner: b.Owner, Rows: enc.runs})
			if err != nil {
				return fmt.Errorf("apply runs: %w", err)
			}
			if len(ids) != len(b.Runs) {
				return tx.explainRunMismatch(ctx, b, ids)
			}
		}
		if enc.inserts != nil {
			if _, err := s.q.NodeExecutionInsertMany(ctx, tx.db, enc.inserts); err != nil {
				return fmt.Errorf("insert node executions: %w", err)
			}
		}
		if enc.updates != nil {
			n, err := s.q.NodeExecutionUpdateMany(ctx, tx.db, enc.updates)
			if err != nil {
				return fmt.Errorf("update node executions: %w", err)
			}
			if int(n) != len(updates) {
				return model.ConflictError("%d of %d node execution status moves refused (illegal or concurrent move)", len(updates)-int(n), len(updates))
			}
		}
		if len(b.Charges) > 0 || len(b.Refunds) > 0 {
			var err error
			if results, err = tx.applyCredits(ctx, b.Charges, b.Refunds); err != nil {
				return err
			}
			var refused []uuid.UUID
			for i, c := range b.Charges {
				if c.Upfront && !results[i].Paid && !slices.Contains(refused, c.GraphExecutionID) {
					refused = append(refused, c.GraphExecutionID)
				}
			}
			if len(refused) > 0 {
				return &ChargeRefusedError{Runs: refused}
			}
		}
		return s.writeInputsAndLogs(ctx, tx.db, b)
	})
	return results, err
}

// GroupCommitPlans opens every group commit's transaction (both ways of
// writing a batch). Each statement of a group commit finds its rows by key
// (runs and node executions by id, waiting inputs by run), so none ever
// needs to scan a table. But Postgres plans them from the statistics of
// the moment, and caches the plan per connection: the runs' and the node
// executions' updates, joined to their batch's recordset (which the
// planner takes for 100 rows), are hash joins over a sequential scan
// while the table is small or never analyzed, and the connection keeps
// that plan as the table grows until an ANALYZE (never, where autovacuum
// is off): 31 ms a commit at 100,000 runs, against 0.5 ms through the
// primary key; 6.5 ms for one node execution at 100,000. With sequential
// scans off for the transaction the plan reads the primary key whatever
// the statistics — but only by an index condition where the statement
// gives one: the two updates also match their ids as an array, without
// which the plan walked the whole index instead (plans_test.go checks
// both).
// SET LOCAL: the connection's other transactions plan as usual.
const GroupCommitPlans = "SET LOCAL enable_seqscan = off"

// encodedBatch is a batch's row sets as its statements take them: JSON
// arrays, nil where the batch has none. Both ways of writing a batch
// (ExecutionApplyBatch's transaction, applyPipelined) send the same rows.
type encodedBatch struct{ runs, inserts, updates []byte }

func encodeBatch(b *ExecutionBatch, inserts, updates []NodeExecutionWrite) (e encodedBatch, err error) {
	if len(b.Runs) > 0 {
		if e.runs, err = json.Marshal(b.Runs); err != nil {
			return e, err
		}
	}
	if len(inserts) > 0 {
		if e.inserts, err = marshalNodeWrites(inserts); err != nil {
			return e, err
		}
	}
	if len(updates) > 0 {
		if e.updates, err = marshalNodeWrites(updates); err != nil {
			return e, err
		}
	}
	return e, nil
}

// writeInputsAndLogs sends a batch's statements whose answers need no
// check (waiting inputs, log lines) to db: a transaction, or a pipeline
// being queued (applyPipelined).
func (s *Store) writeInputsAndLogs(ctx context.Context, db dbsqlc.DBTX, b *ExecutionBatch) error {
	if len(b.Inputs) > 0 {
		rows, err := json.Marshal(b.Inputs)
		if err != nil {
			return err
		}
		if err := s.q.NodeInputUpsertMany(ctx, db, rows); err != nil {
			return fmt.Errorf("store waiting inputs: %w", err)
		}
	}
	if len(b.InputsDone) > 0 {
		if err := s.q.NodeInputDeleteMany(ctx, db, b.InputsDone); err != nil {
			return err
		}
	}
	if len(b.InputsClear) > 0 {
		if err := s.q.NodeInputDeleteByExecutions(ctx, db, b.InputsClear); err != nil {
			return err
		}
	}
	if len(b.Logs) > 0 {
		rows, err := json.Marshal(b.Logs)
		if err != nil {
			return err
		}
		if err := s.q.ExecutionLogInsertMany(ctx, db, rows); err != nil {
			return fmt.Errorf("insert logs: %w", err)
		}
	}
	return nil
}

// explainRunMismatch tells a lost lease (recoverable: drop those runs) from
// a refused status or sequence move (a bug: reported as a conflict).
func (s *Store) explainRunMismatch(ctx context.Context, b *ExecutionBatch, applied []uuid.UUID) error {
	all := make([]uuid.UUID, len(b.Runs))
	for i, r := range b.Runs {
		all[i] = r.ID
	}
	owned, err := s.q.GraphExecutionOwnedBy(ctx, s.db, dbsqlc.GraphExecutionOwnedByParams{Ids: all, Owner: b.Owner})
	if err != nil {
		return err
	}
	var lost []uuid.UUID
	var refused []string
	for _, r := range b.Runs {
		switch {
		case !slices.Contains(owned, r.ID):
			lost = append(lost, r.ID)
		case !slices.Contains(applied, r.ID):
			refused = append(refused, fmt.Sprintf("%s (%s→%s, seq %d)", r.ID, r.PrevStatus, r.Status, r.PrevSeq))
		}
	}
	if len(refused) > 0 {
		return model.ConflictError("execution status/sequence move refused: %s", strings.Join(refused, ", "))
	}
	return &LeaseLostError{Runs: lost}
}

type creditOp struct {
	user   string
	refund bool
	i      int // in refunds or charges
}

func (o creditOp) rank(charges []Charge) int {
	switch {
	case o.refund:
		return 0
	case charges[o.i].Upfront:
		return 1
	}
	return 2
}

// applyCredits applies a batch's charges and refunds, ordered by user so
// that concurrent batches lock balances in one order (refunds first: credits
// freed by a node that never ran may pay for one that runs).
func (s *Store) applyCredits(ctx context.Context, charges []Charge, refunds []Refund) ([]ChargeResult, error) {
	ops := make([]creditOp, 0, len(charges)+len(refunds))
	for i, r := range refunds {
		ops = append(ops, creditOp{user: r.UserID.String(), refund: true, i: i})
	}
	for i, c := range charges {
		ops = append(ops, creditOp{user: c.UserID.String(), i: i})
	}
	// Within a user, refunds, then upfront charges (their nodes may have run
	// already, on credits counted for them), then the rest in batch order.
	slices.SortStableFunc(ops, func(a, b creditOp) int {
		if c := strings.Compare(a.user, b.user); c != 0 {
			return c
		}
		return cmp.Compare(a.rank(charges), b.rank(charges))
	})
	results := make([]ChargeResult, len(charges))
	upfront := slices.ContainsFunc(charges, func(c Charge) bool { return c.Upfront })
	if len(refunds) == 0 && !upfront {
		// The usual careful commit: charges only, sent as one pipelined
		// batch in user order (one round trip, not one per node: the commit
		// holds its users' balance rows until it ends, so every round trip
		// inside it is time no other commit of theirs can run).
		idx := make([]int, len(ops))
		for k, o := range ops {
			idx[k] = o.i
		}
		return results, s.charge(ctx, charges, idx, results)
	}
	// User by user: refunds one by one, the upfront charges in one
	// statement, the rest in one pipelined round trip.
	for start := 0; start < len(ops); {
		end := start + 1
		for end < len(ops) && ops[end].user == ops[start].user {
			end++
		}
		var up, rest []int
		for _, o := range ops[start:end] {
			switch {
			case o.refund:
				if err := s.refund(ctx, refunds[o.i]); err != nil {
					return nil, err
				}
			case charges[o.i].Upfront:
				up = append(up, o.i)
			default:
				rest = append(rest, o.i)
			}
		}
		if err := s.chargeUpfront(ctx, charges, up, results); err != nil {
			return nil, err
		}
		if len(rest) > 0 {
			if err := s.charge(ctx, charges, rest, results); err != nil {
				return nil, err
			}
		}
		start = end
	}
	return results, nil
}

func (s *Store) refund(ctx context.Context, r Refund) error {
	amount := int64(-1) // all of it
	if r.Amount != nil {
		if *r.Amount <= 0 {
			return nil
		}
		amount = *r.Amount
	}
	_, err := s.q.NodeExecutionRefund(ctx, s.db, dbsqlc.NodeExecutionRefundParams{
		ReferenceID: r.ReferenceID, Description: r.Description, Amount: amount})
	if err != nil && err != pgx.ErrNoRows {
		return fmt.Errorf("refund %s: %w", r.ReferenceID, err)
	}
	return nil
}

// chargeUpfront applies one user's upfront charges charges[idx...] in one
// statement: all of them or, when the balance does not cover their total,
// none (the batch is then rolled back: ChargeRefusedError).
func (s *Store) chargeUpfront(ctx context.Context, charges []Charge, idx []int, results []ChargeResult) error {
	if len(idx) == 0 {
		return nil
	}
	type row struct {
		Ord              int           `json:"ord"`
		Amount           int64         `json:"amount"`
		Description      string        `json:"description"`
		ReferenceID      string        `json:"reference_id"`
		GraphExecutionID uuid.NullUUID `json:"graph_execution_id"` // null when absent, like NodeExecutionCharge's
		GraphID          uuid.NullUUID `json:"graph_id"`
		BlockID          uuid.NullUUID `json:"block_id"`
	}
	rows := make([]row, len(idx))
	var total int64
	for k, i := range idx {
		c := charges[i]
		rows[k] = row{Ord: k, Amount: c.Amount, Description: c.Description, ReferenceID: c.ReferenceID,
			GraphExecutionID: nullUUID(c.GraphExecutionID), GraphID: nullUUID(c.GraphID), BlockID: nullUUID(c.BlockID)}
		total += c.Amount
	}
	raw, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	got, err := s.q.NodeExecutionChargeUpfront(ctx, s.db, dbsqlc.NodeExecutionChargeUpfrontParams{
		UserID: charges[idx[0]].UserID, Rows: raw, Total: total})
	if err != nil {
		return fmt.Errorf("upfront charges: %w", err)
	}
	after := make(map[string]int64, len(got))
	for _, g := range got {
		if g.ReferenceID != nil {
			after[*g.ReferenceID] = g.BalanceAfter
		}
	}
	for _, i := range idx {
		if b, ok := after[charges[i].ReferenceID]; ok {
			results[i] = ChargeResult{Paid: true, BalanceAfter: b}
		}
	}
	return nil
}

// charge applies charges[idx...] in that order in one round trip and sets
// their results; one not charged was refused (the balance did not cover
// it) or charged before (a commit retried), which a read tells apart.
func (s *Store) charge(ctx context.Context, charges []Charge, idx []int, results []ChargeResult) error {
	params := make([]dbsqlc.NodeExecutionChargeParams, len(idx))
	for k, i := range idx {
		c := charges[i]
		params[k] = dbsqlc.NodeExecutionChargeParams{
			UserID: c.UserID, Description: c.Description, ReferenceID: c.ReferenceID, Amount: c.Amount,
			GraphExecutionID: nullUUID(c.GraphExecutionID), GraphID: nullUUID(c.GraphID), BlockID: nullUUID(c.BlockID)}
	}
	var failed error
	var unpaid []int
	s.q.NodeExecutionCharge(ctx, s.db, params).QueryRow(func(k int, row dbsqlc.NodeExecutionChargeRow, err error) {
		switch {
		case err == nil:
			results[idx[k]] = ChargeResult{Paid: true, BalanceAfter: row.BalanceAfter}
		case errors.Is(err, pgx.ErrNoRows):
			unpaid = append(unpaid, idx[k])
		case failed == nil:
			failed = fmt.Errorf("charge %s: %w", charges[idx[k]].ReferenceID, err)
		}
	})
	if failed != nil {
		return failed
	}
	for _, i := range unpaid {
		already, err := s.q.NodeExecutionCharged(ctx, s.db, charges[i].ReferenceID)
		if err != nil {
			return err
		}
		results[i] = ChargeResult{Paid: already}
	}
	return nil
}

// UserBalance returns a user's credit balance (0 when none was ever set).
func (s *Store) UserBalance(ctx context.Context, userID uuid.UUID) (int64, error) {
	row, err := s.q.UserCreditGet(ctx, s.db, userID)
	if err != nil {
		if err == pgx.ErrNoRows {
			return 0, nil
		}
		return 0, err
	}
	return row.Balance, nil
}

// nullUUID is id, or NULL for the zero id.
func nullUUID(id uuid.UUID) uuid.NullUUID { return uuid.NullUUID{UUID: id, Valid: id != uuid.Nil} }
