package db

// ChannelAuthChanged is NOTIFYed by a trigger (migration 00020) when a
// change to a user or an API key commits, the once-a-minute touches
// excepted (payload: the user's id). Processes that keep resolved keys
// (internal/auth) LISTEN on it.
const ChannelAuthChanged = "agentgraph_auth_changed"

// AuthChanges counts the writes to users and API keys this process made
// through this Store (InTx's included), each counted once its statement
// returned (in a transaction, before the commit: a read made between the
// two is covered by the commit's notification). The trigger's notification reaches this process's listener only
// some time after the commit; a cache of resolved keys that compares this
// count before trusting an entry sees this process's own revocation (or
// deactivation, or role change) at once.
func (s *Store) AuthChanges() uint64 { return s.authChanges.Load() }

// authChanged counts one write to a user or API key.
func (s *Store) authChanged() { s.authChanges.Add(1) }
