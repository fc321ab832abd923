// The account in a real browser: the Integrations page (/credentials) adds
// an API key and lists it (stored encrypted, its secret never returned),
// shows a refusal beside the form, deletes after asking, connects an
// account at a stand-in OAuth2 provider (lib/oauthstub.js, "Acme SSO") and
// comes back to the list, comes back told why when the provider refuses
// (consent denied), and tells a key without MANAGE_CREDENTIALS why it sees
// nothing; the header's balance, read again when a watched run ends and
// when runs it does not watch are charged (on return to the tab, every 30 s);
// deleting a graph from the list, refused while a run of it is going; a run
// that failed for a missing credential links to the page. Screenshots, at
// desktop and phone widths, go to e2e/artifacts/ (or $E2E_ARTIFACTS).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { baseURL, keys } from '../lib/env.js';
import { data, post, codeOf } from '../lib/http.js';
import { executeGraph, waitForEnd, waitGraph } from '../lib/graphs.js';
import { account as stubAccount, refuseNext } from '../lib/oauthstub.js';
import { launch, shot } from '../lib/browser.js';

const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };

let browser;
let page; // alice's, at desktop width

/** A page of its own, signed in with key through the sign-in form. */
async function signedInPage(key, viewport = desktop) {
  const ctx = await browser.newContext({ viewport });
  const p = await ctx.newPage();
  p.on('pageerror', (e) => console.log('page error:', e.message));
  await p.goto(baseURL + '/');
  await p.fill('#api-key', key);
  await p.click('button[type=submit]');
  await p.getByRole('heading', { name: 'Your graphs' }).waitFor();
  return p;
}

before(async () => {
  browser = await launch();
  page = await signedInPage(keys.alice);
});

after(async () => {
  await browser?.close();
});

const CREDENTIAL_FIELDS = 'id provider authType title username scopes metadata expiresAt isActive createdAt updatedAt isExpired isValid invalidReason';

/** Alice's credentials as the API lists them, every field. */
async function storedCredentials() {
  return (await data(`{ credentials { ${CREDENTIAL_FIELDS} } }`, {}, { key: keys.alice })).credentials;
}

async function balance() {
  return (await data('{ me { credit { balance } } }', {}, { key: keys.alice })).me.credit.balance;
}

/** Opens the Integrations page from the header's link, as a person would. */
async function openIntegrations(p = page) {
  await p.getByRole('link', { name: 'Integrations' }).click();
  await p.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();
  await p.locator('#cred-provider').waitFor();
}

/** Stores a graph for alice; its graphId, which the app's URLs and list use. */
async function createGraph(input) {
  return (await data('mutation($input: GraphInput!) { createGraph(input: $input) { graphId } }', { input }, { key: keys.alice })).createGraph.graphId;
}

const row = (p, id) => p.locator(`[data-credential-id="${id}"]`);

test('the header shows the balance on every signed-in page and links to Integrations, which a reload keeps', async () => {
  const want = await balance();
  const shown = page.getByTestId('credit-balance');
  await shown.waitFor();
  assert.equal(Number(await shown.getAttribute('data-balance')), want);
  assert.equal(await shown.innerText(), `${want.toLocaleString('en-US')} credits`);
  assert.match(await shown.getAttribute('title'), /\$[\d,]+\.\d\d/, 'the title says what the credits are worth (one credit is one cent)');
  await openIntegrations();
  assert.equal(new URL(page.url()).pathname, '/credentials');
  assert.equal(await page.title(), 'Integrations · agentgraph');
  await page.reload();
  await page.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();
  await shown.waitFor();
});

