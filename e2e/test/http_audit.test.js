// The GraphQL-over-HTTP audit of the graphql-http package: the server must
// pass every MUST and SHOULD (an "error" or "warn" result fails the test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditServer } from 'graphql-http';
import { graphqlURL } from '../lib/env.js';

test('graphql-http auditServer: no errors, no warnings', async () => {
  const results = await auditServer({ url: graphqlURL });
  const counts = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  console.log(`audit of ${graphqlURL}: ${JSON.stringify(counts)}`);

  const bad = results.filter((r) => r.status === 'error' || r.status === 'warn');
  const report = await Promise.all(
    bad.map(async (r) => {
      const res = r.response;
      const body = res && !res.bodyUsed ? await res.text().catch(() => '') : '';
      return `${r.status.toUpperCase()} ${r.id} ${r.name}: ${r.reason}` + (res ? `\n  HTTP ${res.status} ${body.slice(0, 300)}` : '');
    }),
  );
  assert.equal(bad.length, 0, `audit failures:\n${report.join('\n')}`);
  // The MAY checks pass too; a regression there shows as a "notice".
  const notices = results.filter((r) => r.status === 'notice').map((r) => `${r.id} ${r.name}: ${r.reason}`);
  assert.deepEqual(notices, []);
});
