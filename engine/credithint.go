package engine

import (
	"sync"

	"github.com/google/uuid"
)

// creditHints is what this worker last learned of each user's balance, so
// that a fixed-price charge can ride the commit of the node it pays for
// instead of holding the node until a commit of its own answers it
// (run.chargeUpfront, doc.go "Cost").
//
// A hint is only ever a reason to try: the ledger in Postgres decides. A
// hint too low (credits bought or refunded meanwhile) only makes nodes wait
// for their charge as before; one too high (the user spent elsewhere: another
// worker, an admin adjustment) lets a charge be refused in the batch that
// carries its node, which then rolls back and the run is taken again from
// its last commit (writer.commit, Engine.retake), its nodes now charged one
// by one. A user this worker has not charged yet has no hint: their first
// charge is answered before anything runs on it.
type creditHints struct {
	mu    sync.Mutex
	users map[uuid.UUID]*creditHint
}

type creditHint struct {
	known   bool  // balance came from a committed charge
	balance int64 // the lowest balance answered since pending was last 0
	pending int64 // charges queued, not answered yet
	window  bool  // an answer came since pending was last 0
}

// maxCreditHints bounds the users remembered at once.
const maxCreditHints = 100_000

func newCreditHints() *creditHints {
	return &creditHints{users: map[uuid.UUID]*creditHint{}}
}

// take counts a charge about to be queued and reports whether it may ride
// along: the balance last seen covers it and every charge still pending.
func (h *creditHints) take(user uuid.UUID, amount int64) (upfront bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[user]
	if u == nil {
		if len(h.users) >= maxCreditHints {
			clear(h.users) // a bound on memory; forgetting only makes charges wait
		}
		u = &creditHint{}
		h.users[user] = u
	}
	upfront = u.known && u.balance-u.pending >= amount
	u.pending += amount
	return upfront
}

// answered records a committed answer to a charge take counted. A refused
// charge (or a batch rolled back by one) makes the user's next charges wait
// for their answer until one is paid again.
func (h *creditHints) answered(user uuid.UUID, amount int64, paid bool, balanceAfter int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[user]
	if u == nil {
		return
	}
	u.pending -= amount
	switch {
	case !paid:
		u.known = false
	case !u.known || !u.window || balanceAfter < u.balance:
		// Two writers may deliver their answers out of commit order: while
		// charges are outstanding the lowest answer is the latest balance
		// (refunds meanwhile only make it low, which is safe); once none
		// is, the next answer is the balance, higher if credits came in.
		u.known, u.balance = true, balanceAfter
	}
	u.window = u.pending > 0
	if u.pending <= 0 && !u.known {
		delete(h.users, user) // nothing to remember: keep the map to active users
	}
}

// dropped uncounts a charge take counted that will never be committed (its
// node was refunded before the commit, its run abandoned).
func (h *creditHints) dropped(user uuid.UUID, amount int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if u := h.users[user]; u != nil {
		u.pending -= amount
	}
}