test('an API key added on the Integrations page is listed and stored, its secret cleared and never returned', async () => {
  await page.goto(`${baseURL}/graphs`);
  await openIntegrations();
  const providers = await page.locator('#cred-provider option').allInnerTexts();
  assert.ok(providers.includes('Jina AI') && providers.includes('OpenAI'), `API-key providers by display name: ${providers}`);
  assert.ok(!providers.includes('Acme SSO'), 'an OAuth2-only provider takes no API key');
  const secretField = page.locator('#cred-secret');
  assert.equal(await secretField.getAttribute('type'), 'password');
  const secret = `jina-secret-${Date.now()}`;
  const title = `search key ${Date.now()}`;
  await page.selectOption('#cred-provider', 'jina');
  await page.fill('#cred-title', title);
  await secretField.fill(secret);
  await page.click('button:has-text("Save API key")');
  await page.getByTestId('credential-saved').waitFor();
  assert.equal(await secretField.inputValue(), '', 'the secret is cleared once saved');
  assert.equal(await page.locator('#cred-title').inputValue(), '');

  const stored = (await storedCredentials()).filter((c) => c.title === title);
  assert.equal(stored.length, 1, 'stored once');
  assert.equal(stored[0].provider, 'jina');
  assert.equal(stored[0].authType, 'API_KEY');
  assert.ok(!JSON.stringify(await storedCredentials()).includes(secret), 'no field of any credential returns the secret');

  const shown = row(page, stored[0].id);
  await shown.waitFor();
  const text = await shown.innerText();
  assert.match(text, /Jina AI/);
  assert.match(text, new RegExp(title));
  assert.match(text, /API key/);
  assert.match(text, /never expires/);
  assert.match(text, /added /);
  assert.ok(!(await page.content()).includes(secret), 'the page holds the secret nowhere');
  await shot(page, 'credentials-01-key-added');
  // Listed oldest first, as the API gives them: the new one last.
  const ids = await page.locator('[data-credential-id]').evaluateAll((els) => els.map((e) => e.dataset.credentialId));
  assert.deepEqual(ids, (await storedCredentials()).map((c) => c.id));
  await page.reload();
  await shown.waitFor();
});

test('a refused credential shows the server\'s message beside the form, which keeps what was typed, and stores nothing', async () => {
  await page.goto(`${baseURL}/credentials`);
  await page.locator('#cred-provider').waitFor();
  const before = await storedCredentials();
  const long = 't'.repeat(201);
  await page.selectOption('#cred-provider', 'ideogram');
  await page.fill('#cred-title', long);
  await page.fill('#cred-secret', 'kept-secret');
  await page.click('button:has-text("Save API key")');
  const alert = page.locator('form[aria-labelledby="add-key-title"] [role="alert"]');
  await alert.waitFor();
  assert.match(await alert.innerText(), /Not saved: input\.title: at most 200 characters/);
  assert.equal(await page.locator('#cred-title').inputValue(), long, 'the title is kept');
  assert.equal(await page.locator('#cred-secret').inputValue(), 'kept-secret', 'the secret is kept to correct and send again');
  assert.equal(await page.locator('#cred-provider').inputValue(), 'ideogram');
  assert.deepEqual(await storedCredentials(), before, 'nothing stored');
  await shot(page, 'credentials-02-refused');
  // Corrected, it is saved and the message goes.
  await page.fill('#cred-title', 'ideogram key');
  await page.click('button:has-text("Save API key")');
  await page.getByTestId('credential-saved').waitFor();
  assert.equal(await alert.count(), 0);
  const added = (await storedCredentials()).find((c) => c.title === 'ideogram key');
  assert.ok(added, 'stored once corrected');
  await data('mutation($id: ID!) { deleteCredential(id: $id) }', { id: added.id }, { key: keys.alice });
});

test('Delete asks first, naming the credential; Cancel keeps it, a confirmed delete removes it', async () => {
  const { createCredential: c } = await data(
    'mutation { createCredential(input: { provider: "replicate", authType: API_KEY, title: "to delete", secret: "r8_secret" }) { id } }',
    {},
    { key: keys.alice },
  );
  await page.goto(`${baseURL}/credentials`);
  const shown = row(page, c.id);
  await shown.waitFor();
  await shown.getByRole('button', { name: 'Delete Replicate to delete' }).click();
  const question = shown.getByRole('group', { name: /Delete the Replicate credential “to delete”\?/ });
  await question.waitFor();
  await shot(page, 'credentials-03-delete-asked');
  await question.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await question.count(), 0);
  assert.ok((await storedCredentials()).some((x) => x.id === c.id), 'Cancel deletes nothing');
  // By keyboard: the question takes it, Escape answers it and gives it back to Delete.
  const focused = () => page.evaluate(() => document.activeElement.getAttribute('aria-label') ?? document.activeElement.textContent);
  await shown.getByRole('button', { name: 'Delete Replicate to delete' }).focus();
  await page.keyboard.press('Enter');
  assert.equal(await focused(), 'Cancel');
  await page.keyboard.press('Escape');
  await question.waitFor({ state: 'detached' });
  // The app moves the keyboard on the next frame.
  await page.waitForFunction(() => document.activeElement.getAttribute('aria-label') === 'Delete Replicate to delete', null, { timeout: 1000 }).catch(() => undefined);
  assert.equal(await focused(), 'Delete Replicate to delete', 'the keyboard is back on Delete, not at the top of the page');

  await shown.getByRole('button', { name: 'Delete Replicate to delete' }).click();
  await question.getByRole('button', { name: 'Delete credential' }).click();
  await shown.waitFor({ state: 'detached' });
  assert.ok(!(await storedCredentials()).some((x) => x.id === c.id), 'deleted');
});

