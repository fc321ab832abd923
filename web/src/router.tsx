// A minimal router over the History API: every page has a stable URL
// (/graphs/<id>, /runs/<id>, /shared/<token>) that the server answers with
// the app's page, so links can be bookmarked and reloaded.
import { useEffect, useState, type AnchorHTMLAttributes } from 'react';

const listeners = new Set<() => void>();

export function navigate(to: string, opts: { replace?: boolean; state?: unknown } = {}): void {
  if (opts.replace) history.replaceState(opts.state ?? null, '', to);
  else history.pushState(opts.state ?? null, '', to);
  listeners.forEach((l) => l());
}

export function useLocation(): URL {
  const [, bump] = useState(0);
  useEffect(() => {
    const l = () => bump((n) => n + 1);
    listeners.add(l);
    window.addEventListener('popstate', l);
    return () => {
      listeners.delete(l);
      window.removeEventListener('popstate', l);
    };
  }, []);
  return new URL(window.location.href);
}

export function Link({ to, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  return (
    <a
      href={to}
      {...rest}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to);
      }}
    />
  );
}

/** The tab's title while the page is shown: what the page is, then the app's name. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · agentgraph`;
  }, [title]);
}
