// The shared run page draws the whole graph that ran, from the run's
// graphShape: the nodes of a branch that never runs are there, in the "not
// run" look, with every link, from the first frame; statuses fill in as the
// run goes on; and nothing the owner typed into the nodes (input defaults)
// reaches the page. A read that fails (no connection, a 502) keeps what is
// drawn and tries again; only a withdrawn share says the run is gone.
// Screenshots at desktop and phone widths go to e2e/artifacts/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { baseURL, keys } from '../lib/env.js';
import { data } from '../lib/http.js';
import { executeGraph, waitGraph } from '../lib/graphs.js';
import { launch, shot } from '../lib/browser.js';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const typed = 'sk-typed-by-the-owner';

/**
 * in → wait (6 s) → cond (x > 10?); yes: big → bigout; no: small. Run with
 * x = 1, the yes branch (big, bigout) never runs.
 */
function branchGraph(name) {
  const at = (x, y) => ({ x, y });
  return {
    name,
    nodes: [
      { key: 'in', blockId: 'AgentInputBlock', inputDefault: { name: 'x' }, position: at(0, 0) },
      { key: 'wait', blockId: 'WaitBlock', inputDefault: { seconds: 6 }, position: at(320, 0) },
      { key: 'cond', blockId: 'ConditionBlock', label: 'Is it big?', inputDefault: { operator: '>', value2: 10, yes_value: typed }, position: at(640, 0) },
      { key: 'big', blockId: 'StoreValueBlock', inputDefault: { data: typed }, position: at(960, -220) },
      { key: 'bigout', blockId: 'AgentOutputBlock', inputDefault: { name: 'big' }, position: at(1280, -220) },
      { key: 'small', blockId: 'AgentOutputBlock', inputDefault: { name: 'small' }, position: at(960, 220) },
    ],
    links: [
      { sourceKey: 'in', sourceName: 'result', sinkKey: 'wait', sinkName: 'data' },
      { sourceKey: 'wait', sourceName: 'data', sinkKey: 'cond', sinkName: 'value1' },
      { sourceKey: 'cond', sourceName: 'yes_output', sinkKey: 'big', sinkName: 'input' },
      { sourceKey: 'big', sourceName: 'output', sinkKey: 'bigout', sinkName: 'value' },
      { sourceKey: 'cond', sourceName: 'no_output', sinkKey: 'small', sinkName: 'value' },
    ],
  };
}

const edges = [
  'in:result->wait:data',
  'wait:data->cond:value1',
  'cond:yes_output->big:input',
  'big:output->bigout:value',
  'cond:no_output->small:value',
];

/** Each node's status as the page draws it, by key. */
const statuses = (p) => p.locator('[data-node-key]').evaluateAll((els) => Object.fromEntries(els.map((e) => [e.dataset.nodeKey, e.dataset.status])));

async function assertWholeGraph(p) {
  for (const id of edges) await p.getByTestId(`rf__edge-${id}`).waitFor({ state: 'attached' });
  assert.equal(await p.locator('.react-flow__edge').count(), edges.length, 'every link is drawn');
  assert.deepEqual(Object.keys(await statuses(p)).sort(), ['big', 'bigout', 'cond', 'in', 'small', 'wait']);
}