test('Connect sends the browser to the OAuth2 provider, which sends it back to the list with the account connected', async () => {
  await page.goto(`${baseURL}/credentials`);
  const before = new Set((await storedCredentials()).map((c) => c.id));
  // Out to the provider and back through the server's callback, to this page.
  const callback = page.waitForResponse((r) => new URL(r.url()).pathname === '/auth/integrations/acme/callback');
  await page.getByRole('button', { name: 'Connect Acme SSO' }).click();
  assert.equal((await callback).status(), 303, 'the callback stored the credential and redirects');
  await page.waitForURL(`${baseURL}/credentials`);
  await page.locator('#cred-provider').waitFor();
  const added = (await storedCredentials()).filter((c) => !before.has(c.id));
  assert.equal(added.length, 1, 'one credential stored by the callback');
  assert.equal(added[0].provider, 'acme');
  assert.equal(added[0].authType, 'OAUTH2');
  assert.equal(added[0].username, stubAccount);
  const shown = row(page, added[0].id);
  await shown.waitFor();
  const text = await shown.innerText();
  assert.match(text, /Acme SSO/);
  assert.match(text, new RegExp(stubAccount));
  assert.match(text, /OAuth2 account/);
  assert.match(text, /scopes: read, write/);
  assert.match(text, /expires /);
  await shot(page, 'credentials-04-connected');
  await data('mutation($id: ID!) { deleteCredential(id: $id) }', { id: added[0].id }, { key: keys.alice });
});

test('Deny at the provider brings the browser back to Integrations, which says nothing was connected; another refusal shows the provider\'s words, a code it will not exchange says so', async () => {
  await page.goto(`${baseURL}/credentials`);
  await page.locator('#cred-provider').waitFor();
  const before = (await storedCredentials()).length;
  /** Connect, refused at the provider; the callback's answer. */
  const connectRefused = async (...refusal) => {
    await refuseNext(...refusal);
    const callback = page.waitForResponse((r) => new URL(r.url()).pathname === '/auth/integrations/acme/callback');
    await page.getByRole('button', { name: 'Connect Acme SSO' }).click();
    return callback;
  };

  assert.equal((await connectRefused('access_denied', 'The user denied access')).status(), 303, 'the callback sends the browser back');
  const told = page.getByTestId('connect-refused');
  await told.waitFor();
  assert.equal(await told.innerText(), 'You declined access at Acme SSO; nothing was connected.');
  assert.equal(await told.getAttribute('role'), 'status', 'declining is news, not an error');
  assert.equal(page.url(), `${baseURL}/credentials`, 'the reason is taken out of the address bar');
  await page.getByRole('button', { name: 'Connect Acme SSO' }).waitFor();
  assert.equal((await storedCredentials()).length, before, 'nothing stored');
  await shot(page, 'credentials-04-denied');
  await page.reload();
  await page.locator('#cred-provider').waitFor();
  assert.equal(await told.count(), 0, 'a reload does not say it again');

  assert.equal((await connectRefused('temporarily_unavailable', 'Try again in a minute')).status(), 303);
  await told.waitFor();
  assert.equal(await told.innerText(), 'Acme SSO did not connect your account: temporarily_unavailable (Try again in a minute). Nothing was connected.');
  assert.equal(await told.getAttribute('role'), 'alert');
  assert.equal((await storedCredentials()).length, before, 'nothing stored');
  await shot(page, 'credentials-04-refused');

  // A code the provider will not exchange: here one it never issued, put in
  // the provider's redirect to the callback (a redirect's next request is
  // not routed, so the provider's answer is rewritten).
  await page.route('**/authorize?*', async (route) => {
    const res = await route.fetch({ maxRedirects: 0 });
    const to = new URL(res.headers().location);
    to.searchParams.set('code', 'never-issued');
    return route.fulfill({ response: res, headers: { ...res.headers(), location: to.toString() } });
  });
  const callback = page.waitForResponse((r) => new URL(r.url()).pathname === '/auth/integrations/acme/callback');
  await page.getByRole('button', { name: 'Connect Acme SSO' }).click();
  const answer = await callback;
  assert.equal(new URL(answer.url()).searchParams.get('code'), 'never-issued');
  assert.equal(answer.status(), 303);
  await page.unroute('**/authorize?*');
  await told.waitFor();
  await shot(page, 'credentials-04-code-refused');
  assert.match(await told.innerText(), /^Acme SSO refused to complete the connection \(.*invalid_grant.*\); nothing was connected\. Connect again\.$/);
  assert.equal((await storedCredentials()).length, before, 'nothing stored');
});

