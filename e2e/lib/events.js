import assert from 'node:assert/strict';

const terminal = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT']);

/**
 * Checks one executionEvents stream (the ExecutionEvent objects, in order):
 * it opens with a SNAPSHOT, seq grows by exactly one per event, and it ends
 * with the run's end — a GRAPH_STATUS event, or a lone SNAPSHOT of a run
 * that had already ended. With resyncs allowed, a later SNAPSHOT may jump
 * ahead (it replaces the events lost while Redis was away). Returns the
 * final status.
 */
export function checkEventStream(events, { allowResync = false } = {}) {
  const dump = () => JSON.stringify(events.map((e) => [e.seq, e.kind, e.status]));
  assert.ok(events.length > 0, 'no events');
  assert.equal(events[0].kind, 'SNAPSHOT', `the first event is a SNAPSHOT: ${dump()}`);
  for (let i = 1; i < events.length; i++) {
    const [prev, ev] = [events[i - 1], events[i]];
    if (allowResync && ev.kind === 'SNAPSHOT') {
      assert.ok(ev.seq >= prev.seq, `a resync never goes back: ${dump()}`);
      continue;
    }
    assert.notEqual(ev.kind, 'SNAPSHOT', `only the first event is a SNAPSHOT: ${dump()}`);
    assert.equal(ev.seq, prev.seq + 1, `seq grows by one at event ${i}: ${dump()}`);
  }
  const last = events.at(-1);
  const endsLive = last.kind === 'GRAPH_STATUS' && terminal.has(last.status);
  const endsInSnapshot = last.kind === 'SNAPSHOT' && terminal.has(last.status);
  assert.ok(endsLive || endsInSnapshot, `the stream ends with the run's end: ${dump()}`);
  if (!allowResync) {
    assert.ok(endsLive || events.length === 1, `an ended run is a lone SNAPSHOT: ${dump()}`);
  }
  for (const ev of events.slice(0, -1)) {
    assert.ok(!(ev.kind === 'GRAPH_STATUS' && terminal.has(ev.status)), `nothing follows the end: ${dump()}`);
  }
  return last.status;
}

/** The ExecutionEvent objects of subscription results; fails on any error. */
export function eventsOf(results) {
  return results.map((r) => {
    assert.equal(r.errors, undefined, `no errors in the stream: ${JSON.stringify(r.errors)}`);
    return r.data.executionEvents;
  });
}
