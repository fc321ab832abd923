// A delete button for what cannot be undone (a graph, a credential): a
// first click asks, in place, naming what goes; only the second deletes.
// In the page rather than window.confirm, which the app does not use: the
// question is styled, labelled, reached by keyboard (Escape cancels) and
// seen by the browser tests. A refusal (the server's message) shows beside it.
import { useRef, useState } from 'react';
import { focusSoon } from './focus';

export function ConfirmDelete(p: {
  /** The first button's text, and its accessible name (e.g. `Delete graph "x"`). */
  label: string;
  ariaLabel?: string;
  /** The question, naming what will be lost. */
  question: string;
  /** The second button's text. */
  confirmLabel: string;
  /** Does it; a rejection's message is shown. Once it resolves the caller usually unmounts this. */
  onConfirm: () => Promise<void>;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const cancel = () => {
    setAsking(false);
    focusSoon(opener);
  };
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await p.onConfirm();
      setAsking(false);
    } catch (e) {
      setError(`Not deleted: ${(e as Error).message}`);
      cancel();
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="ag-confirm">
      {asking ? (
        <div className="ag-row" role="group" aria-label={p.question} onKeyDown={(e) => e.key === 'Escape' && cancel()}>
          <span>{p.question}</span>
          <button type="button" className="ag-danger" onClick={confirm} disabled={busy}>
            {busy ? 'Deleting…' : p.confirmLabel}
          </button>
          <button type="button" onClick={cancel} disabled={busy} autoFocus>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" ref={opener} aria-label={p.ariaLabel ?? p.label} onClick={() => (setAsking(true), setError(null))}>
          {p.label}
        </button>
      )}
      {error && (
        <p className="ag-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