test('a key without MANAGE_CREDENTIALS is told why the page shows no credentials; the header still shows the balance', async () => {
  const { createAPIKey } = await data(
    'mutation { createAPIKey(name: "read-only e2e", permissions: [READ_GRAPHS, READ_EXECUTIONS]) { secret } }',
    {},
    { key: keys.alice },
  );
  for (const [name, viewport] of [['desktop', desktop], ['phone', phone]]) {
    const p = await signedInPage(createAPIKey.secret, viewport);
    await p.getByRole('link', { name: 'Integrations' }).click();
    const msg = p.getByTestId('credentials-forbidden');
    await msg.waitFor();
    assert.match(await msg.innerText(), /MANAGE_CREDENTIALS/);
    assert.equal(await p.locator('#cred-secret').count(), 0, 'no form it could not use');
    assert.equal(Number(await p.getByTestId('credit-balance').getAttribute('data-balance')), await balance());
    await shot(p, `credentials-05-forbidden-${name}`);
    await p.context().close();
  }
});

test('on a phone the Integrations page stacks the list and the forms, nothing wider than the screen', async () => {
  const { createCredential: c } = await data(
    'mutation { createCredential(input: { provider: "google_maps", authType: API_KEY, title: "maps key with a rather long title to wrap", secret: "m" }) { id } }',
    {},
    { key: keys.alice },
  );
  const p = await signedInPage(keys.alice, phone);
  await openIntegrations(p);
  await row(p, c.id).waitFor();
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  const list = await p.getByRole('region', { name: 'Your credentials' }).boundingBox();
  const form = await p.locator('form[aria-labelledby="add-key-title"]').boundingBox();
  assert.ok(form.y >= list.y + list.height - 1, 'the form comes below the list');
  await shot(p, 'credentials-06-phone');
  await p.setViewportSize({ width: phone.width, height: 2000 });
  await shot(p, 'credentials-06-phone-full');
  await p.context().close();
  await data('mutation($id: ID!) { deleteCredential(id: $id) }', { id: c.id }, { key: keys.alice });
});

/** AgentInputBlock "x" → an AI text block (the platform's model stand-in) → AgentOutputBlock "y". */
function aiGraph(name, modelFromInput = false) {
  const nodes = [
    { key: 'in', blockId: 'AgentInputBlock', inputDefault: { name: 'x' } },
    { key: 'ai', blockId: 'AITextGeneratorBlock', inputDefault: modelFromInput ? { prompt: 'Say hi' } : {} },
    { key: 'out', blockId: 'AgentOutputBlock', inputDefault: { name: 'y' } },
  ];
  const links = [
    { sourceKey: 'in', sourceName: 'result', sinkKey: 'ai', sinkName: modelFromInput ? 'model' : 'prompt' },
    { sourceKey: 'ai', sourceName: 'response', sinkKey: 'out', sinkName: 'value' },
  ];
  return { name, nodes, links };
}

