// "Run again" on a run's page starts a new run of the same version with
// the same inputs, the server's stored ones: a secret input, shown masked
// everywhere, is run again as typed, never as the mask. On the graph page
// the new run is followed in the side panel, as a run started there is.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { baseURL, keys } from '../lib/env.js';
import { createGraph, executeGraph, waitForEnd } from '../lib/graphs.js';
import { launch, shot } from '../lib/browser.js';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('Run again repeats a run with its stored inputs, the secret one included', async () => {
  const g = await createGraph(keys.alice, {
    name: 'rerun with a secret',
    nodes: [
      { key: 'pw', blockId: 'AgentInputBlock', inputDefault: { name: 'pw', secret: true }, position: { x: 0, y: 0 } },
      { key: 'out', blockId: 'AgentOutputBlock', inputDefault: { name: 'echo' }, position: { x: 700, y: 0 } },
    ],
    links: [{ sourceKey: 'pw', sourceName: 'result', sinkKey: 'out', sinkName: 'value' }],
  });
  const first = await executeGraph(keys.alice, g.id, { pw: 'hunter2' });
  assert.equal((await waitForEnd(keys.alice, first.id)).status, 'COMPLETED');

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const p = await ctx.newPage();
  p.on('pageerror', (e) => console.log('page error:', e.message));
  await p.goto(baseURL + '/');
  await p.fill('#api-key', keys.alice);
  await p.click('button[type=submit]');
  await p.getByRole('heading', { name: 'Your graphs' }).waitFor();
  await p.goto(`${baseURL}/runs/${first.id}`);
  await p.locator('[data-testid=run-summary][data-run-status=COMPLETED]').waitFor();

  await p.getByRole('button', { name: 'Run again' }).click();
  await p.waitForURL((u) => u.pathname.startsWith('/runs/') && !u.pathname.endsWith(first.id));
  const second = decodeURIComponent(new URL(p.url()).pathname.split('/').pop());
  await p.locator('[data-testid=run-summary][data-run-status=COMPLETED]').waitFor();
  await shot(p, 'rerun-desktop');
  const end = await waitForEnd(keys.alice, second);
  assert.equal(end.status, 'COMPLETED');
  assert.deepEqual(end.outputs, { echo: ['hunter2'] }, 'the stored secret ran again, not the mask');

  // On the graph page, a run started there is run again there: the panel
  // follows the new run, the editor stays.
  await p.goto(`${baseURL}/graphs/${g.id}?tab=run`);
  await p.fill('[data-run-input="pw"]', 'swordfish');
  await p.click('button:has-text("Run v1")');
  const summary = p.locator('[data-testid=run-summary][data-run-status=COMPLETED]');
  await summary.waitFor();
  const firstHere = await summary.getByRole('link').innerText();
  await summary.getByRole('button', { name: 'Run again' }).click();
  await p.waitForFunction((was) => {
    const s = document.querySelector('[data-testid=run-summary]');
    return s && s.getAttribute('data-run-status') === 'COMPLETED' && !s.textContent.includes(was);
  }, firstHere);
  assert.equal(new URL(p.url()).pathname, `/graphs/${g.id}`, 'still on the graph page');
  const thirdHere = await summary.getByRole('link').innerText();
  assert.notEqual(thirdHere, firstHere);
  assert.deepEqual((await waitForEnd(keys.alice, thirdHere)).outputs, { echo: ['swordfish'] });
  await shot(p, 'rerun-graph-page');
  await ctx.close();
});
