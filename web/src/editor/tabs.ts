// The graph page's open side tab lives in its URL (?tab=history): a reload
// or a shared link opens the same tab, and Back and Forward walk the tabs
// the user opened. Switches the page makes by itself (a node selected on
// the canvas shows the Selection, a run started shows the Run) replace the
// entry rather than add one, so Back is not a replay of clicks on the
// canvas; so do all switches on a graph not yet saved, whose URL (/graphs/new)
// the save replaces: Back must not return to a "new" graph that is saved.
import { useCallback } from 'react';
import { navigate, useLocation } from '../router';

export const graphTabs = ['selection', 'run', 'history', 'triggers'] as const;
export type GraphTab = (typeof graphTabs)[number];

export const tabLabel: Record<GraphTab, string> = { selection: 'Selection', run: 'Run', history: 'History', triggers: 'Triggers' };

function tabOf(url: URL): GraphTab | null {
  const t = url.searchParams.get('tab');
  return (graphTabs as readonly string[]).includes(t ?? '') ? (t as GraphTab) : null;
}

/**
 * path (the graph's URL after a save, a version's) with the tab open now:
 * a save or another version keeps the tab, though the default changes
 * (a new graph's Selection, a stored one's Run).
 */
export function withTab(path: string, tab: GraphTab): string {
  const u = new URL(path, location.href);
  u.searchParams.set('tab', tab);
  return u.pathname + u.search;
}

/**
 * The open tab (the URL's, else fallback) and the way to open another: by
 * the user's choice (`push`), a new history entry; otherwise the entry is
 * replaced. The history entry's state (the editor's key, see App) is kept.
 */
export function useGraphTab(fallback: GraphTab, saved: boolean): [GraphTab, (t: GraphTab, push?: boolean) => void] {
  const tab = tabOf(useLocation()) ?? fallback;
  // Stable, for the canvas's callbacks: it reads the URL when called.
  const open = useCallback(
    (t: GraphTab, push = false) => {
      const u = new URL(location.href);
      if ((tabOf(u) ?? fallback) === t) return;
      u.searchParams.set('tab', t);
      navigate(u.pathname + u.search + u.hash, { replace: !(push && saved), state: history.state });
    },
    [fallback, saved],
  );
  return [tab, open];
}