test('the balance is read again when a run watched on the page ends', async () => {
  const g = await createGraph(aiGraph(`charged ${Date.now()}`));
  await page.goto(`${baseURL}/graphs/${encodeURIComponent(g)}`);
  const shown = page.getByTestId('credit-balance');
  await shown.waitFor();
  const start = Number(await shown.getAttribute('data-balance'));
  await page.click('role=tab[name="Run"]');
  await page.fill('[data-run-input="x"]', 'hello');
  await page.click('button:has-text("Run v1")');
  await page.locator('[data-testid="run-summary"][data-run-status="COMPLETED"]').waitFor({ timeout: 60_000 });
  const after = await balance();
  assert.ok(after < start, `the model call was charged (${start} → ${after})`);
  await page.locator(`[data-testid="credit-balance"][data-balance="${after}"]`).waitFor({ timeout: 5000 });
  await shot(page, 'credentials-07-balance-after-run');
});

test('the header follows the balance when a run it does not watch is charged: on coming back to the tab, and every 30 s while it is shown', async () => {
  const g = await createGraph(aiGraph(`charged elsewhere ${Date.now()}`));
  const ctx = await browser.newContext({ viewport: desktop });
  await ctx.clock.install(); // the page's timers, to pass 30 s at once
  const p = await ctx.newPage();
  await p.goto(baseURL + '/');
  await p.fill('#api-key', keys.alice);
  await p.click('button[type=submit]');
  await p.getByRole('heading', { name: 'Your graphs' }).waitFor();
  let reads = 0;
  p.on('request', (r) => r.url().endsWith('/graphql') && /query Credit\b/.test(r.postData() ?? '') && reads++);
  const shows = (balance) => p.locator(`[data-testid="credit-balance"][data-balance="${balance}"]`).waitFor({ timeout: 5000 });
  await shows(await balance());

  /** A run started through the API, as a schedule, a webhook or another tab would; the balance after it. */
  const chargedElsewhere = async (before) => {
    const run = await executeGraph(keys.alice, g, { x: 'hello' });
    assert.equal((await waitForEnd(keys.alice, run.id, 60_000)).status, 'COMPLETED');
    const after = await balance();
    assert.ok(after < before, `the run was charged (${before} → ${after})`);
    return after;
  };

  // Back to the tab (a focus): read at once.
  let now = await chargedElsewhere(await balance());
  await p.clock.fastForward(3000);
  await p.evaluate(() => window.dispatchEvent(new Event('focus')));
  await shows(now);

  // Left open in view: read within 30 s.
  now = await chargedElsewhere(now);
  await p.clock.fastForward(31_000);
  await shows(now);
  await shot(p, 'credentials-08-balance-charged-elsewhere');

  // Hidden, it reads nothing however long; shown again, it reads once.
  await p.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const hiddenFrom = reads;
  await p.clock.fastForward(5 * 60_000);
  now = await chargedElsewhere(now);
  assert.equal(reads, hiddenFrom, 'no read while hidden');
  await p.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await shows(now);
  assert.equal(reads, hiddenFrom + 1);
  await ctx.close();
});

