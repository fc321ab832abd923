// The header's credit balance. Runs this page does not watch change it too
// (a schedule's, a webhook's, one started in another tab or through the
// API), and the API has no subscription that covers all of a user's runs
// (graphExecutions is per graph), so besides the watched run's end it is
// read again when the user comes back to the tab and, while the tab is
// shown, every 30 s: a glance at the header is then at most that old, at
// one small query a half minute per open tab, none from a hidden one.
import { useEffect, useState } from 'react';
import { gql } from '../api/client';
import { CREDIT, onRunEnded, type Credit } from '../api/credits';

/** How often the balance is read while the tab is shown. */
const INTERVAL_MS = 30_000;
/** A return to the tab this soon after a read reads nothing: switching back and forth is not a query each time. */
const MIN_GAP_MS = 2_000;

export function CreditBalance() {
  const [credit, setCredit] = useState<Credit | null>(null);
  useEffect(() => {
    let live = true;
    let reading = false;
    // Asked for while a read was on its way: that read may predate the change (a run's last charge).
    let again = false;
    let lastRead = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const visible = () => document.visibilityState === 'visible';
    // Every read starts the 30 s again: a read for a run's end or a return
    // to the tab is not followed by another a moment later.
    const read = () => {
      clearTimeout(timer);
      timer = undefined;
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      lastRead = Date.now();
      gql<{ me: { credit: Credit } }>(CREDIT)
        .then((d) => live && setCredit(d.me.credit))
        // Nothing to show rather than a broken header: the balance is extra.
        .catch(() => undefined)
        .finally(() => {
          reading = false;
          if (!live) return;
          if (again) {
            again = false;
            read();
          } else if (visible()) timer = setTimeout(read, INTERVAL_MS);
        });
    };
    const back = () => {
      if (!visible()) {
        clearTimeout(timer);
        timer = undefined;
      } else if (Date.now() - lastRead >= MIN_GAP_MS) read();
      // Soon after a read: the 30 s, stopped while hidden, go on from it.
      else if (!reading && timer === undefined) timer = setTimeout(read, INTERVAL_MS - (Date.now() - lastRead));
    };
    void read();
    const off = onRunEnded(read);
    document.addEventListener('visibilitychange', back);
    window.addEventListener('focus', back);
    return () => {
      live = false;
      clearTimeout(timer);
      off();
      document.removeEventListener('visibilitychange', back);
      window.removeEventListener('focus', back);
    };
  }, []);
  if (!credit) return null;
  // One credit is one cent of the currency.
  let worth = `${(credit.balance / 100).toFixed(2)} ${credit.currency}`;
  try {
    worth = new Intl.NumberFormat(undefined, { style: 'currency', currency: credit.currency }).format(credit.balance / 100);
  } catch {
    /* an unknown currency code: the plain figure above */
  }
  return (
    <span className="ag-credits" data-testid="credit-balance" data-balance={credit.balance} title={`Your balance: ${worth}`}>
      {credit.balance.toLocaleString()} credits
    </span>
  );
}
