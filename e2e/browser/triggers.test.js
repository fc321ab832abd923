// The graph page's Triggers tab in a real browser (same setup as app.test.js):
// schedules created, refused, paused, resumed, edited and deleted in the UI
// and checked over the API; a schedule's runs and a signed webhook delivery's
// run showing in the History; a webhook's URL and its secret, shown once
// (and kept across a look at another tab); all of it by keyboard alone; a
// secret input typed unseen, and kept unseen when its schedule is edited; a
// schedule deleted in another tab.
// Screenshots of each screen, desktop and phone, go to e2e/artifacts/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { baseURL, keys } from '../lib/env.js';
import { data } from '../lib/http.js';
import { launch, shot } from '../lib/browser.js';

let browser;
let ctx;
let page;

before(async () => {
  browser = await launch();
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('page error:', e.message));
  await page.goto(baseURL + '/');
  await page.fill('#api-key', keys.alice);
  await page.click('button[type=submit]');
  await page.getByRole('heading', { name: 'Your graphs' }).waitFor();
});

after(async () => {
  await browser?.close();
});

/** Stores a graph through the API (block names stand for block ids) and returns its graphId. */
async function storeGraph(name, nodes, links) {
  const input = { name: `${name} ${Date.now()}`, nodes: nodes.map((n, i) => ({ ...n, position: { x: 320 * i, y: 0 } })), links };
  return (await data(`mutation($input: GraphInput!) { createGraph(input: $input) { graphId } }`, { input }, { key: keys.alice })).createGraph.graphId;
}

/** Graph input x → StoreValueBlock → graph output y. */
const chain = (name) =>
  storeGraph(
    name,
    [
      { key: 'in', blockId: 'AgentInputBlock', inputDefault: { name: 'x' } },
      { key: 's', blockId: 'StoreValueBlock' },
      { key: 'out', blockId: 'AgentOutputBlock', inputDefault: { name: 'y' } },
    ],
    [
      { sourceKey: 'in', sourceName: 'result', sinkKey: 's', sinkName: 'input' },
      { sourceKey: 's', sourceName: 'output', sinkKey: 'out', sinkName: 'value' },
    ],
  );

const schedulesOf = async (graphId) =>
  (await data(`query($id: ID!) { schedules(graphId: $id) { id name cron timezone inputs isActive misfirePolicy graphVersion } }`, { id: graphId }, { key: keys.alice })).schedules;

async function openTriggers(graphId, p = page) {
  await p.goto(`${baseURL}/graphs/${encodeURIComponent(graphId)}`);
  await p.click('role=tab[name="Triggers"]');
  await p.getByTestId('schedules').locator('h2').waitFor();
}

