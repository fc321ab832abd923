// The web app in a real browser (Debian's chromium, headless, driven by
// playwright-core): sign in, fork a template, build a three-node graph on the
// canvas, run it and watch every node complete, move a node and keep it,
// switch the active version, delete links and nodes, cancel a slow run, watch
// a model's text as it is written (lib/llmstub.js), open
// a 500-node graph, keep the graph page's open tab in its URL, share a run and open it signed out (shared.test.js: a
// shared run draws its whole graph). Screenshots of each step go to e2e/artifacts/ (or
// $E2E_ARTIFACTS); timings are logged as `figure:` lines.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { baseURL, keys } from '../lib/env.js';
import { data } from '../lib/http.js';
import { launch, shot } from '../lib/browser.js';

let browser;
let page;
const outside = []; // requests to anything but the server under test

before(async () => {
  browser = await launch();
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  ctx.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(baseURL) && !u.startsWith(baseURL.replace(/^http/, 'ws')) && !u.startsWith('data:')) outside.push(u);
  });
  page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('page error:', e.message));
});

after(async () => {
  await browser?.close();
});

const node = (key) => page.locator(`[data-node-key="${key}"]`);

async function dragPin(fromKey, fromPin, toKey, toPin) {
  const from = page.locator(`.react-flow__handle.source[data-nodeid="${fromKey}"][data-handleid="${fromPin}"]`);
  const to = page.locator(`.react-flow__handle.target[data-nodeid="${toKey}"][data-handleid="${toPin}"]`);
  const a = await from.boundingBox();
  assert.ok(a, `pin ${fromKey}.${fromPin} is on screen`);
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  const b0 = await to.boundingBox();
  assert.ok(b0, `pin ${toKey}.${toPin} is on screen`);
  await page.mouse.move((a.x + b0.x) / 2, (a.y + b0.y) / 2, { steps: 5 });
  // Read again at the last moment: a node may have grown meanwhile (a
  // validation answer adds its problems to it).
  const b = await to.boundingBox();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}

/**
 * Links two pins by dragging, as a person would, and waits for the link.
 * On a busy machine a drag can miss its pin (the page moved under the
 * pointer); a person would drag again, and so does this, once.
 */
async function connect(fromKey, fromPin, toKey, toPin) {
  const link = page.getByTestId(`rf__edge-${fromKey}:${fromPin}->${toKey}:${toPin}`);
  await dragPin(fromKey, fromPin, toKey, toPin);
  // 'attached', not visible: a link between two pins at the same height is
  // a horizontal line, whose box has no height, which Playwright counts as
  // hidden.
  try {
    await link.waitFor({ state: 'attached', timeout: 3000 });
  } catch {
    await viewSettled();
    await dragPin(fromKey, fromPin, toKey, toPin);
    await link.waitFor({ state: 'attached' });
  }
}

// Waits until the canvas's pan and zoom have not changed for five frames
// (adding a node fits the view), so pin positions read now stay true.
async function viewSettled(p = page) {
  await p.waitForFunction(
    () => {
      const t = document.querySelector('.react-flow__viewport')?.style.transform;
      window.__sameT = window.__lastT === t ? (window.__sameT ?? 0) + 1 : 0;
      window.__lastT = t;
      return window.__sameT >= 5;
    },
    null,
    { polling: 'raf' },
  );
}

/** A node's position on the canvas, from its wrapper's transform (flow coordinates). */
async function nodePosition(key) {
  const t = await page.locator(`.react-flow__node[data-id="${key}"]`).evaluate((el) => el.style.transform);
  const m = t.match(/translate\((-?[\d.]+)px, ?(-?[\d.]+)px\)/);
  assert.ok(m, `node ${key} has a translate transform (${t})`);
  return { x: Number(m[1]), y: Number(m[2]) };
}

/** Drags a node by its title bar by (dx, dy) screen pixels. */
async function dragNode(key, dx, dy) {
  const head = await node(key).locator('.ag-node-head').boundingBox();
  assert.ok(head, `node ${key} is on screen`);
  const x = head.x + head.width / 2;
  const y = head.y + head.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx / 2, y + dy / 2, { steps: 5 });
  await page.mouse.move(x + dx, y + dy, { steps: 5 });
  await page.mouse.up();
}

const edge = (id) => page.getByTestId(`rf__edge-${id}`);

/**
 * The app tells React Flow each node's size and where its handles are
 * (canvas/geometry.ts) instead of letting it measure; this checks those
 * numbers against what the page drew (flow coordinates, within half a pixel).
 */
async function assertGeometry(key) {
  const g = await page.evaluate((key) => {
    const n = window.__agCanvas.nodes.find((x) => x.id === key);
    const el = document.querySelector(`.react-flow__node[data-id="${key}"]`);
    const box = el.getBoundingClientRect();
    const zoom = box.width / el.offsetWidth;
    return {
      want: { width: n.width, height: n.height, handles: n.handles.map((h) => ({ id: `${h.type}:${h.id}`, x: h.x, y: h.y })) },
      got: {
        width: el.offsetWidth,
        height: el.offsetHeight,
        handles: n.handles.map((h) => {
          const d = el.querySelector(`.react-flow__handle.${h.type}[data-handleid="${h.id}"]`)?.getBoundingClientRect();
          return { id: `${h.type}:${h.id}`, x: d ? (d.left - box.left) / zoom : null, y: d ? (d.top - box.top) / zoom : null };
        }),
      },
    };
  }, key);
  const round = (v) => ({ ...v, handles: v.handles.map((h) => ({ id: h.id, x: h.x === null ? null : Math.round(h.x * 2) / 2, y: h.y === null ? null : Math.round(h.y * 2) / 2 })) });
  assert.ok(g.want.handles.length > 0, `node ${key} has handles`);
  assert.deepEqual(round(g.got), round(g.want), `node ${key} is drawn as its geometry says`);
}

/**
 * Seen from far, a node is drawn without its pins: its box is its geometry's
 * size, and a link's ends are where that geometry puts its handles (React
 * Flow's handle point: the handle's outer side, at its middle), in flow
 * coordinates, read from the path the page drew.
 */
async function assertFarLink(id) {
  const g = await page.evaluate((id) => {
    const [, s, sp, t, tp] = id.match(/^(.+?):(.+?)->(.+?):(.+)$/);
    const n = (k) => window.__agCanvas.nodes.find((x) => x.id === k);
    const el = (k) => document.querySelector(`.react-flow__node[data-id="${k}"]`);
    const end = (k, type, pin) => {
      const h = n(k).handles.find((x) => x.type === type && x.id === pin);
      return { x: n(k).position.x + h.x + (type === 'source' ? h.width : 0), y: n(k).position.y + h.y + h.height / 2 };
    };
    const d = document.querySelector(`[data-testid="rf__edge-${id}"] path.react-flow__edge-path`).getAttribute('d');
    const nums = d.match(/-?[\d.]+(e-?\d+)?/g).map(Number);
    return {
      boxes: [s, t].map((k) => ({ want: [n(k).width, n(k).height], got: [el(k).offsetWidth, el(k).offsetHeight], handles: el(k).querySelectorAll('.react-flow__handle').length })),
      want: [end(s, 'source', sp), end(t, 'target', tp)],
      got: [{ x: nums[0], y: nums[1] }, { x: nums[nums.length - 2], y: nums[nums.length - 1] }],
    };
  }, id);
  for (const b of g.boxes) {
    assert.deepEqual(b.got, b.want, `link ${id}: its nodes are drawn at their geometry's size`);
    assert.equal(b.handles, 0, 'a far node is drawn without pins');
  }
  const r = (p) => ({ x: Math.round(p.x * 2) / 2, y: Math.round(p.y * 2) / 2 });
  assert.deepEqual(g.got.map(r), g.want.map(r), `link ${id} meets its nodes where their handles are`);
}

/**
 * The view is fitted to the graph: every node is inside the canvas's box, and
 * the graph spans at least 3/4 of its width or height (a view fitted for a
 * smaller canvas leaves it small in a corner). Polled: a resized canvas is
 * fitted again in a frame or two.
 */
