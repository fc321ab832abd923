// The caller's credit balance, shown in the header. It changes when a run
// is charged: it is read again at once when a run the page watched ends
// (useLiveRun calls runEnded), and otherwise now and then (CreditBalance).
export const CREDIT = `query Credit { me { id credit { balance currency } } }`;

export interface Credit {
  balance: number;
  currency: string;
}

const listeners = new Set<() => void>();

export function onRunEnded(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** Tells the header that a run watched here has ended: its balance may have changed. */
export function runEnded(): void {
  listeners.forEach((l) => l());
}