test('a run whose node failed for a missing credential links to the Integrations page', async () => {
  // The model comes from a linked input, so the provider is known only when the node runs.
  const g = await createGraph(aiGraph(`needs anthropic ${Date.now()}`, true));
  await page.goto(`${baseURL}/graphs/${encodeURIComponent(g)}`);
  await page.click('role=tab[name="Run"]');
  await page.fill('[data-run-input="x"]', 'claude-haiku-4-5');
  await page.click('button:has-text("Run v1")');
  const summary = page.locator('[data-testid="run-summary"][data-run-status="FAILED"]');
  await summary.waitFor({ timeout: 30_000 });
  // The run panel's error, and the failed node's.
  assert.match(await summary.innerText(), /no valid anthropic credentials/);
  const link = summary.getByTestId('credentials-link');
  assert.equal(await link.getAttribute('href'), '/credentials');
  await shot(page, 'credentials-08-missing-credential');
  await page.locator('[data-node-key="ai"][data-status="FAILED"]').click();
  const detail = page.getByTestId('node-detail');
  await detail.waitFor();
  assert.match(await detail.innerText(), /no valid anthropic credentials/);
  await detail.getByTestId('credentials-link').click();
  await page.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();

  // A node that failed otherwise gets no such link.
  const calc = await createGraph({
    name: `divides by zero ${Date.now()}`,
    nodes: [{ key: 'calc', blockId: 'CalculatorBlock', inputDefault: { operation: 'Divide', a: 1, b: 0 } }],
    links: [],
  });
  await page.goto(`${baseURL}/graphs/${encodeURIComponent(calc)}`);
  await page.click('role=tab[name="Run"]');
  await page.click('button:has-text("Run v1")');
  await page.locator('[data-testid="run-summary"][data-run-status="FAILED"]').waitFor({ timeout: 30_000 });
  assert.match(await page.getByTestId('run-summary').innerText(), /cannot divide by zero/);
  await page.locator('[data-node-key="calc"][data-status="FAILED"]').click();
  await page.getByTestId('node-detail').locator('.ag-error').getByText('cannot divide by zero').waitFor();
  assert.equal(await page.getByTestId('credentials-link').count(), 0);
});

test('a run refused for a missing credential links to the Integrations page', async () => {
  const g = await createGraph({
    name: `refused ${Date.now()}`,
    nodes: [{ key: 'ai', blockId: 'AITextGeneratorBlock', inputDefault: { prompt: 'hi', model: 'claude-haiku-4-5' } }],
    links: [],
  });
  await page.goto(`${baseURL}/graphs/${encodeURIComponent(g)}`);
  await page.click('role=tab[name="Run"]');
  await page.click('button:has-text("Run v1")');
  const refused = page.getByTestId('run-refused');
  await refused.waitFor();
  assert.match(await refused.innerText(), /add an API_KEY credential for anthropic/);
  await refused.getByTestId('credentials-link').waitFor();
});

test('Delete on the graph list asks naming the graph, shows the CONFLICT while a run of it goes on, then deletes it', async () => {
  const name = `to delete ${Date.now()}`;
  const g = await createGraph(waitGraph(120, name));
  const run = await executeGraph(keys.alice, g, { x: 1 });
  await page.goto(`${baseURL}/graphs`);
  await page.fill('#graph-search', name);
  const item = page.locator(`[data-graph-id="${g}"]`);
  await item.waitFor();
  await item.getByRole('button', { name: `Delete ${name}` }).click();
  const question = item.getByRole('group', { name: `Delete “${name}”, every version and every run of it?` });
  await question.waitFor();
  await shot(page, 'credentials-09-delete-graph-asked');
  await question.getByRole('button', { name: 'Delete graph' }).click();
  const alert = item.getByRole('alert');
  await alert.waitFor();
  const { body } = await post('mutation($id: ID!) { deleteGraph(id: $id) }', { id: g }, { key: keys.alice });
  assert.equal(codeOf(body), 'CONFLICT');
  assert.equal(await alert.innerText(), `Not deleted: ${body.errors[0].message}`, "the server's message");
  assert.ok((await data('query($id: ID!) { graph(id: $id) { id } }', { id: g }, { key: keys.alice })).graph, 'still there');
  await shot(page, 'credentials-10-delete-graph-conflict');

  await data('mutation($id: ID!) { cancelExecution(id: $id) { id } }', { id: run.id }, { key: keys.alice });
  await waitForEnd(keys.alice, run.id);
  await item.getByRole('button', { name: `Delete ${name}` }).click();
  await question.getByRole('button', { name: 'Delete graph' }).click();
  await item.waitFor({ state: 'detached' });
  assert.equal((await data('query($id: ID!) { graph(id: $id) { id } }', { id: g }, { key: keys.alice })).graph, null, 'deleted');
  await page.reload();
  await page.getByRole('heading', { name: 'Your graphs' }).waitFor();
  await page.fill('#graph-search', name);
  await page.getByRole('region', { name: 'Your graphs' }).getByText('None.').waitFor();
});