async function assertFitted(p) {
  const read = () =>
    p.evaluate(() => {
      const c = document.querySelector('[data-testid="canvas"]').getBoundingClientRect();
      const boxes = [...document.querySelectorAll('[data-node-key]')].map((el) => ({ key: el.dataset.nodeKey, b: el.getBoundingClientRect() }));
      const span = (lo, hi) => Math.max(...boxes.map((x) => x.b[hi])) - Math.min(...boxes.map((x) => x.b[lo]));
      return {
        out: boxes.filter(({ b }) => b.left < c.left || b.top < c.top || b.right > c.right || b.bottom > c.bottom).map((x) => x.key),
        fill: Math.max(span('left', 'right') / c.width, span('top', 'bottom') / c.height),
      };
    });
  let v = await read();
  for (let end = Date.now() + 3000; Date.now() < end && (v.out.length > 0 || !(v.fill >= 0.75)); ) {
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  assert.deepEqual(v.out, [], 'every node is in view');
  assert.ok(v.fill >= 0.75, `the graph fills the canvas (${(v.fill * 100).toFixed(0)}% of its width or height)`);
}

/** The run's Cancel/Share row stands apart from the outputs above it (CSS pixels between them). */
async function assertActionsApart(p) {
  const outputs = await p.getByTestId('run-outputs').boundingBox();
  const buttons = await p.getByRole('button', { name: 'Cancel run' }).boundingBox();
  const gap = buttons.y - (outputs.y + outputs.height);
  assert.ok(gap >= 8, `the buttons are ${gap.toFixed(1)} px below the outputs (at least 8)`);
}

/** The canvas's pan and zoom, as drawn. */
const viewTransform = (p) => p.locator('.react-flow__viewport').evaluate((el) => el.style.transform);

/**
 * The minimap draws each node in the colour the canvas gives its status, in
 * the page's theme: the two lists, in node order, are the same once the page
 * has drawn the run's last change.
 */
async function assertMinimapByStatus(p) {
  const read = () =>
    p.evaluate(() => ({
      // A node shows its status by its border; seen from far, by its box.
      canvas: [...document.querySelectorAll('.react-flow__node .ag-node')].map((el) => getComputedStyle(el)[el.classList.contains('far') ? 'backgroundColor' : 'borderTopColor']),
      minimap: [...document.querySelectorAll('.react-flow__minimap-node')].map((el) => getComputedStyle(el).fill),
    }));
  let c = await read();
  for (let end = Date.now() + 5000; Date.now() < end && (c.canvas.length === 0 || c.canvas.join() !== c.minimap.join()); ) {
    await new Promise((r) => setTimeout(r, 100));
    c = await read();
  }
  assert.ok(c.canvas.length > 0, 'the canvas has nodes');
  assert.deepEqual(c.minimap, c.canvas, 'the minimap colours each node as the canvas does');
}

/** The run's events counter as the page shows it. */
const eventsShown = (p) => p.locator('xpath=//dl[contains(@class, "ag-counters")]//dt[text()="events"]/following-sibling::dd').innerText();

/** The run's lastSeq, as the API gives it to its owner. */
async function lastSeqOf(id) {
  return (await data(`query($id: ID!) { execution(id: $id) { lastSeq } }`, { id }, { key: keys.alice })).execution.lastSeq;
}

/**
 * Opens an empty editor: a draft of a new graph left by an earlier test
 * (kept across page loads, as a person's would be) is discarded.
 */
async function openNewGraph() {
  await page.goto(`${baseURL}/graphs/new`);
  await page.locator('button[data-block="CalculatorBlock"]').waitFor();
  // The draft, if any, is restored in the frame after the blocks arrive.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  if (await page.getByTestId('draft-restored').count()) await page.click('button:has-text("Discard changes")');
}

/** Block ids by name, for graphs made through the API. */
async function blockIds() {
  const { blocks } = await data(`{ blocks { id name } }`, {});
  return (name) => blocks.find((b) => b.name === name).id;
}

/**
 * Stores a chain of nodes through the API, placed left to right: nodes are
 * [key, block name, inputDefault], links 'key.pin->key.pin'.
 */
async function storeChain(name, nodes, links, { key = keys.alice, isTemplate = false, description = null } = {}) {
  const idOf = await blockIds();
  const input = {
    name,
    isTemplate,
    description,
    nodes: nodes.map(([k, block, inputDefault], i) => ({ key: k, blockId: idOf(block), inputDefault, position: { x: 320 * i, y: 0 } })),
    links: links.map((l) => {
      const [, sourceKey, sourceName, sinkKey, sinkName] = l.match(/^(\w+)\.(\w+)->(\w+)\.(\w+)$/);
      return { sourceKey, sourceName, sinkKey, sinkName };
    }),
  };
  return (await data(`mutation($input: GraphInput!) { createGraph(input: $input) { id graphId } }`, { input }, { key })).createGraph;
}

/**
 * Stores in → middle → out (storeChain), the graph input x feeding the middle
 * node's input pin and its output pin feeding the graph output y, opens it in
 * the editor and runs it with x = value, as a person would.
 */
async function runThrough(name, [key, block, inputDefault], [inPin, outPin], value) {
  const g = await storeChain(
    `${name} ${Date.now()}`,
    [['in', 'AgentInputBlock', { name: 'x' }], [key, block, inputDefault], ['out', 'AgentOutputBlock', { name: 'y' }]],
    [`in.result->${key}.${inPin}`, `${key}.${outPin}->out.value`],
  );
  await page.goto(`${baseURL}/graphs/${encodeURIComponent(g.id)}`);
  await page.click('role=tab[name="Run"]');
  await page.fill('[data-run-input="x"]', value);
  await page.click('button:has-text("Run v1")');
}

async function addBlock(name) {
  await page.fill('#palette-search', name);
  await page.click(`button[data-block="${name}"]`);
}

test('sign in: a wrong key is refused with a clear message, a right one shows the graphs', async () => {
  await page.goto(baseURL + '/');
  const keyField = page.locator('#api-key');
  assert.equal(await keyField.getAttribute('type'), 'password');
  assert.equal(await page.title(), 'Sign in · agentgraph');
  assert.match(await page.locator('link[rel="icon"]').getAttribute('href'), /^data:/, 'the icon asks nothing of the server');
  assert.deepEqual(await unlabelled(page), [], 'the sign-in form is labelled');
  await keyField.fill('agk_not-a-real-key');
  await page.click('button[type=submit]');
  await page.getByTestId('signin-error').waitFor();
  assert.match(await page.getByTestId('signin-error').innerText(), /not accepted/);
  await shot(page, '01-signin-wrong-key');

  await keyField.fill(keys.alice);
  await page.click('button[type=submit]');
  await page.getByRole('heading', { name: 'Your graphs' }).waitFor();
  assert.equal(await page.title(), 'Graphs · agentgraph');
  assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing is kept in localStorage');
  assert.ok(!page.url().includes(keys.alice), 'the key never lands in a URL');
  assert.deepEqual(await unlabelled(page), [], 'every control of the graph list has a label');
  await shot(page, '02-graphs');
});

test("forking another user's template from the graph list gives the caller a graph of their own", async () => {
  const name = `template ${Date.now()}`;
  const t = await storeChain(name, [['in', 'AgentInputBlock', { name: 'x' }], ['out', 'AgentOutputBlock', { name: 'y' }]], ['in.result->out.value'], { key: keys.bob, isTemplate: true });
  await page.goto(baseURL + '/');
  await page.fill('#graph-search', name);
  const row = page.locator(`section[aria-label="Templates"] li[data-graph-id="${t.graphId}"]`);
  await row.waitFor();
  await shot(page, '02b-templates');
  await row.getByRole('button', { name: `Fork ${name}` }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/graphs/') && !u.pathname.endsWith(encodeURIComponent(t.graphId)));
  await node('out').waitFor();
  assert.equal(await page.inputValue('#graph-name'), name);
  const forkId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  const mine = await data(`query($id: ID!) { graph(id: $id) { graphId isTemplate owner { id } } me { id } }`, { id: forkId }, { key: keys.alice });
  assert.equal(mine.graph.isTemplate, false);
  assert.equal(mine.graph.owner.id, mine.me.id, "the fork is the caller's");
  await shot(page, '02c-forked');

  // Forked again, the copy takes a free name: the first fork has the template's.
  await page.goto(baseURL + '/');
  await page.fill('#graph-search', name);
  await row.getByRole('button', { name: `Fork ${name}` }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/graphs/') && !u.pathname.endsWith(encodeURIComponent(forkId)) && !u.pathname.endsWith(encodeURIComponent(t.graphId)));
  await node('out').waitFor();
  assert.equal(await page.inputValue('#graph-name'), `${name} (copy)`);
});

test("another user's template opens read-only, with its defaults, and a button that forks it into the editor", async () => {
  const name = `read-only template ${Date.now()}`;
  const t = await storeChain(name, [['in', 'AgentInputBlock', { name: 'x' }], ['double', 'CalculatorBlock', { operation: 'Multiply', b: 2 }], ['out', 'AgentOutputBlock', { name: 'y' }]], ['in.result->double.a', 'double.result->out.value'], {
    key: keys.bob,
    isTemplate: true,
  });
  await page.goto(baseURL + '/');
  await page.fill('#graph-search', name);
  await page.locator(`section[aria-label="Templates"] li[data-graph-id="${t.graphId}"] a`).click();
  const forkButton = page.getByRole('button', { name: 'Fork to edit and run' });
  await forkButton.waitFor();
  await node('double').waitFor();
  assert.equal(await page.locator('button:has-text("Save")').count(), 0, 'nothing to save');
  assert.equal(await page.locator('role=tab[name="Run"]').count(), 0, 'nothing to run');
  assert.equal(await page.locator('[aria-label="Block palette"]').count(), 0, 'nothing to add');
  await node('double').locator('.ag-node-head').click();
  assert.match(await page.getByTestId('template-node').innerText(), /"operation": "Multiply"/);
  await shot(page, '02d-template-read-only');
  await forkButton.click();
  await page.waitForURL((u) => u.pathname.startsWith('/graphs/') && !u.pathname.endsWith(encodeURIComponent(t.graphId)));
  await page.getByRole('button', { name: 'Save as new version' }).waitFor();
  assert.equal(await page.inputValue('#graph-name'), name);
});

test('two new graphs saved with the default name get different names', async () => {
  const names = [];
  for (let i = 0; i < 2; i++) {
    await openNewGraph();
    await addBlock('AgentInputBlock');
    await page.click('text=Save');
    await page.getByTestId('editor-status').filter({ hasText: 'v1 saved' }).waitFor();
    names.push(await page.inputValue('#graph-name'));
  }
  assert.match(names[0], /^Untitled graph( \d+)?$/);
  assert.match(names[1], /^Untitled graph \d+$/);
  assert.notEqual(names[0], names[1]);
});

let builtGraphId;
let runId;

test('a new graph once saved keeps its editor: a header action later loses neither its run nor its message', async () => {
  await openNewGraph();
  await addBlock('AgentInputBlock');
  await page.click('text=Save');
  await page.getByTestId('editor-status').filter({ hasText: 'v1 saved' }).waitFor();
  assert.notEqual(new URL(page.url()).pathname, '/graphs/new', 'the URL names the saved graph');
  await page.click('role=tab[name="Run"]');
  await page.fill('[data-run-input="agent_input"]', '1');
  await page.click('button:has-text("Run v1")');
  await page.locator('[data-testid="run-summary"][data-run-status="COMPLETED"]').waitFor({ timeout: 20_000 });
  // Three clicks go round the themes back to the one the other tests expect.
  for (let i = 0; i < 3; i++) {
    const saved = page.waitForResponse((r) => /mutation Prefs/.test(r.request().postData() ?? ''));
    await page.getByRole('button', { name: 'Theme' }).click();
    await saved;
  }
  assert.equal(await page.getByTestId('run-summary').count(), 1, 'the run is still shown');
  assert.match(await page.getByTestId('editor-message').innerText(), /Saved as version 1/);
});

test('build a three-node graph on the canvas, run it, and watch every node complete', async () => {
  await page.goto(baseURL + '/');
  await page.click('text=New graph');
  await page.waitForURL(/\/graphs\/new$/);
  await openNewGraph();
  await page.fill('#graph-name', `browser-built ${Date.now()}`);
  await addBlock('AgentInputBlock');
  await addBlock('CalculatorBlock');
  await page.selectOption('#def-calculator-operation', 'Multiply');
  await page.fill('#def-calculator-b', '2');
  await addBlock('AgentOutputBlock');
  await node('agent_output').waitFor();
  await viewSettled();
  await connect('agent_input', 'result', 'calculator', 'a');
  await connect('calculator', 'result', 'agent_output', 'value');
  for (const key of ['agent_input', 'calculator', 'agent_output']) await assertGeometry(key);
  await shot(page, '03-built');

  await page.click('text=Save');
  await page.getByTestId('editor-status').filter({ hasText: 'v1 saved' }).waitFor();
  builtGraphId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  assert.notEqual(builtGraphId, 'new');
  // What was built on the canvas is what was stored.
  const stored = await data(
    `query($id: ID!) { graph(id: $id) { nodes { key block { name } inputDefault } links { source { key } sourceName sink { key } sinkName } } }`,
    { id: builtGraphId },
    { key: keys.alice },
  );
  assert.deepEqual(stored.graph.nodes.map((n) => n.block.name).sort(), ['AgentInputBlock', 'AgentOutputBlock', 'CalculatorBlock']);
  assert.deepEqual(
    stored.graph.links.map((l) => `${l.source.key}.${l.sourceName}->${l.sink.key}.${l.sinkName}`).sort(),
    ['agent_input.result->calculator.a', 'calculator.result->agent_output.value'],
  );

  await page.click('role=tab[name="Run"]');
  await page.fill('[data-run-input="agent_input"]', '21');
  await page.click('button:has-text("Run v1")');
  for (const key of ['agent_input', 'calculator', 'agent_output']) {
    await page.locator(`[data-node-key="${key}"][data-status="COMPLETED"]`).waitFor({ timeout: 20_000 });
  }
  await page.locator('[data-testid="run-summary"][data-run-status="COMPLETED"]').waitFor();
  const out = await page.locator('[data-output="agent_output"]').innerText();
  assert.match(out, /42/);
  runId = decodeURIComponent((await page.locator('[data-testid="run-summary"] a').first().getAttribute('href')).split('/').pop());
  await shot(page, '04-run-completed');
});

test('an invalid graph shows its problems on the canvas and a refused save keeps the edits', async () => {
  await openNewGraph();
  await page.fill('#graph-name', `invalid ${Date.now()}`);
  // The palette filters by category, and searches by name.
  await page.selectOption('#palette-category', 'AI_ML');
  await page.locator('button[data-block="AITextGeneratorBlock"]').waitFor();
  assert.equal(await page.locator('button[data-block="CalculatorBlock"]').count(), 0, 'not an AI block');
  await page.selectOption('#palette-category', '');
  await addBlock('CalculatorBlock');
  // validateGraph runs as you edit: a and b have neither a default nor a link.
  await page.locator('[data-node-key="calculator"].has-problem').waitFor();
  await page.getByTestId('problems').filter({ hasText: 'MISSING_INPUT' }).waitFor();
  await page.click('text=Save');
  await page.getByTestId('editor-message').filter({ hasText: 'Not saved' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/graphs/new');
  assert.equal(await node('calculator').count(), 1, 'the node is still on the canvas');
  await shot(page, '04b-invalid-graph');
  // Nor does a reload lose them: the draft comes back, then is discarded.
  await page.waitForFunction(() => sessionStorage.getItem('agentgraph.draft:new') !== null);
  await page.reload();
  await page.getByTestId('draft-restored').waitFor();
  await node('calculator').waitFor();
  await page.click('button:has-text("Discard changes")');
  await node('calculator').waitFor({ state: 'detached' });
});

test('a moved node is kept across a reload and saved with the next version; another version is made active', async () => {
  await page.goto(`${baseURL}/graphs/${encodeURIComponent(builtGraphId)}`);
  await node('calculator').waitFor();
  await viewSettled();
  const before = await nodePosition('calculator');
  await dragNode('calculator', 80, 120);
  await page.locator('[data-testid="editor-status"][data-unsaved="positions"]').waitFor();
  const moved = await nodePosition('calculator');
  assert.ok(moved.y > before.y + 20, `the node moved down (${before.y} → ${moved.y})`);
  // Positions alone leave the version runnable as it is.
  await page.click('role=tab[name="Run"]');
  assert.ok(await page.locator('button:has-text("Run v1")').isEnabled(), 'a move does not block a run of v1');

  // The draft outlives a reload of the page.
  await page.waitForFunction(() => Object.keys(sessionStorage).some((k) => k.startsWith('agentgraph.draft:')));
  await page.reload();
  await page.getByTestId('draft-restored').waitFor();
  await node('calculator').waitFor();
  assert.deepEqual(await nodePosition('calculator'), moved, 'the moved position came back with the draft');
  await shot(page, '04c-moved-kept-after-reload');

  await page.click('text=Save as new version');
  await page.getByTestId('editor-status').filter({ hasText: 'v2 saved' }).waitFor();
  const v2 = await data(
    `query($id: ID!) { graph(id: $id) { version isActive nodes { key position { x y } } } }`,
    { id: builtGraphId },
    { key: keys.alice },
  );
  assert.equal(v2.graph.version, 2, 'v2 is the active version');
  const stored = v2.graph.nodes.find((n) => n.key === 'calculator').position;
  assert.deepEqual(stored, { x: Math.round(moved.x), y: Math.round(moved.y) }, 'the position was saved with v2');
  assert.equal(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('agentgraph.draft:')).length), 0, 'a saved draft is gone');

  // Switch to v1 and make it the active version again.
  await page.selectOption('#graph-version', '1');
  await page.waitForURL(/[?&]version=1(&|$)/);
  await page.click('button:has-text("Make active")');
  await page.getByTestId('editor-message').filter({ hasText: 'Version 1 is now active.' }).waitFor();
  assert.match(await page.locator('#graph-version option[value="1"]').innerText(), /active/);
  const active = await data(`query($id: ID!) { graph(id: $id) { version } }`, { id: builtGraphId }, { key: keys.alice });
  assert.equal(active.graph.version, 1, 'the active version is v1 again');
  await shot(page, '04d-version-1-active');
});

test('on a phone the editor stacks palette, canvas and panel and the page scrolls; at 800px the canvas has the width, without the minimap', async () => {
  const { ctx, p } = await signedIn(keys.alice);
  await p.setViewportSize({ width: 390, height: 844 });
  await p.goto(`${baseURL}/graphs/${encodeURIComponent(builtGraphId)}`);
  await p.locator('[data-node-key="calculator"]').waitFor();
  const side = await p.locator('.ag-side').boundingBox();
  assert.ok(side.height >= 150, `the side panel has room (${side.height} px high)`);
  assert.ok(await p.evaluate(() => document.documentElement.scrollHeight > window.innerHeight), 'the page scrolls');
  assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'nothing is wider than the phone');
  assert.ok((await p.getByTestId('canvas').boundingBox()).height > 300, 'the canvas has room');
  const run = p.getByRole('button', { name: /^Run v\d+$/ });
  await run.scrollIntoViewIfNeeded();
  const box = await run.boundingBox();
  assert.ok(box.y >= 0 && box.y + box.height <= 844, 'Run can be scrolled to');
  await shot(p, '04h-editor-phone-run');
  await p.click('role=tab[name="Selection"]');
  await p.locator('[data-node-key="calculator"] .ag-node-head').click();
  await p.locator('#def-calculator-b').scrollIntoViewIfNeeded();
  assert.ok(await p.locator('#def-calculator-b').isVisible(), "a node's defaults can be scrolled to");

  await p.setViewportSize({ width: 800, height: 800 });
  await p.waitForFunction(() => document.querySelector('[data-testid="canvas"]').getBoundingClientRect().width >= 700);
  assert.equal(await p.locator('.react-flow__minimap').isVisible(), false, 'no minimap over a narrow canvas');
  await shot(p, '04i-editor-800');
  await ctx.close();
});

test("a save keeps the graph's description and template flag; both are edited with nothing selected", async () => {
  const g = await storeChain(`my template ${Date.now()}`, [['in', 'AgentInputBlock', { name: 'x' }], ['out', 'AgentOutputBlock', { name: 'y' }]], ['in.result->out.value'], {
    isTemplate: true,
    description: 'passes x through',
  });
  const stored = () => data(`query($id: ID!) { graph(id: $id) { version isTemplate description } }`, { id: g.graphId }, { key: keys.alice }).then((d) => d.graph);
  await page.goto(`${baseURL}/graphs/${encodeURIComponent(g.id)}`);
  await node('out').waitFor();
  await viewSettled();
  await dragNode('out', 60, 60);
  await page.click('text=Save as new version');
  await page.getByTestId('editor-status').filter({ hasText: 'v2 saved' }).waitFor();
  assert.deepEqual(await stored(), { version: 2, isTemplate: true, description: 'passes x through' }, 'a save alters neither');

  assert.equal(await page.title(), `${await page.inputValue('#graph-name')} · agentgraph`);
  await page.click('role=tab[name="Selection"]');
  assert.equal(await page.inputValue('#graph-description'), 'passes x through');
  assert.match(await page.getByTestId('editor-message').innerText(), /Saved as version 2/);
  assert.ok(await page.isChecked('#graph-template'));
  await page.fill('#graph-description', 'x, unchanged');
  assert.equal(await page.getByTestId('editor-message').count(), 0, 'an edit clears the last message');
  await page.uncheck('#graph-template');
  await shot(page, '04g-graph-details');
  await page.click('text=Save as new version');
  await page.getByTestId('editor-status').filter({ hasText: 'v3 saved' }).waitFor();
  assert.deepEqual(await stored(), { version: 3, isTemplate: false, description: 'x, unchanged' });
});

test("a graph stored without positions (the README's first example) is laid out left to right, no node on another", async () => {
  const idOf = await blockIds();
  const input = {
    name: `no positions ${Date.now()}`,
    nodes: [
      { key: 'in', blockId: idOf('AgentInputBlock'), inputDefault: { name: 'x' } },
      { key: 'mul', blockId: idOf('CalculatorBlock'), inputDefault: { operation: 'Multiply', b: 2 } },
      { key: 'out', blockId: idOf('AgentOutputBlock'), inputDefault: { name: 'y' } },
    ],
    links: [
      { sourceKey: 'in', sourceName: 'result', sinkKey: 'mul', sinkName: 'a' },
      { sourceKey: 'mul', sourceName: 'result', sinkKey: 'out', sinkName: 'value' },
    ],
  };
  const g = (await data(`mutation($input: GraphInput!) { createGraph(input: $input) { id } }`, { input }, { key: keys.alice })).createGraph;
  await page.goto(`${baseURL}/graphs/${encodeURIComponent(g.id)}`);
  await node('out').waitFor();
  const boxes = {};
  for (const key of ['in', 'mul', 'out']) boxes[key] = await node(key).boundingBox();
  assert.ok(boxes.in.x + boxes.in.width < boxes.mul.x && boxes.mul.x + boxes.mul.width < boxes.out.x, 'in, mul and out stand left to right, apart');
  await assertFitted(page);
  await shot(page, '04j-laid-out');
});

test('validation marks a cycle on its nodes and links; links and nodes are deleted with the keyboard and the buttons', async () => {
  await openNewGraph();
  await page.fill('#graph-name', `deletions ${Date.now()}`);
  await addBlock('CalculatorBlock');
  await addBlock('CalculatorBlock');
  await node('calculator_2').waitFor();
  // The node's name for keyboard users follows its label as it is edited.
  const named = () => page.locator('.react-flow__node[data-id="calculator_2"]').getAttribute('aria-label');
  assert.equal(await named(), 'calculator_2: CalculatorBlock');
  await page.fill('#node-label', 'Halve it');
  await node('calculator_2').locator('.ag-node-title').filter({ hasText: 'Halve it' }).waitFor();
  assert.equal(await named(), 'Halve it (calculator_2): CalculatorBlock', 'the accessible name shows the new label');
  await viewSettled();
  await connect('calculator', 'result', 'calculator_2', 'a');
  await connect('calculator_2', 'result', 'calculator', 'a');
  // validateGraph names the cycle's nodes; the links between them are marked.
  await page.getByTestId('problems').filter({ hasText: 'CYCLE' }).waitFor();
  await page.locator('[data-node-key="calculator_2"].has-problem').waitFor();
  await page.locator('.react-flow__edge.ag-edge-problem').nth(1).waitFor();
  assert.equal(await page.locator('.react-flow__edge.ag-edge-problem').count(), 2);
  await shot(page, '04e-cycle-marked');

  // Keyboard: focus the link, select it (Enter), Backspace deletes it.
  await edge('calculator_2:result->calculator:a').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('selected-link').filter({ hasText: 'calculator_2.result → calculator.a' }).waitFor();
  await page.keyboard.press('Backspace');
  await edge('calculator_2:result->calculator:a').waitFor({ state: 'detached' });
  await page.locator('.react-flow__edge.ag-edge-problem').first().waitFor({ state: 'detached' });
  await page.getByTestId('problems').filter({ hasText: 'CYCLE' }).waitFor({ state: 'detached' });

  // Button: select the other link by clicking it, then "Delete link".
  await edge('calculator:result->calculator_2:a').click();
  await page.click('button:has-text("Delete link")');
  await edge('calculator:result->calculator_2:a').waitFor({ state: 'detached' });
  assert.equal(await page.locator('.react-flow__edge').count(), 0);

  // Keyboard: a selected node goes with Delete.
  await node('calculator_2').locator('.ag-node-head').click();
  await page.keyboard.press('Delete');
  await node('calculator_2').waitFor({ state: 'detached' });
  // Button: "Delete node".
  await node('calculator').locator('.ag-node-head').click();
  await page.click('button:has-text("Delete node")');
  await node('calculator').waitFor({ state: 'detached' });
  assert.equal(await page.locator('[data-node-key]').count(), 0, 'the canvas is empty');
  await shot(page, '04f-all-deleted');
});

test('blocks added one after another keep their pins in sight, so the newest can still be linked', async () => {
  await openNewGraph();
  await page.fill('#graph-name', `long chain ${Date.now()}`);
  for (let i = 0; i < 8; i++) await addBlock('CalculatorBlock');
  await node('calculator_8').waitFor();
  await viewSettled();
  assert.equal(await page.locator('.ag-node.far').count(), 0, 'no node is drawn without its pins');
  const canvas = await page.getByTestId('canvas').boundingBox();
  const added = await node('calculator_8').boundingBox();
  assert.ok(added.x >= canvas.x && added.x + added.width <= canvas.x + canvas.width, 'the newest node is in sight');
  await connect('calculator_7', 'result', 'calculator_8', 'a');
  await shot(page, '04k-long-chain');
  await page.click('button:has-text("Discard changes")');
});

test('a default of a pin of any type takes plain text as a string, and JSON as JSON', async () => {
  await openNewGraph();
  await addBlock('AgentInputBlock');
  const field = page.locator('#def-agent_input-value');
  const shown = node('agent_input').locator('.ag-pin-default');
  await field.fill('hello world');
  await shown.filter({ hasText: '= hello world' }).waitFor();
  assert.equal(await page.locator('text=Not valid JSON').count(), 0, 'text is not refused');
  await field.fill('"quoted"');
  await shown.filter({ hasText: '= quoted' }).waitFor();
  assert.equal(await field.inputValue(), '"quoted"', 'the field keeps what was typed');
  await field.fill('[1, 2]');
  await shown.filter({ hasText: '= [1,2]' }).waitFor();
  await shot(page, '04l-any-default-text');
  await page.click('button:has-text("Discard changes")');
});

test('Cancel stops a running run: the waiting node and the run end CANCELLED', async () => {
  await runThrough('slow', ['wait', 'WaitBlock', { seconds: 60 }], ['data', 'data'], '"slow"');
  await page.locator('[data-node-key="wait"][data-status="RUNNING"]').waitFor({ timeout: 20_000 });
  await shot(page, '09-slow-run-running');
  // The websocket drops while the run is watched: the banner shows, the
  // client resubscribes by itself, and the cancel below reaches the page
  // through the new subscription.
  await page.evaluate(() => window.__agWS.close(4499, 'network drop'));
  await page.getByTestId('connection-banner').waitFor();
  await page.getByTestId('connection-banner').waitFor({ state: 'detached', timeout: 15_000 });
  await page.click('button:has-text("Cancel run")');
  await page.locator('[data-testid="run-summary"][data-run-status="CANCELLED"]').waitFor({ timeout: 20_000 });
  await page.locator('[data-node-key="wait"][data-status="CANCELLED"]').waitFor();
  assert.equal(await node('out').getAttribute('data-status'), 'NOT_STARTED', 'the output never ran');
  assert.ok(await page.locator('button:has-text("Cancel run")').isDisabled(), 'an ended run cannot be cancelled again');
  assert.equal(await page.getByTestId('run-outputs').innerText(), 'None.', 'an ended run has no outputs "yet"');
  await shot(page, '10-slow-run-cancelled');
});

test('a failing node shows its error on the canvas, the counters and the run say FAILED', async () => {
  await runThrough('failing', ['calc', 'CalculatorBlock', { operation: 'Divide', b: 0 }], ['a', 'result'], '1');
  await page.locator('[data-node-key="calc"][data-status="FAILED"]').waitFor({ timeout: 20_000 });
  assert.equal(await node('calc').locator('.ag-node-error').innerText(), 'cannot divide by zero');
  await page.locator('[data-testid="run-summary"][data-run-status="FAILED"]').waitFor();
  assert.match(await page.getByTestId('run-summary').innerText(), /cannot divide by zero/);
  assert.equal(await page.locator('[data-counter="FAILED"]').innerText(), '1');
  assert.equal(await page.locator('[data-counter="COMPLETED"]').innerText(), '1');
  await assertMinimapByStatus(page);
  await shot(page, '14-node-failed');
});

test('a run of v1 does not stay on the canvas of v2 saved after it; a run of v2 shows its own counts', async () => {
  await runThrough('versions', ['calc', 'CalculatorBlock', { operation: 'Add', b: 1 }], ['a', 'result'], '1');
  await page.locator('[data-testid="run-summary"][data-run-status="COMPLETED"]').waitFor({ timeout: 20_000 });
  await node('calc').locator('.ag-node-head').click();
  await page.fill('#def-calc-b', '5');
  await page.click('text=Save as new version');
  await page.getByTestId('editor-status').filter({ hasText: 'v2 saved' }).waitFor();
  const statuses = await page.locator('[data-node-key]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
  assert.deepEqual(statuses, ['IDLE', 'IDLE', 'IDLE'], 'v2 has not run: its nodes show no status');
  await page.click('role=tab[name="Run"]');
  assert.equal(await page.getByTestId('run-summary').count(), 0, "v1's run is not shown as v2's");
  await shot(page, '14b-saved-v2-no-stale-run');
  await page.fill('[data-run-input="x"]', '1');
  await page.click('button:has-text("Run v2")');
  await page.locator('[data-testid="run-summary"][data-run-status="COMPLETED"]').waitFor({ timeout: 20_000 });
  assert.equal(await page.locator('[data-counter="COMPLETED"]').innerText(), '3');
  assert.equal(await page.locator('[data-output="y"] code').innerText(), '6');
});

/** Opens a stored graph input x (of block inputBlock) → output y in the editor's Run tab; returns its ids. */
async function openInputToOutput(name, inputBlock) {
  const g = await storeChain(`${name} ${Date.now()}`, [['in', inputBlock, { name: 'x' }], ['out', 'AgentOutputBlock', { name: 'y' }]], ['in.result->out.value']);
  await page.goto(`${baseURL}/graphs/${encodeURIComponent(g.id)}`);
  await node('out').waitFor();
  await page.click('role=tab[name="Run"]');
  return g;
}

/** The id of the run the Run tab shows, once it is another than `before` and COMPLETED. */
async function completedRunId(before) {
  const shown = () => page.evaluate(() => document.querySelector('[data-testid="run-summary"] a')?.getAttribute('href')?.split('/').pop());
  await page.waitForFunction((b) => {
    const a = document.querySelector('[data-testid="run-summary"] a');
    return a && a.getAttribute('href').split('/').pop() !== b;
  }, before && encodeURIComponent(before));
  await page.locator('[data-testid="run-summary"][data-run-status="COMPLETED"]').waitFor({ timeout: 20_000 });
  return decodeURIComponent(await shown());
}

test('a text input sends what was typed as text, even when it reads as JSON; a refused run says why beside Run until a run starts', async () => {
  await openInputToOutput('text input', 'AgentShortTextInputBlock');
  let id;
  for (const typed of ['123', '{"a":1}']) {
    await page.fill('[data-run-input="x"]', typed);
    await page.click('button:has-text("Run v1")');
    id = await completedRunId(id);
    const stored = await data(`query($id: ID!) { execution(id: $id) { inputs outputs } }`, { id }, { key: keys.alice });
    assert.deepEqual(stored.execution.inputs, { x: typed }, `"${typed}" was sent as text`);
    assert.deepEqual(stored.execution.outputs, { y: [typed] });
  }
  assert.equal(await page.getByTestId('run-refused').count(), 0);

  await openInputToOutput('number input', 'AgentNumberInputBlock');
  await page.fill('[data-run-input="x"]', 'seven');
  await page.click('button:has-text("Run v1")');
  const refused = page.getByRole('alert').filter({ hasText: 'Run refused' });
  await refused.waitFor();
  assert.match(await refused.innerText(), /inputs\.x|number|integer/i);
  await shot(page, '14c-run-refused');
  await page.fill('[data-run-input="x"]', '7');
  await page.click('button:has-text("Run v1")');
  await completedRunId();
  await refused.waitFor({ state: 'detached' });
  assert.equal(await page.locator('[data-output="y"] code').innerText(), '7');
});

test('a double-click on Run starts one run', async () => {
  const { graphId } = await openInputToOutput('double-click', 'AgentInputBlock');
  await page.fill('[data-run-input="x"]', '1');
  await page.dblclick('button:has-text("Run v1")');
  await completedRunId();
  await page.waitForTimeout(500); // time for a second request, were there one
  const runs = await data(`query($id: ID!) { executions(graphId: $id) { edges { node { id } } } }`, { id: graphId }, { key: keys.alice });
  assert.equal(runs.executions.edges.length, 1);
});

test("a model's text shows on its node while it is written, then its whole value", async () => {
  // The server's OPENAI_BASE_URL is lib/llmstub.js (scripts/e2e.sh): a word every 400 ms.
  await runThrough('ai', ['ai', 'AITextGeneratorBlock', { model: 'gpt-4o-mini', max_tokens: 50 }], ['prompt', 'response'], '"what is six times seven?"');
  // Some words, not all, while the node still runs.
  const writing = node('ai').locator('[data-streaming="response"]');
  await writing.waitFor({ timeout: 20_000 });
  await page.waitForFunction(() => /answer, written/.test(document.querySelector('[data-node-key="ai"] [data-streaming="response"]')?.textContent ?? ''));
  const partial = await writing.innerText();
  assert.equal(await node('ai').getAttribute('data-status'), 'RUNNING', `the text shows while the model writes (${partial})`);
  assert.doesNotMatch(partial, /forty-two\./, 'not yet the whole answer');
  await shot(page, '11-ai-text-streaming');
  await page.locator('[data-testid="run-summary"][data-run-status="COMPLETED"]').waitFor({ timeout: 30_000 });
  await writing.waitFor({ state: 'detached' });
  assert.equal(await page.locator('[data-output="y"] code').innerText(), 'The answer, written one word at a time, is forty-two.');
  await shot(page, '12-ai-text-done');
});

/**
 * A click on a node of a run's canvas selects it: its details show at once
 * (not the node clicked before), it is ringed while its border keeps its
 * status colour, and a click on the empty pane clears the selection.
 */
async function assertClickSelects(p, keys) {
  for (const key of keys) {
    await p.locator(`[data-node-key="${key}"] .ag-node-head`).click();
    await p.getByTestId('node-detail').locator('h3').filter({ hasText: new RegExp(`^${key}:`) }).waitFor({ timeout: 3000 });
    const look = await p.locator(`[data-node-key="${key}"]`).evaluate((el) => ({ selected: el.classList.contains('selected'), ring: getComputedStyle(el).boxShadow }));
    assert.ok(look.selected, `${key} is selected`);
    assert.notEqual(look.ring, 'none', `${key} is ringed`);
    assert.equal(await p.locator('.ag-node.selected').count(), 1, 'one node is selected');
  }
  const c = await p.getByTestId('canvas').boundingBox();
  await p.mouse.click(c.x + 8, c.y + 8);
  await p.getByTestId('node-detail').waitFor({ state: 'detached', timeout: 3000 });
  assert.equal(await p.locator('.ag-node.selected').count(), 0, 'a click on the pane clears the selection');
}

test('a click on a node of the run page selects it and shows its details; a click on the pane clears it', async () => {
  await page.goto(`${baseURL}/runs/${encodeURIComponent(runId)}`);
  await page.locator('[data-testid="run-summary"][data-run-status="COMPLETED"]').waitFor();
  await assertClickSelects(page, ['calculator', 'agent_output', 'agent_input']);
  await node('calculator').locator('.ag-node-head').click();
  await shot(page, '05f-run-page-node-selected');
});

test('a node reached with Tab shows that it has the focus', async () => {
  await page.goto(`${baseURL}/runs/${encodeURIComponent(runId)}`);
  await node('calculator').waitFor();
  await page.locator('.ag-brand').focus();
  let focused = null;
  for (let i = 0; i < 40 && !focused; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => {
      const el = document.activeElement;
      return el?.classList.contains('react-flow__node') ? { key: el.dataset.id, outline: getComputedStyle(el).outlineStyle } : null;
    });
  }
  assert.ok(focused, 'Tab reaches a node');
  assert.notEqual(focused.outline, 'none', `node ${focused.key} is outlined while focused`);
  await shot(page, '05g-node-focused');
});

test('/runs/<id> of a completed run shows every node COMPLETED, and the history lists it', async () => {
  await page.goto(`${baseURL}/runs/${encodeURIComponent(runId)}`);
  await page.locator('[data-testid="run-summary"][data-run-status="COMPLETED"]').waitFor();
  const statuses = await page.locator('[data-node-key]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
  assert.deepEqual(statuses, ['COMPLETED', 'COMPLETED', 'COMPLETED']);
  await assertFitted(page);
  assert.deepEqual(await unlabelled(page), [], 'every control of the run page has a label');
  assert.equal(await node('calculator').locator('xpath=..').getAttribute('aria-label'), 'calculator: CalculatorBlock', 'a node is named for keyboard users');
  await assertMinimapByStatus(page);
  const lastSeq = await lastSeqOf(runId);
  assert.ok(lastSeq > 0, 'the run recorded events');
  assert.equal(await eventsShown(page), String(lastSeq), "the events counter is the run's: as many as it recorded");
  await shot(page, '05-run-page');

  await page.goto(`${baseURL}/graphs/${encodeURIComponent(builtGraphId)}`);
  await page.click('role=tab[name="History"]');
  await page.locator(`[data-run-id="${runId}"]`).waitFor();
});

test('/runs/<id> whose first read fails (no connection) says so and reads again, rather than "Run not found"', async () => {
  const g = await storeChain(`read again ${Date.now()}`, [['in', 'AgentInputBlock', { name: 'x' }], ['out', 'AgentOutputBlock', { name: 'y' }]], ['in.result->out.value']);
  const { executeGraph: run } = await data(`mutation($id: ID!) { executeGraph(graphId: $id, inputs: { x: 1 }) { id } }`, { id: g.graphId }, { key: keys.alice });
  const { ctx, p } = await signedIn(keys.alice);
  let failing = 2;
  await p.route(`${baseURL}/graphql`, (r) => (failing > 0 && r.request().postData()?.includes('query Execution(') ? (failing--, r.abort('failed')) : r.continue()));
  await p.goto(`${baseURL}/runs/${encodeURIComponent(run.id)}`);
  const unreachable = p.getByTestId('run-unreachable');
  await unreachable.waitFor();
  assert.match(await unreachable.innerText(), /could not be loaded: the server could not be reached\. Trying again/);
  assert.equal(await p.locator('text=Run not found').count(), 0);
  await p.locator('[data-testid="run-summary"][data-run-status="COMPLETED"]').waitFor({ timeout: 20_000 });
  assert.equal(await unreachable.count(), 0);
  await ctx.close();
});

/** A page of its own (a new browser context, 1280×800), signed in with key. */
async function signedIn(key) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const p = await ctx.newPage();
  await p.goto(baseURL + '/');
  await p.fill('#api-key', key);
  await p.click('button[type=submit]');
  await p.getByRole('heading', { name: 'Your graphs' }).waitFor();
  await listsLoaded(p);
  return { ctx, p };
}

// Waits until the graph list's first load is over. The list asks the server
// 200 ms after it is drawn (the search box's pause), so until then a request
// of the page's own is still to come: a test that changes the account
// meanwhile (revokes its key) would race it to the answer.
async function listsLoaded(p) {
  await p.waitForFunction(() => {
    const lists = [...document.querySelectorAll('section.ag-list')];
    return lists.length === 2 && lists.every((l) => !l.textContent.includes('Loading…'));
  });
}

test('a dropped websocket shows a banner, reconnects by itself, and the live history keeps updating', async () => {
  // The History tab is open from the previous test: graphExecutions is subscribed.
  await page.locator(`[data-run-id="${runId}"]`).waitFor();
  await page.waitForFunction(() => window.__agWS && window.__agWS.readyState === 1);
  await page.evaluate(() => window.__agWS.close(4499, 'network drop'));
  await page.getByTestId('connection-banner').waitFor();
  await shot(page, '05b-connection-lost');
  await page.getByTestId('connection-banner').waitFor({ state: 'detached', timeout: 15_000 });
  // Resubscribed: a new run of the graph appears without a reload.
  await page.waitForFunction(() => window.__agWS && window.__agWS.readyState === 1);
  const d = await data(`mutation($id: ID!) { executeGraph(graphId: $id, inputs: { agent_input: 5 }) { id } }`, { id: builtGraphId }, { key: keys.alice });
  await page.locator(`[data-run-id="${d.executeGraph.id}"]`).waitFor({ timeout: 15_000 });
});

test('the run page fits its graph again when resized, and keeps Cancel and Share apart from the outputs, light and dark, desktop and phone', async () => {
  const { ctx, p } = await signedIn(keys.alice);
  await p.goto(`${baseURL}/runs/${encodeURIComponent(runId)}`);
  await p.locator('[data-testid="run-summary"][data-run-status="COMPLETED"]').waitFor();
  await assertFitted(p);
  await assertActionsApart(p);
  await p.setViewportSize({ width: 390, height: 844 });
  await assertFitted(p);
  await assertActionsApart(p);
  await p.getByRole('button', { name: 'Cancel run' }).scrollIntoViewIfNeeded();
  await shot(p, '05c-run-page-phone');
  await p.emulateMedia({ colorScheme: 'dark' });
  await p.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
  await assertActionsApart(p);
  await shot(p, '05d-run-page-phone-dark');
  await p.setViewportSize({ width: 1280, height: 800 });
  await assertFitted(p);
  await assertActionsApart(p);
  await shot(p, '05e-run-page-dark');
  await ctx.close();
});

test('a 500-node, 600-link graph renders, and a run of it stays responsive', async () => {
  const idOf = await blockIds();
  const nodes = [{ key: 'n0', blockId: idOf('AgentInputBlock'), inputDefault: { name: 'x' }, position: { x: 0, y: 0 } }];
  const links = [];
  for (let i = 1; i < 500; i++) {
    nodes.push({ key: `n${i}`, blockId: idOf('StoreValueBlock'), position: { x: (i % 25) * 320, y: Math.floor(i / 25) * 260 } });
    links.push({ sourceKey: `n${Math.floor((i - 1) / 2)}`, sourceName: i === 1 || i === 2 ? 'result' : 'output', sinkKey: `n${i}`, sinkName: 'input' });
  }
  for (let k = 0; k < 101; k++) {
    const src = k + 1;
    links.push({ sourceKey: `n${src}`, sourceName: 'output', sinkKey: `n${499 - k}`, sinkName: 'data' });
  }
  assert.equal(links.length, 600);
  const name = `big ${Date.now()}`;
  const g = await data(`mutation($input: GraphInput!) { createGraph(input: $input) { id graphId } }`, { input: { name, nodes, links } }, { key: keys.alice });

  // Opened from the graph list, as a person would, once the app has loaded
  // and painted: the figure is the graph's render, not the app's start-up
  // (a cold page load would run both at once).
  await page.goto(baseURL + '/');
  await page.fill('#graph-search', name);
  const link = page.locator(`section[aria-label="Your graphs"] li[data-graph-id="${g.createGraph.graphId}"] a`);
  await link.waitFor();
  await page.evaluate(() => {
    window.__agRender = undefined;
    return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  });
  await link.click();
  // The app reports the render from the graph's data arriving to the end of
  // the first frame painted with every node ready (Canvas's RenderMark).
  const render = await page.waitForFunction(() => window.__agRender, null, { timeout: 30_000 }).then((h) => h.jsonValue());
  assert.equal(render.nodes, 500);
  console.log(`figure: 500-node 600-link graph, first complete render ${render.ms.toFixed(0)} ms after the data arrived`);
  // Fitted to the view, every node is in sight, so every node is in the page.
  assert.equal(await page.locator('[data-node-key]').count(), 500, 'every node is drawn');
  assert.equal(await page.locator('.react-flow__edge').count(), 600, 'every link is drawn');
  // Zoomed out this far, nodes are drawn without their pins; links meet them where their handles are.
  assert.equal(await page.locator('.ag-node.far').count(), 500);
  for (const id of ['n0:result->n1:input', 'n1:output->n499:data', 'n248:output->n497:input']) await assertFarLink(id);
  await shot(page, '06-big-graph');

  // Run it while measuring frame times in the page.
  await page.evaluate(() => {
    window.__frames = [];
    let last = performance.now();
    const tick = (t) => {
      window.__frames.push(t - last);
      last = t;
      if (!window.__stopFrames) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.click('role=tab[name="Run"]');
  await page.fill('[data-run-input="x"]', '"v"');
  await page.click('button:has-text("Run v1")');
  await page.locator('[data-testid="run-summary"][data-run-status="COMPLETED"]').waitFor({ timeout: 60_000 });
  const m = await page.evaluate(() => {
    window.__stopFrames = true;
    const run = window.__agLiveRun;
    const f = window.__frames.slice(1).sort((a, b) => a - b);
    return {
      events: run.state.events,
      p95: f[Math.floor(f.length * 0.95)] ?? 0,
      frames: f.length,
      completed: run.state.counts.COMPLETED,
    };
  });
  console.log(`figure: real run of the 500-node graph: ${m.events} events reached the page (the run was done by the SNAPSHOT), ${m.frames} frames from Run to COMPLETED, p95 frame ${m.p95.toFixed(1)} ms`);
  assert.equal(m.completed, 500);
  await shot(page, '07-big-run');

  // The engine finishes this run faster than a browser can watch it (often
  // before the SNAPSHOT), so the page's load at 1,000 events/s is measured
  // by feeding it events at that rate through the live run's own entry
  // point (what the websocket handler calls), 3 seconds of them.
  const ids = await data(`query($id: ID!) { graph(id: $id) { nodes { id } } }`, { id: g.createGraph.id }, { key: keys.alice });
  const load = await page.evaluate(async (nodeIds) => {
    const run = window.__agLiveRun;
    let seq = run.state.lastSeq;
    const frames = [];
    let stop = false;
    let last = performance.now();
    const tick = (t) => {
      frames.push(t - last);
      last = t;
      if (!stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const kinds = ['RUNNING', 'OUTPUT', 'COMPLETED'];
    let sent = 0;
    const started = performance.now();
    await new Promise((done) => {
      const timer = setInterval(() => {
        // Catch up to 1 event per elapsed millisecond.
        const due = Math.min(3000, Math.floor(performance.now() - started));
        for (; sent < due; sent++) {
          const nodeId = nodeIds[sent % nodeIds.length];
          const k = kinds[Math.floor(sent / nodeIds.length) % 3];
          seq++;
          run.apply(
            k === 'OUTPUT'
              ? { seq, kind: 'NODE_OUTPUT', nodeId, pin: 'output', value: `v${sent}`, valueTruncated: false, status: null, error: null, execution: null }
              : { seq, kind: 'NODE_STATUS', nodeId, status: k, pin: null, value: null, valueTruncated: false, error: null, execution: null },
          );
        }
        if (sent >= 3000) {
          clearInterval(timer);
          done();
        }
      }, 4);
    });
    const lastEvent = run.lastEventAt;
    // Counted in animation frames, not milliseconds: the page flushes
    // once per frame (liveRun.ts), so the final state is due in the first
    // frame after the last event however long a frame takes on a busy
    // machine, and a flush held back (a throttle, a missed schedule) shows
    // as frames here. This rAF callback is queued after the flush's, so
    // it runs after it in the same frame.
    let settleFrames = 0;
    await new Promise((r) => {
      const wait = () => (run.lastFlushAt >= lastEvent ? r() : (settleFrames++, requestAnimationFrame(wait)));
      wait();
    });
    stop = true;
    const f = frames.slice(1).sort((a, b) => a - b);
    return { events: sent, seconds: (lastEvent - started) / 1000, p95: f[Math.floor(f.length * 0.95)], max: f[f.length - 1], settleMs: run.lastFlushAt - lastEvent, settleFrames };
  }, ids.graph.nodes.map((n) => n.id));
  console.log(
    `figure: 500-node canvas fed ${load.events} events in ${load.seconds.toFixed(2)} s: p95 frame ${load.p95.toFixed(1)} ms (max ${load.max.toFixed(1)} ms), final state shown ${load.settleMs.toFixed(1)} ms (${load.settleFrames} frame) after the last event`,
  );
  assert.equal(load.settleFrames, 1, `the final state is shown in the first frame after the last event (${load.settleFrames} frames, ${load.settleMs.toFixed(1)} ms)`);
});

test('Share gives a link that opens the run read-only, signed out, with its links', async () => {
  await page.goto(`${baseURL}/runs/${encodeURIComponent(runId)}`);
  await page.locator('[data-testid="run-summary"][data-run-status="COMPLETED"]').waitFor();
  await page.click('button:has-text("Share")');
  const shareURL = await page.getByTestId('share-link').getAttribute('href');
  assert.match(shareURL, new RegExp(`^${baseURL}/shared/[A-Za-z0-9_-]+$`));
  await shot(page, '08a-shared-link');
  // A phone-sized screen whose system theme is dark (signed out, the app follows the system).
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
  const p = await ctx.newPage();
  await p.goto(shareURL);
  await p.locator('[data-testid="run-summary"][data-run-status="COMPLETED"]').waitFor();
  const statuses = await p.locator('[data-node-key]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
  assert.deepEqual(statuses.sort(), ['COMPLETED', 'COMPLETED', 'COMPLETED']);
  await p.getByTestId('rf__edge-agent_input:result->calculator:a').waitFor({ state: 'attached' });
  await p.getByTestId('rf__edge-calculator:result->agent_output:value').waitFor({ state: 'attached' });
  assert.equal(await p.locator('.react-flow__edge').count(), 2, 'the run is drawn with its links');
  assert.match(await p.locator('[data-output="agent_output"]').innerText(), /42/);
  assert.equal(await p.locator('#api-key').count(), 0, 'no sign-in needed');
  assert.equal(await p.locator('text=Cancel run').count(), 0, 'read-only');
  assert.equal(await p.evaluate(() => document.documentElement.dataset.theme), 'dark');
  assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'nothing is wider than the phone');
  assert.ok((await p.getByTestId('canvas').boundingBox()).height > 300, 'the canvas has room on the phone');
  await assertFitted(p);
  assert.equal(await eventsShown(p), String(await lastSeqOf(runId)), 'the shared page counts the events the run recorded');
  await shot(p, '08-shared-phone-dark');
  // The phone has no room for the minimap; a wider screen shows it, dark.
  await p.setViewportSize({ width: 1280, height: 800 });
  await assertFitted(p);
  await assertMinimapByStatus(p);
  await shot(p, '08b-shared-desktop-dark');
  await assertClickSelects(p, ['agent_output', 'calculator']);
  // Zoomed by the reader, the view is theirs: a resize keeps it, until Fit view.
  const c = await p.getByTestId('canvas').boundingBox();
  await p.mouse.move(c.x + c.width / 2, c.y + c.height / 2);
  await p.mouse.wheel(0, -200);
  await viewSettled(p);
  await p.waitForTimeout(300); // the wheel gesture ends 150 ms after its last event
  const zoomed = await viewTransform(p);
  await p.setViewportSize({ width: 900, height: 800 });
  await p.waitForFunction((w) => document.querySelector('[data-testid="canvas"]').getBoundingClientRect().width < w, c.width);
  await viewSettled(p);
  assert.equal(await viewTransform(p), zoomed, "a resize keeps the reader's own view");
  await p.click('.react-flow__controls-fitview');
  await p.setViewportSize({ width: 1280, height: 800 });
  await assertFitted(p);
  await shot(p, '08c-shared-refitted');
  await ctx.close();
});

test('a shared run watched while it runs shows the nodes still to run, all in view', async () => {
  const g = await storeChain(
    `shared live ${Date.now()}`,
    [['in', 'AgentInputBlock', { name: 'x' }], ['wait', 'WaitBlock', { seconds: 5 }], ['out', 'AgentOutputBlock', { name: 'y' }]],
    ['in.result->wait.data', 'wait.data->out.value'],
  );
  const run = await data(`mutation($id: ID!) { executeGraph(graphId: $id, inputs: { x: 1 }) { id } }`, { id: g.graphId }, { key: keys.alice });
  const shared = await data(`mutation($id: ID!) { shareExecution(id: $id) { shareToken } }`, { id: run.executeGraph.id }, { key: keys.alice });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const p = await ctx.newPage();
  await p.goto(`${baseURL}/shared/${encodeURIComponent(shared.shareExecution.shareToken)}`);
  await p.locator('[data-node-key="wait"][data-status="RUNNING"]').waitFor({ timeout: 20_000 });
  assert.equal(await p.locator('[data-node-key="out"]').getAttribute('data-status'), 'NOT_STARTED', 'the output is drawn before it runs');
  await p.getByTestId('rf__edge-wait:data->out:value').waitFor({ state: 'attached' });
  await assertFitted(p);
  await shot(p, '08d-shared-live-running');
  await p.locator('[data-testid="run-summary"][data-run-status="COMPLETED"]').waitFor({ timeout: 20_000 });
  await p.locator('[data-node-key="out"][data-status="COMPLETED"]').waitFor();
  await assertFitted(p);
  await shot(p, '08e-shared-live-done');
  await ctx.close();
});

test('another user sees "not found" for the graph and the run, and anyone for an id that names no graph', async () => {
  const { ctx, p } = await signedIn(keys.bob);
  await p.goto(`${baseURL}/graphs/${encodeURIComponent(builtGraphId)}`);
  await p.locator('text=Graph not found').waitFor();
  await p.goto(`${baseURL}/runs/${encodeURIComponent(runId)}`);
  await p.locator('text=Run not found').waitFor();
  // Nor is an id that is no graph's an empty editor.
  await p.goto(`${baseURL}/graphs/nope`);
  await p.locator('text=Graph not found').waitFor();
  assert.equal(await p.locator('#graph-name').count(), 0, 'no editor');
  await ctx.close();
});

/** An HS256 JWT for a user, signed with the server's JWT_SECRET (scripts/e2e.sh sets both). */
function jwtFor(userId) {
  const secret = process.env.JWT_SECRET;
  assert.ok(secret, 'JWT_SECRET is set: run the suite through scripts/e2e.sh');
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: userId, iat: now, exp: now + 600 })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** Controls a person cannot name: inputs, selects and buttons without a label, links without text. */
function unlabelled(p) {
  return p.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea, button, a[href]')]
      .filter((el) => {
        if (el.closest('[aria-hidden="true"]') || el.type === 'hidden') return false;
        const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.getAttribute('title');
        if (el.matches('input, select, textarea')) return !(named || el.labels?.length);
        return !(named || el.textContent.trim());
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}

test('a revoked key is refused; a JWT signs in, the theme follows the preference, controls are labelled and reached by keyboard, GraphiQL is at /graphiql, sign-out forgets the token', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  ctx.on('request', (r) => {
    if (!r.url().startsWith(baseURL) && !r.url().startsWith(baseURL.replace(/^http/, 'ws')) && !r.url().startsWith('data:')) outside.push(r.url());
  });
  const p = await ctx.newPage();
  const created = await data(`mutation { createAPIKey(name: "soon revoked") { apiKey { id } secret } }`, {}, { key: keys.alice });
  await data(`mutation($id: ID!) { revokeAPIKey(id: $id) { revokedAt } }`, { id: created.createAPIKey.apiKey.id }, { key: keys.alice });
  await p.goto(baseURL + '/');
  await p.fill('#api-key', created.createAPIKey.secret);
  await p.click('button[type=submit]');
  assert.match(await p.getByTestId('signin-error').innerText(), /not accepted.*revoked/);

  // Keyboard only: the key field has focus, Enter submits.
  const me = await data(`{ me { id } }`, {}, { key: keys.alice });
  await p.fill('#api-key', '');
  assert.equal(await p.evaluate(() => document.activeElement?.id), 'api-key');
  await p.keyboard.type(jwtFor(me.me.id));
  await p.keyboard.press('Enter');
  await p.getByRole('heading', { name: 'Your graphs' }).waitFor();
  assert.ok(await p.evaluate(() => sessionStorage.getItem('agentgraph.token')?.split('.').length === 3), 'the JWT is kept in sessionStorage');
  assert.equal(await p.evaluate(() => localStorage.length), 0);

  // The theme is the user's preference, kept by the server: dark after a reload.
  const theme = p.getByRole('button', { name: 'Theme' });
  assert.equal(await p.evaluate(() => document.documentElement.dataset.theme), 'light', 'system (light here) at first');
  // Resolves when the server has the preference (the app saves it with updateMe).
  const saved = (want) => p.waitForResponse((r) => r.url() === `${baseURL}/graphql` && /mutation Prefs/.test(r.request().postData() ?? '') && r.request().postDataJSON().variables.p.theme === want);
  await theme.click(); // light
  const dark = saved('DARK');
  await theme.click(); // dark
  await p.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
  await dark;
  await p.goto(`${baseURL}/graphs/${encodeURIComponent(builtGraphId)}`);
  await p.locator('[data-node-key="calculator"]').waitFor();
  assert.equal(await p.evaluate(() => document.documentElement.dataset.theme), 'dark', 'the preference came back from the server');
  assert.deepEqual(await unlabelled(p), [], 'every control of the editor has a label');
  await assertMinimapByStatus(p);
  await shot(p, '13-editor-dark');
  const system = saved('SYSTEM');
  await theme.click(); // back to system, for the other tests
  await p.waitForFunction(() => document.documentElement.dataset.theme === 'light');
  await system;

  // Tab reaches the header's controls, the palette, the toolbar and the panel's tabs, in that order.
  await p.locator('.ag-brand').focus();
  const reached = [];
  for (let i = 0; i < 14; i++) {
    await p.keyboard.press('Tab');
    reached.push(await p.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute('aria-label') || document.activeElement?.textContent.trim()));
  }
  for (const want of ['GraphiQL', 'Theme', 'Sign out', 'graph-name', 'graph-version', 'palette-search', 'palette-category']) {
    assert.ok(reached.includes(want), `Tab reaches ${want} (${reached.join(', ')})`);
  }

  await p.click('a:has-text("GraphiQL")');
  await p.waitForURL(`${baseURL}/graphiql`);
  await p.locator('.graphiql-container').waitFor();
  await p.goBack();
  await p.locator('[data-node-key="calculator"]').waitFor();

  await p.click('button:has-text("Sign out")');
  await p.locator('#api-key').waitFor();
  assert.equal(await p.evaluate(() => sessionStorage.getItem('agentgraph.token')), null, 'signing out forgets the token');
  await p.goto(`${baseURL}/graphs/${encodeURIComponent(builtGraphId)}`);
  await p.locator('#api-key').waitFor();
  assert.equal(await p.locator('[data-node-key]').count(), 0, 'signed out, a graph URL asks to sign in');
  await ctx.close();
});

test('a key revoked while signed in returns the page to sign-in, saying why', async () => {
  const created = await data(`mutation { createAPIKey(name: "revoked while in use") { apiKey { id } secret } }`, {}, { key: keys.alice });
  // Signed in with the list loaded: the page asks nothing more until the
  // search below, whose answer is the first to find the key revoked.
  const { ctx, p } = await signedIn(created.createAPIKey.secret);
  // Revoked once the page has read what it shows (the lists, read 200 ms
  // after the first render, and the balance): the search typed below is
  // then what finds out. Revoked sooner, the lists' first read found out
  // first, now and then, on a busy machine, and the search box was gone.
  await p.getByTestId('credit-balance').waitFor();
  await p.locator('.ag-list', { hasText: 'Loading…' }).first().waitFor({ state: 'detached' });
  await data(`mutation($id: ID!) { revokeAPIKey(id: $id) { revokedAt } }`, { id: created.createAPIKey.apiKey.id }, { key: keys.alice });
  await p.fill('#graph-search', 'anything');
  await p.getByTestId('signin-notice').filter({ hasText: 'revoked' }).waitFor();
  await p.locator('#api-key').waitFor();
  assert.equal(await p.evaluate(() => sessionStorage.getItem('agentgraph.token')), null, 'the refused key is forgotten');
  await shot(p, '15-revoked-while-signed-in');
  await ctx.close();
});

test('a key revoked while a page streams over the websocket returns it to sign-in, with no request of its own', async () => {
  const created = await data(`mutation { createAPIKey(name: "revoked while streaming") { apiKey { id } secret } }`, {}, { key: keys.alice });
  const { ctx, p } = await signedIn(created.createAPIKey.secret);
  await p.goto(`${baseURL}/graphs/${encodeURIComponent(builtGraphId)}`);
  await p.click('role=tab[name="History"]');
  await p.waitForFunction(() => window.__agWS && window.__agWS.readyState === 1);
  // Only the websocket can tell: the page sends nothing over HTTP meanwhile.
  const posts = [];
  p.on('request', (r) => r.method() === 'POST' && posts.push(r.url()));
  await data(`mutation($id: ID!) { revokeAPIKey(id: $id) { revokedAt } }`, { id: created.createAPIKey.apiKey.id }, { key: keys.alice });
  await p.getByTestId('signin-notice').filter({ hasText: 'revoked' }).waitFor();
  await p.locator('#api-key').waitFor();
  assert.deepEqual(posts, [], 'signed out by the websocket\'s 4403, not by an HTTP answer');
  assert.equal(await p.evaluate(() => sessionStorage.getItem('agentgraph.token')), null, 'the refused key is forgotten');
  await ctx.close();
});

test('the open tab of a graph is in its URL: a reload and a shared link open it, Back and Forward walk the tabs opened', async () => {
  const g = await storeChain(`tabs ${Date.now()}`, [['in', 'AgentInputBlock', { name: 'x' }], ['out', 'AgentOutputBlock', { name: 'y' }]], ['in.result->out.value']);
  const { ctx, p } = await signedIn(keys.alice);
  const url = `${baseURL}/graphs/${encodeURIComponent(g.graphId)}`;
  const open = (q, name) => q.locator(`role=tab[name="${name}"][selected=true]`).waitFor();
  const at = (q, tab) => assert.equal(q.url(), tab ? `${url}?tab=${tab}` : url);
  await p.goto(url);
  await open(p, 'Run');
  await p.click('role=tab[name="History"]');
  await open(p, 'History');
  at(p, 'history');
  await p.click('role=tab[name="Triggers"]');
  await p.getByTestId('triggers').waitFor();
  at(p, 'triggers');

  // A reload opens the same tab, its content with it.
  await p.reload();
  await open(p, 'Triggers');
  await p.getByTestId('triggers').getByRole('heading', { name: 'Schedules' }).waitFor();
  await shot(p, '16-tab-in-url-after-reload');

  // Back and Forward walk the tabs, the history entries surviving the reload.
  await p.goBack();
  await open(p, 'History');
  await p.getByTestId('history').waitFor();
  at(p, 'history');
  await p.goBack();
  await open(p, 'Run');
  at(p, null);
  await p.goForward();
  await open(p, 'History');
  at(p, 'history');

  // A node selected on the canvas shows the Selection in place of the
  // History: the URL follows, but Back is not a replay of canvas clicks.
  await p.locator('[data-node-key="in"]').click();
  await open(p, 'Selection');
  at(p, 'selection');
  await p.goBack();
  await open(p, 'Run');
  at(p, null);

  // A link with the tab, opened elsewhere, opens it; a tab that is no tab opens the default.
  const other = await signedIn(keys.alice);
  await other.p.goto(`${url}?tab=history`);
  await open(other.p, 'History');
  await other.p.getByTestId('history').waitFor();
  await other.p.goto(`${url}?tab=nonsense`);
  await open(other.p, 'Run');
  await other.ctx.close();
  await ctx.close();
});

test('the page asked nothing of any other host', () => {
  assert.deepEqual(outside, []);
});
