// A button that copies a text (a webhook's URL, its secret, an example) and
// says it did. The Clipboard API exists only on secure pages (https, or
// localhost); elsewhere a selected hidden textarea is copied instead.
import { useEffect, useState } from 'react';

function copyBySelection(text: string): boolean {
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  ta.select();
  try {
    return document.execCommand('copy');
  } finally {
    ta.remove();
  }
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState<'copied' | 'failed' | null>(null);
  useEffect(() => {
    if (!done) return;
    const t = setTimeout(() => setDone(null), 2000);
    return () => clearTimeout(t);
  }, [done]);
  const copy = async () => {
    let ok = false;
    try {
      if (navigator.clipboard) {
        await navigator.clipboard.writeText(text);
        ok = true;
      } else ok = copyBySelection(text);
    } catch {
      ok = copyBySelection(text);
    }
    setDone(ok ? 'copied' : 'failed');
  };
  return (
    <button type="button" onClick={copy} aria-label={label} title={label}>
      {done === 'copied' ? 'Copied' : done === 'failed' ? 'Copy failed: select it' : 'Copy'}
    </button>
  );
}