/** The side panel at the phone's width (the page stacks and scrolls), then back to the desktop's. */
async function shotBoth(name) {
  await shot(page, `${name}-desktop`);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByTestId('triggers').scrollIntoViewIfNeeded();
  await shot(page, `${name}-phone`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

const form = () => page.getByRole('form', { name: 'New schedule' });
const item = (name) => page.locator('[data-schedule-id]', { hasText: name });

test('a schedule is created in the Triggers tab, listed and stored; a refused cron or time zone is said beside its field and stores nothing', async () => {
  const g = await chain('scheduled');
  await openTriggers(g);
  await page.getByText('No schedules').waitFor();
  await page.click('button:has-text("New schedule")');
  const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  assert.equal(await form().getByLabel('Time zone').inputValue(), zone, "the time zone is the browser's");
  assert.match(await form().innerText(), /0 9 \* \* 1-5/, 'the cron field says how to write one');
  assert.match(await form().innerText(), /@every 5m/);

  await form().getByLabel('Name').fill('weekday digest');
  await form().getByLabel('Cron').fill('every monday');
  await form().locator('[data-schedule-input="x"]').fill('hello');
  await form().getByRole('button', { name: 'Create schedule' }).click();
  const refused = page.getByTestId('schedule-refused');
  await refused.waitFor();
  assert.equal(await refused.getAttribute('role'), 'alert');
  assert.equal(await refused.getAttribute('data-field'), 'cron');
  assert.match(await refused.innerText(), /not a valid cron expression/);
  assert.equal(await form().getByLabel('Cron').getAttribute('aria-invalid'), 'true');
  // Beside the cron field, not somewhere below the form.
  const cronBox = await form().getByLabel('Cron').boundingBox();
  const alertBox = await refused.boundingBox();
  assert.ok(alertBox.y > cronBox.y && alertBox.y < cronBox.y + 120, 'the refusal is just below the cron field');
  assert.deepEqual(await schedulesOf(g), [], 'nothing stored');
  await shotBoth('t1-schedule-refused');

  await form().getByLabel('Cron').fill('0 9 * * 1-5');
  await form().getByLabel('Time zone').fill('Mars/Olympus_Mons');
  await form().getByRole('button', { name: 'Create schedule' }).click();
  await page.locator('[data-testid="schedule-refused"][data-field="timezone"]').waitFor();
  assert.deepEqual(await schedulesOf(g), [], 'nothing stored');

  await form().getByLabel('Time zone').fill('Europe/Berlin');
  await form().getByLabel('Missed while the server was down').selectOption('SKIP');
  await form().getByRole('button', { name: 'Create schedule' }).click();
  await item('weekday digest').waitFor();
  assert.equal(await form().count(), 0, 'the form closes once saved');
  const text = await item('weekday digest').innerText();
  assert.match(text, /0 9 \* \* 1-5/);
  assert.match(text, /Europe\/Berlin/);
  assert.match(text, /Next run: /);
  assert.match(text, /active/);
  assert.match(text, /Runs v1/);
  assert.match(text, /skipped/);
  const stored = await schedulesOf(g);
  assert.equal(stored.length, 1);
  assert.deepEqual(
    { ...stored[0], id: undefined },
    { id: undefined, name: 'weekday digest', cron: '0 9 * * 1-5', timezone: 'Europe/Berlin', inputs: { x: 'hello' }, isActive: true, misfirePolicy: 'SKIP', graphVersion: 1 },
  );
  await shotBoth('t2-schedule-listed');

  // Pause and resume.
  await item('weekday digest').getByRole('button', { name: 'Pause' }).click();
  await page.locator('[data-schedule-id][data-active="false"]').waitFor();
  assert.match(await item('weekday digest').innerText(), /paused/);
  assert.equal((await schedulesOf(g))[0].isActive, false);
  await shot(page, 't3-schedule-paused');
  await item('weekday digest').getByRole('button', { name: 'Resume' }).click();
  await page.locator('[data-schedule-id][data-active="true"]').waitFor();
  assert.equal((await schedulesOf(g))[0].isActive, true);

  // Edit: the form holds what is stored, the change is stored.
  await item('weekday digest').getByRole('button', { name: 'Edit' }).click();
  const edit = page.getByRole('form', { name: 'Edit schedule weekday digest' });
  assert.equal(await edit.getByLabel('Cron').inputValue(), '0 9 * * 1-5');
  assert.equal(await edit.getByLabel('Time zone').inputValue(), 'Europe/Berlin');
  assert.equal(await edit.locator('[data-schedule-input="x"]').inputValue(), 'hello');
  await edit.getByLabel('Cron').fill('30 8 * * *');
  await shotBoth('t3b-schedule-edit');
  await edit.getByRole('button', { name: 'Save schedule' }).click();
  await page.locator('[data-schedule-id] [data-testid="schedule-cron"]', { hasText: '30 8 * * *' }).waitFor();
  const updated = (await schedulesOf(g))[0];
  assert.equal(updated.cron, '30 8 * * *');
  assert.deepEqual(updated.inputs, { x: 'hello' }, 'the inputs are kept');

  // Delete asks first; Keep keeps it.
  await item('weekday digest').getByRole('button', { name: 'Delete…' }).click();
  const confirm = page.getByRole('group', { name: 'Delete schedule weekday digest?' });
  await confirm.waitFor();
  await shot(page, 't4-schedule-delete-confirm');
  await confirm.getByRole('button', { name: 'Keep' }).click();
  assert.equal((await schedulesOf(g)).length, 1);
  await item('weekday digest').getByRole('button', { name: 'Delete…' }).click();
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await item('weekday digest').waitFor({ state: 'detached' });
  assert.deepEqual(await schedulesOf(g), []);
  await page.getByText('No schedules').waitFor();
});

test("an @every schedule's runs show in the History, marked as started by the schedule", async () => {
  const g = await chain('every few seconds');
  await openTriggers(g);
  await page.click('button:has-text("New schedule")');
  await form().getByLabel('Name').fill('often');
  await form().getByLabel('Cron').fill('@every 2s');
  await form().locator('[data-schedule-input="x"]').fill('tick');
  await form().getByRole('button', { name: 'Create schedule' }).click();
  await item('often').waitFor();
  const [s] = await schedulesOf(g);
  try {
    await page.click('role=tab[name="History"]');
    const run = page.locator('[data-testid="history"] li', { has: page.locator('[data-trigger="SCHEDULE"]') }).first();
    await run.waitFor({ timeout: 20_000 });
    assert.match(await run.innerText(), /by schedule/);
    const runId = await run.getAttribute('data-run-id');
    const { execution } = await data(`query($id: ID!) { execution(id: $id) { inputs trigger { kind scheduleId } } }`, { id: runId }, { key: keys.alice });
    assert.deepEqual(execution.trigger, { kind: 'SCHEDULE', scheduleId: s.id });
    assert.deepEqual(execution.inputs, { x: 'tick' });
    await shot(page, 't5-history-by-schedule');
  } finally {
    await data(`mutation($id: ID!) { deleteSchedule(id: $id) }`, { id: s.id }, { key: keys.alice });
  }
});

const sign = (secret, body) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
async function deliver(url, secret, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-agentgraph-signature': sign(secret, body) }, body });
  return { status: res.status, body: await res.json().catch(() => null) };
}

test('a graph without a webhook trigger says how to add one; one with it shows its URL, a secret once, and a delivery signed with it starts a run in the History', async () => {
  await openTriggers(await chain('no hook'));
  const none = page.getByTestId('no-webhooks');
  await none.waitFor();
  assert.match(await none.innerText(), /GenericWebhookTriggerBlock/);

  const g = await storeGraph(
    'hooked',
    [
      { key: 'hook', blockId: 'GenericWebhookTriggerBlock' },
      { key: 'out', blockId: 'AgentOutputBlock', inputDefault: { name: 'out' } },
    ],
    [{ sourceKey: 'hook', sourceName: 'payload', sinkKey: 'out', sinkName: 'value' }],
  );
  const { graph } = await data(`query($id: ID!) { graph(id: $id) { webhooks { id url } } }`, { id: g }, { key: keys.alice });
  const [{ id: hookId, url }] = graph.webhooks;
  await openTriggers(g);
  const hook = page.locator(`[data-webhook-id="${hookId}"]`);
  await hook.waitFor();
  assert.equal(await hook.getByTestId('webhook-url').innerText(), url);
  assert.equal(await hook.getByTestId('webhook-secret-state').innerText(), 'no secret');
  assert.match(await page.getByTestId('webhooks').innerText(), /without a\s+secret every delivery is refused/);
  await hook.getByRole('button', { name: 'Copy the URL of hook' }).click();
  await hook.getByRole('button', { name: 'Copy the URL of hook' }).filter({ hasText: 'Copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), url);
  await shotBoth('t6-webhook-no-secret');

  const body = JSON.stringify({ event: 'push', n: 3 });
  assert.equal((await deliver(url, 'guess', body)).status, 401, 'without a secret a delivery is refused');

  await hook.getByRole('button', { name: 'Set secret' }).click();
  const secret = await hook.getByTestId('webhook-secret').innerText();
  assert.ok(secret.length >= 16, 'a secret is shown');
  const curl = await hook.getByTestId('webhook-curl').innerText();
  assert.ok(curl.includes(url) && curl.includes(secret) && curl.includes('X-Agentgraph-Signature: sha256='), curl);
  assert.equal(await hook.getByTestId('webhook-secret-state').innerText(), 'secret set');
  await shotBoth('t7-webhook-secret-once');

  const d = await deliver(url, secret, body);
  assert.equal(d.status, 202, JSON.stringify(d.body));
  await page.click('role=tab[name="History"]');
  const run = page.locator(`[data-run-id="${d.body.executionId}"]`);
  await run.waitFor({ timeout: 15_000 });
  assert.match(await run.innerText(), /by webhook/);
  await shot(page, 't8-history-by-webhook');

  // Shown once: back on the tab (and after a reload) only "secret set" remains.
  await page.reload();
  await page.click('role=tab[name="Triggers"]');
  await hook.waitFor();
  assert.equal(await page.getByTestId('webhook-secret').count(), 0, 'the secret is not shown again');
  assert.equal(await hook.getByTestId('webhook-secret-state').innerText(), 'secret set');

  // Rotating asks first, then the old secret stops working.
  await hook.getByRole('button', { name: 'Rotate secret…' }).click();
  await page.getByRole('group', { name: 'Rotate the secret of hook?' }).getByRole('button', { name: 'Rotate' }).click();
  const rotated = await hook.getByTestId('webhook-secret').innerText();
  assert.notEqual(rotated, secret);
  assert.equal((await deliver(url, secret, body)).status, 401, 'the old secret is refused');
  assert.equal((await deliver(url, rotated, JSON.stringify({ event: 'again' }))).status, 202);
  await hook.getByRole('button', { name: 'Done' }).click();
  assert.equal(await page.getByTestId('webhook-secret').count(), 0);
});

/** The element that has the keyboard: its tag and its text, label or id (run in the page). */
function describeFocus() {
  const e = document.activeElement;
  return `${e.tagName}:${(e.id || e.getAttribute('aria-label') || e.textContent).trim().slice(0, 60)}`;
}
const focused = (p = page) => p.evaluate(describeFocus);

/**
 * Asserts the keyboard is on `want` within a few animation frames (the app
 * moves it on the next frame). Counted in frames, not milliseconds: on a
 * busy machine one frame can take half a second.
 */
async function assertFocus(want, message) {
  await page.evaluate(() => (window.__focusFrames = 0));
  await page.waitForFunction(`(${describeFocus})() === ${JSON.stringify(want)} || ++window.__focusFrames > 10`, null, { polling: 'raf' });
  assert.equal(await focused(), want, message);
}

test('by keyboard alone: a schedule with a secret input (typed unseen) is written and deleted, a webhook secret set and rotated; the keyboard never falls to the top of the page, Escape answers a question, and a look at the History keeps the one-time secret', async () => {
  const name = `nightly-${'N'.repeat(90)}`.slice(0, 100);
  const g = await storeGraph(
    'keyboard',
    [
      { key: 'token', blockId: 'AgentInputBlock', inputDefault: { name: 'token', secret: true, value: 'dflt-s3cret' } },
      { key: 'hook', blockId: 'GenericWebhookTriggerBlock' },
      { key: 'out', blockId: 'AgentOutputBlock', inputDefault: { name: 'out' } },
    ],
    [
      { sourceKey: 'hook', sourceName: 'payload', sinkKey: 'out', sinkName: 'value' },
      { sourceKey: 'token', sourceName: 'result', sinkKey: 'out', sinkName: 'title' },
    ],
  );
  await openTriggers(g);
  await page.getByText('No schedules').waitFor();

  // New schedule: the keyboard goes to its first field; the secret input is a password field.
  await page.getByRole('button', { name: 'New schedule' }).focus();
  await page.keyboard.press('Enter');
  await assertFocus('INPUT:schedule-new-name');
  await page.keyboard.type(name);
  await page.keyboard.press('Tab');
  await page.keyboard.type('0 9 * * *');
  assert.equal(await page.locator('[data-schedule-input="token"]').getAttribute('type'), 'password', 'a secret input is not shown as typed');
  await page.locator('[data-schedule-input="token"]').focus();
  await page.keyboard.type('s3cret-typed');
  await page.keyboard.press('Enter');
  const item = page.locator('[data-schedule-id]');
  await item.waitFor();
  await assertFocus('BUTTON:New schedule', 'saved: the keyboard is back on New schedule');
  assert.equal((await schedulesOf(g))[0].inputs.token, '********');
  // A long name wraps in the panel.
  const side = await page.locator('.ag-side').evaluate((el) => el.scrollWidth - el.clientWidth);
  assert.ok(side <= 0, `the panel is ${side}px wider than itself`);

  // Delete…: the question takes the keyboard, Escape puts it back on Delete…, which Enter asks again.
  await item.getByRole('button', { name: 'Delete…' }).focus();
  await page.keyboard.press('Enter');
  await assertFocus('BUTTON:Keep');
  await page.keyboard.press('Escape');
  await page.getByRole('group', { name: /^Delete schedule/ }).waitFor({ state: 'detached' });
  await assertFocus('BUTTON:Delete…');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  await item.waitFor({ state: 'detached' });
  assert.deepEqual(await schedulesOf(g), []);

  // Set secret: the keyboard goes to the secret's Copy button.
  const hook = page.locator('[data-webhook-id]');
  await hook.getByRole('button', { name: 'Set secret' }).focus();
  await page.keyboard.press('Enter');
  const secret = await hook.getByTestId('webhook-secret').innerText();
  await assertFocus('BUTTON:Copy the secret of hook');
  // A look at the History, and back: the secret shown once is still there to copy.
  await page.click('role=tab[name="History"]');
  await page.getByTestId('history').waitFor();
  // The History is set in from the panel's edge as the other tabs are.
  const inset = async (sel) => (await page.locator(sel).boundingBox()).x - (await page.locator('.ag-side').boundingBox()).x;
  assert.ok((await inset('[data-testid="history"] h2')) >= 8, 'the History is not flush with the panel edge');
  await page.click('role=tab[name="Triggers"]');
  assert.equal(await hook.getByTestId('webhook-secret').innerText(), secret, 'the one-time secret survives a look at another tab');
  await shot(page, 't9-keyboard-secret-kept');

  // Rotate…: Escape keeps the secret and the keyboard's place.
  await hook.getByRole('button', { name: 'Rotate secret…' }).focus();
  await page.keyboard.press('Enter');
  await assertFocus('BUTTON:Keep');
  await page.keyboard.press('Escape');
  await page.getByRole('group', { name: /^Rotate the secret/ }).waitFor({ state: 'detached' });
  await assertFocus('BUTTON:Rotate secret…');

  // The Run tab's field for the secret input is a password field too, and shows not its default.
  await page.click('role=tab[name="Run"]');
  const field = page.locator('[data-run-input="token"]');
  assert.equal(await field.getAttribute('type'), 'password');
  assert.doesNotMatch(await field.getAttribute('placeholder'), /dflt-s3cret/, "the secret's default is not shown");
});

test("a schedule with a secret input is edited without typing the secret again: the field holds the mask, and the run the edited schedule fires gets the real secret", async () => {
  const g = await storeGraph(
    'edit keeps secret',
    [
      { key: 'token', blockId: 'AgentInputBlock', inputDefault: { name: 'token', secret: true } },
      { key: 'note', blockId: 'AgentInputBlock', inputDefault: { name: 'note' } },
      { key: 'seen', blockId: 'AgentOutputBlock', inputDefault: { name: 'seen' } },
      { key: 'noted', blockId: 'AgentOutputBlock', inputDefault: { name: 'noted' } },
    ],
    [
      { sourceKey: 'token', sourceName: 'result', sinkKey: 'seen', sinkName: 'value' },
      { sourceKey: 'note', sourceName: 'result', sinkKey: 'noted', sinkName: 'value' },
    ],
  );
  const { createSchedule: s } = await data(
    `mutation($input: ScheduleInput!) { createSchedule(input: $input) { id } }`,
    { input: { graphId: g, name: 'keeps its secret', cron: '0 3 1 1 *', timezone: 'UTC', inputs: { token: 's3cret-stored', note: 'first' } } },
    { key: keys.alice },
  );
  try {
    await openTriggers(g);
    await item('keeps its secret').getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit schedule keeps its secret' });
    const token = edit.locator('[data-schedule-input="token"]');
    assert.equal(await token.getAttribute('type'), 'password', 'the secret is not shown');
    assert.equal(await token.inputValue(), '********', 'the field holds the mask the API reads');
    const kept = edit.getByTestId('schedule-secret-kept');
    assert.match(await kept.innerText(), /stored secret is kept/);
    assert.equal(await token.getAttribute('aria-describedby'), await kept.getAttribute('id'));
    await token.focus();
    assert.deepEqual(await token.evaluate((el) => [el.selectionStart, el.selectionEnd]), [0, 8], 'entered, the mask is selected: typing replaces it');
    await edit.locator('[data-schedule-input="note"]').fill('second');
    await edit.getByLabel('Cron').fill('@every 1s');
    await shotBoth('t10-schedule-edit-secret-kept');
    await edit.getByRole('button', { name: 'Save schedule' }).click();
    await page.locator('[data-schedule-id] [data-testid="schedule-cron"]', { hasText: '@every 1s' }).waitFor();
    assert.deepEqual((await schedulesOf(g))[0].inputs, { token: '********', note: 'second' });
    // The run the edited schedule fires prints the secret it got.
    const deadline = Date.now() + 20_000;
    let run;
    while (!run && Date.now() < deadline) {
      const { schedules } = await data(`query($id: ID!) { schedules(graphId: $id) { executions(first: 1) { status outputs } } }`, { id: g }, { key: keys.alice });
      if (schedules[0].executions[0]?.status === 'COMPLETED') run = schedules[0].executions[0];
      else await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(run, 'the edited schedule fired');
    assert.deepEqual(run.outputs, { seen: ['s3cret-stored'], noted: ['second'] });
  } finally {
    await data(`mutation($id: ID!) { deleteSchedule(id: $id) }`, { id: s.id }, { key: keys.alice });
  }
});

test('a schedule deleted in another tab leaves the list when deleted here too, with no error', async () => {
  const g = await chain('deleted elsewhere');
  const { createSchedule: s } = await data(
    `mutation($input: ScheduleInput!) { createSchedule(input: $input) { id } }`,
    { input: { graphId: g, name: 'twice', cron: '@daily', inputs: { x: 1 } } },
    { key: keys.alice },
  );
  await openTriggers(g);
  const it = page.locator(`[data-schedule-id="${s.id}"]`);
  await it.waitFor();
  await data(`mutation($id: ID!) { deleteSchedule(id: $id) }`, { id: s.id }, { key: keys.alice });
  await it.getByRole('button', { name: 'Delete…' }).click();
  await page.getByRole('group', { name: 'Delete schedule twice?' }).getByRole('button', { name: 'Delete' }).click();
  await it.waitFor({ state: 'detached' });
  assert.equal(await page.getByTestId('schedules').getByRole('alert').count(), 0, 'no error for what is gone already');
});
