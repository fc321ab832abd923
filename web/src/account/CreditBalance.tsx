// The header's credit balance: read once when signed in, and again when a
// run watched on this page ends (its charges are then settled).
import { useEffect, useState } from 'react';
import { gql } from '../api/client';
import { CREDIT, onRunEnded, type Credit } from '../api/credits';

export function CreditBalance() {
  const [credit, setCredit] = useState<Credit | null>(null);
  useEffect(() => {
    let live = true;
    const read = () =>
      gql<{ me: { credit: Credit } }>(CREDIT)
        .then((d) => live && setCredit(d.me.credit))
        // Nothing to show rather than a broken header: the balance is extra.
        .catch(() => undefined);
    void read();
    const off = onRunEnded(read);
    return () => {
      live = false;
      off();
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