test('a shared run draws its whole graph: the branch that never runs, not run, with every link; statuses fill in live', async () => {
  const g = (await data(`mutation($in: GraphInput!) { createGraph(input: $in) { graphId } }`, { in: branchGraph(`shared branches ${Date.now()}`) }, { key: keys.alice })).createGraph;
  const run = (await data(`mutation($id: ID!) { executeGraph(graphId: $id, inputs: { x: 1 }) { id } }`, { id: g.graphId }, { key: keys.alice })).executeGraph;
  const token = (await data(`mutation($id: ID!) { shareExecution(id: $id) { shareToken } }`, { id: run.id }, { key: keys.alice })).shareExecution.shareToken;

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const p = await ctx.newPage();
  const answers = [];
  p.on('response', (r) => {
    if (r.url() === `${baseURL}/graphql`) answers.push(r.text().catch(() => ''));
  });
  await p.goto(`${baseURL}/shared/${encodeURIComponent(token)}`);
  // While the wait node runs, the nodes after it are drawn already, not run.
  await p.locator('[data-node-key="wait"][data-status="RUNNING"]').waitFor({ timeout: 20_000 });
  await assertWholeGraph(p);
  const running = await statuses(p);
  for (const k of ['cond', 'big', 'bigout', 'small']) assert.equal(running[k], 'NOT_STARTED', `${k} has not run yet`);
  assert.match(await p.locator('h1').innerText(), /^shared branches \d+ v1 · shared run/, "the graph's name heads the page");
  await shot(p, '20-shared-whole-graph-running');

  await p.locator('[data-testid="run-summary"][data-run-status="COMPLETED"]').waitFor({ timeout: 20_000 });
  await p.locator('[data-node-key="small"][data-status="COMPLETED"]').waitFor();
  await assertWholeGraph(p);
  assert.deepEqual(await statuses(p), { in: 'COMPLETED', wait: 'COMPLETED', cond: 'COMPLETED', big: 'NOT_STARTED', bigout: 'NOT_STARTED', small: 'COMPLETED' });
  // The not-run look is the run view's: its own border colour, not a run status's.
  const border = (k) => p.locator(`[data-node-key="${k}"]`).evaluate((el) => getComputedStyle(el).borderTopColor);
  assert.notEqual(await border('big'), await border('small'), 'a node not run looks unlike one that completed');
  assert.equal(await border('big'), await border('bigout'));
  await shot(p, '21-shared-whole-graph-done-desktop');

  // Selecting a node shows its execution, as on the run page; one not run says so.
  await p.locator('[data-node-key="small"] .ag-node-head').click();
  await p.getByTestId('node-detail').locator('h3').filter({ hasText: /^small: completed/ }).waitFor();
  assert.match(await p.getByTestId('node-detail').innerText(), /\b1\b/, 'its output: the value that reached it');
  await p.locator('[data-node-key="big"] .ag-node-head').click();
  await p.locator('text=Node big has not run.').waitFor();

  // Nothing typed into the nodes reached the page.
  assert.ok(!(await p.content()).includes(typed), 'no input default is drawn');
  const bodies = await Promise.all(answers);
  assert.ok(bodies.length > 0);
  for (const b of bodies) assert.ok(!b.includes(typed), 'no answer the page got holds an input default');

  await p.setViewportSize({ width: 390, height: 844 });
  await assertWholeGraph(p);
  assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'nothing is wider than the phone');
  await shot(p, '22-shared-whole-graph-phone');
  await ctx.close();
});

/** A run of in → wait (seconds) → out with x = 1, shared: its id and share token. */
async function sharedSlowRun(seconds) {
  const g = (await data(`mutation($in: GraphInput!) { createGraph(input: $in) { graphId } }`, { in: waitGraph(seconds, `shared slow ${Date.now()}`) }, { key: keys.alice })).createGraph;
  const run = await executeGraph(keys.alice, g.graphId, { x: 1 });
  const token = (await data(`mutation($id: ID!) { shareExecution(id: $id) { shareToken } }`, { id: run.id }, { key: keys.alice })).shareExecution.shareToken;
  return { id: run.id, token };
}

test('a failed read of a shared run keeps what is drawn and tries again; only a withdrawn share says the run is gone', async () => {
  const { token } = await sharedSlowRun(8);
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const p = await ctx.newPage();
  // The next `failing` reads of the run fail as a network (or a proxy in front of a restarting server) would.
  let failing = 1;
  let fail = (r) => r.abort('failed');
  await p.route(`${baseURL}/graphql`, (r) => (failing > 0 ? (failing--, fail(r)) : r.continue()));
  await p.goto(`${baseURL}/shared/${encodeURIComponent(token)}`);
  // The first read failed: the page says it could not load the run, not that there is none, and tries again.
  const unreachable = p.getByTestId('shared-unreachable');
  await unreachable.waitFor();
  assert.match(await unreachable.innerText(), /could not be loaded: the server could not be reached\. Trying again/);
  await p.locator('[data-node-key="wait"][data-status="RUNNING"]').waitFor({ timeout: 20_000 });
  assert.equal(await unreachable.count(), 0);

  // Mid-run, two reads fail (no connection, then a 502): the run stays drawn, a line says it may be behind.
  failing = 2;
  fail = (r) => (failing === 1 ? r.abort('failed') : r.fulfill({ status: 502, contentType: 'text/html', body: 'Bad Gateway' }));
  const behind = p.locator('text=/Live updates: .* what is shown may be behind\\. Trying again/');
  await behind.waitFor();
  await shot(p, '23-shared-poll-failed');
  assert.equal(await p.locator('text=does not exist').count(), 0, 'a failed read does not say the run is gone');
  assert.equal(await p.locator('[data-node-key]').count(), 3, 'the run is still drawn');
  // Reads work again: the run goes on to its end and the line goes.
  await p.locator('[data-testid="run-summary"][data-run-status="COMPLETED"]').waitFor({ timeout: 30_000 });
  await behind.waitFor({ state: 'detached' });
  assert.equal((await statuses(p)).out, 'COMPLETED');

  // A share withdrawn while its page is open: now the page says it is gone.
  const second = await sharedSlowRun(8);
  await p.goto(`${baseURL}/shared/${encodeURIComponent(second.token)}`);
  await p.locator('[data-node-key="wait"][data-status="RUNNING"]').waitFor({ timeout: 20_000 });
  await data(`mutation($id: ID!) { unshareExecution(id: $id) { id } }`, { id: second.id }, { key: keys.alice });
  await p.locator('text=This shared run does not exist or is no longer shared.').waitFor({ timeout: 10_000 });
  await ctx.close();
});