test('on a phone the graph list keeps the delete question and its buttons on screen', async () => {
  const name = `phone delete ${Date.now()}`;
  const g = await createGraph(waitGraph(1, name));
  const p = await signedInPage(keys.alice, phone);
  await p.fill('#graph-search', name);
  const item = p.locator(`[data-graph-id="${g}"]`);
  await item.getByRole('button', { name: `Delete ${name}` }).click();
  const confirm = item.getByRole('button', { name: 'Delete graph' });
  await confirm.waitFor();
  const box = await confirm.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= phone.width, 'the confirm button is within the screen');
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  await shot(p, 'credentials-11-delete-graph-phone');
  await confirm.click();
  await item.waitFor({ state: 'detached' });
  await p.context().close();
});

test('a title or a graph name without spaces wraps: the lists and the page stay as wide as the screen', async () => {
  const title = `key-${Date.now()}-${'W'.repeat(160)}`;
  const name = `graph-${'N'.repeat(80)}-${Date.now()}`;
  const g = await createGraph(waitGraph(1, name));
  for (const viewport of [desktop, phone]) {
    const p = await signedInPage(keys.alice, viewport);
    await p.fill('#graph-search', name);
    await p.locator(`[data-graph-id="${g}"]`).waitFor();
    const wider = () => p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok((await wider()) <= 0, `the graph list is ${await wider()}px wider than the screen (${viewport.width}px)`);
    await openIntegrations(p);
    if (viewport === desktop) {
      // Added through the form: its "saved" line names it too. Replicate: a key no run of the suite uses.
      await p.selectOption('#cred-provider', 'replicate');
      await p.fill('#cred-title', title);
      await p.fill('#cred-secret', 'sk-long-title');
      await p.click('button:has-text("Save API key")');
      await p.getByTestId('credential-saved').waitFor();
    }
    await p.locator('[data-credential-id]', { hasText: title }).waitFor();
    assert.ok((await wider()) <= 0, `the Integrations page is ${await wider()}px wider than the screen (${viewport.width}px)`);
    const form = await p.locator('form[aria-labelledby="add-key-title"]').boundingBox();
    assert.ok(form.x + form.width <= viewport.width, 'the form is on screen');
    await shot(p, `credentials-12-long-title-${viewport === desktop ? 'desktop' : 'phone'}`);
    await p.context().close();
  }
  for (const c of await storedCredentials()) if (c.title === title) await data('mutation($id: ID!) { deleteCredential(id: $id) }', { id: c.id }, { key: keys.alice });
  await data('mutation($id: ID!) { deleteGraph(id: $id) }', { id: g }, { key: keys.alice });
});

test('a graph or a credential deleted in another tab leaves the list when deleted here too, with no error', async () => {
  const name = `other tab ${Date.now()}`;
  const g = await createGraph(waitGraph(1, name));
  const { createCredential: c } = await data('mutation { createCredential(input: { provider: "replicate", authType: API_KEY, title: "other tab", secret: "r8_other" }) { id } }', {}, { key: keys.alice });
  const p = await signedInPage(keys.alice);
  await p.fill('#graph-search', name);
  const item = p.locator(`[data-graph-id="${g}"]`);
  // The search has answered: the list holds this graph alone (not yet the whole list's read).
  await p.waitForFunction(() => document.querySelectorAll('[aria-label="Your graphs"] [data-graph-id]').length === 1);
  await item.waitFor();
  // The other tab (here, the API) deletes it first.
  await data('mutation($id: ID!) { deleteGraph(id: $id) }', { id: g }, { key: keys.alice });
  await item.getByRole('button', { name: `Delete ${name}` }).click();
  await item.getByRole('button', { name: 'Delete graph' }).click();
  await item.waitFor({ state: 'detached' });
  assert.equal(await p.locator('text=Not deleted').count(), 0, 'no error for what is gone already');

  await openIntegrations(p);
  await row(p, c.id).waitFor();
  await data('mutation($id: ID!) { deleteCredential(id: $id) }', { id: c.id }, { key: keys.alice });
  await row(p, c.id).getByRole('button', { name: 'Delete Replicate other tab' }).click();
  await row(p, c.id).getByRole('button', { name: 'Delete credential' }).click();
  await row(p, c.id).waitFor({ state: 'detached' });
  assert.equal(await p.locator('text=Not deleted').count(), 0, 'no error for what is gone already');
  await p.context().close();
});
