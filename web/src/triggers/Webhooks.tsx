// The webhooks of the graph's active version: one per
// GenericWebhookTriggerBlock node, each with its URL, provider and whether a
// signing secret is set. Setting or rotating the secret shows the new one
// once (the API never shows it again), with a curl line that signs and sends
// a delivery as the README documents (X-Agentgraph-Signature).
import { useEffect, useState } from 'react';
import { gql } from '../api/client';
import { ROTATE_SECRET, WEBHOOKS, graphRef } from '../api/queries';
import type { Graph, Webhook } from '../api/types';
import { CopyButton } from './CopyButton';
import { focusSoon } from '../ui/focus';

const webhookBlock = 'GenericWebhookTriggerBlock';

/** Shell single quotes around s (a URL or a secret), whatever it holds. */
function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A curl line that signs a JSON body with the secret and posts it to the webhook. */
function curlExample(url: string, secret: string): string {
  return [
    `body='{"event":"test"}'`,
    `sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac ${sq(secret)} -hex | sed 's/^.* //')`,
    `curl -i -X POST ${sq(url)} -H 'Content-Type: application/json' \\`,
    `  -H "X-Agentgraph-Signature: sha256=$sig" --data "$body"`,
  ].join('\n');
}

export function Webhooks({ graph }: { graph: Graph }) {
  const gid = graphRef(graph);
  const [data, setData] = useState<{ version: number; webhooks: Webhook[] } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ id: string; secret: string } | null>(null);
  const [confirmRotate, setConfirmRotate] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  // Read again when another version is saved or made active: the webhooks are the active version's.
  const activeVersion = graph.versions?.find((v) => v.isActive)?.version ?? graph.version;
  useEffect(() => {
    let live = true;
    gql<{ graph: { version: number; webhooks: Webhook[] } | null }>(WEBHOOKS, { id: gid })
      .then((d) => live && (setData(d.graph ?? { version: activeVersion, webhooks: [] }), setLoadError(null)))
      .catch((e) => live && setLoadError((e as Error).message));
    return () => {
      live = false;
    };
  }, [gid, activeVersion]);

  const rotate = async (w: Webhook) => {
    setBusy(w.id);
    setError(null);
    try {
      const d = await gql<{ rotateWebhookSecret: { secret: string } }>(ROTATE_SECRET, { id: w.id });
      setSecret({ id: w.id, secret: d.rotateWebhookSecret.secret });
      setData((cur) => cur && { ...cur, webhooks: cur.webhooks.map((x) => (x.id === w.id ? { ...x, hasSecret: true } : x)) });
      setConfirmRotate(null);
      // The button pressed is disabled or gone: the keyboard goes to the secret, to copy it.
      focusSoon(`[data-webhook-id="${w.id}"] [data-testid="webhook-new-secret"] button`);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  const keep = (w: Webhook) => {
    setConfirmRotate(null);
    focusSoon(`[data-webhook-id="${w.id}"] [data-action="rotate"]`);
  };

  return (
    <section aria-labelledby="webhooks-title" className="ag-triggers-section" data-testid="webhooks">
      <h2 id="webhooks-title">Webhooks</h2>
      {loadError ? (
        <p className="ag-error" role="alert">
          The webhooks could not be loaded: {loadError}
        </p>
      ) : data === null ? (
        <p>Loading…</p>
      ) : data.webhooks.length === 0 ? (
        <p className="ag-muted" data-testid="no-webhooks">
          The active version (v{data.version}) has no webhook trigger. To start this graph from another service, add a <b>{webhookBlock}</b> from the palette (search “webhook”), link its
          <code> payload</code> output, and save: each such node gets a URL here.
        </p>
      ) : (
        <>
          <p className="ag-muted">
            Each {webhookBlock} node of the active version (v{data.version}) has a URL. A delivery is a JSON POST signed with <code>X-Agentgraph-Signature: sha256=&lt;HMAC-SHA256 of the body&gt;</code>; without a
            secret every delivery is refused.
          </p>
          {error && (
            <p className="ag-error" role="alert">
              {error}
            </p>
          )}
          <ul className="ag-trigger-list">
            {data.webhooks.map((w) => (
              <li key={w.id} data-webhook-id={w.id} data-node-key={w.nodeKey}>
                <div className="ag-row">
                  <b>{w.nodeKey}</b>
                  <span className="ag-muted">signed by {w.provider}</span>
                  <span className={`ag-badge ${w.hasSecret ? 'status-completed' : 'status-failed'}`} data-testid="webhook-secret-state">
                    {w.hasSecret ? 'secret set' : 'no secret'}
                  </span>
                </div>
                <div className="ag-copyline">
                  <code data-testid="webhook-url">{w.url}</code>
                  <CopyButton text={w.url} label={`Copy the URL of ${w.nodeKey}`} />
                </div>
                {w.provider === 'github' && <p className="ag-muted">GitHub's X-Hub-Signature-256 and X-GitHub-Delivery are accepted too: give GitHub this URL and the secret.</p>}
                {confirmRotate === w.id ? (
                  <div className="ag-row ag-confirm" role="group" aria-label={`Rotate the secret of ${w.nodeKey}?`} onKeyDown={(e) => e.key === 'Escape' && keep(w)}>
                    <span>The current secret stops working at once.</span>
                    <button type="button" className="ag-danger" disabled={busy === w.id} onClick={() => void rotate(w)}>
                      Rotate
                    </button>
                    <button type="button" onClick={() => keep(w)} autoFocus>
                      Keep
                    </button>
                  </div>
                ) : (
                  <button type="button" data-action="rotate" disabled={busy === w.id} onClick={() => (w.hasSecret ? setConfirmRotate(w.id) : void rotate(w))}>
                    {w.hasSecret ? 'Rotate secret…' : 'Set secret'}
                  </button>
                )}
                {secret?.id === w.id && (
                  <div className="ag-secret" role="status" data-testid="webhook-new-secret">
                    <p>
                      <b>The new secret, shown only now:</b> copy it, it is never shown again.
                    </p>
                    <div className="ag-copyline">
                      <code data-testid="webhook-secret">{secret.secret}</code>
                      <CopyButton text={secret.secret} label={`Copy the secret of ${w.nodeKey}`} />
                    </div>
                    <p>Sign each JSON body with HMAC-SHA256 under it and send it, e.g.:</p>
                    <pre data-testid="webhook-curl">{curlExample(w.url, secret.secret)}</pre>
                    <div className="ag-row">
                      <CopyButton text={curlExample(w.url, secret.secret)} label={`Copy the example for ${w.nodeKey}`} />
                      <button type="button" onClick={() => (setSecret(null), focusSoon(`[data-webhook-id="${w.id}"] [data-action="rotate"]`))}>
                        Done
                      </button>
                    </div>
                  </div>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
