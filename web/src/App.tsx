import { useCallback, useEffect, useState } from 'react';
import { GraphQLError, disposeWS, gql, onConnectionState, onUnauthenticated } from './api/client';
import { ME, UPDATE_PREFS } from './api/queries';
import { clearToken, getToken } from './api/session';
import { dropAllDrafts } from './editor/draft';
import type { Me } from './api/types';
import { Link, navigate, useLocation } from './router';
import { themePref, useResolvedTheme, type ThemePref } from './theme';
import { SignIn } from './pages/SignIn';
import { GraphsPage } from './pages/GraphsPage';
import { GraphPage } from './pages/GraphPage';
import { RunPage } from './pages/RunPage';
import { SharedPage } from './pages/SharedPage';
import { CredentialsPage } from './pages/CredentialsPage';
import { CreditBalance } from './account/CreditBalance';

function ConnectionBanner() {
  const [state, setState] = useState<'connected' | 'reconnecting'>('connected');
  useEffect(() => onConnectionState(setState), []);
  if (state === 'connected') return null;
  return (
    <div className="ag-banner" role="status" data-testid="connection-banner">
      Connection to the server lost — reconnecting; the view will resync when it is back.
    </div>
  );
}

export function App() {
  const loc = useLocation();
  const path = loc.pathname;
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(Boolean(getToken()));
  const theme = useResolvedTheme(themePref(me?.preferences));

  const loadMe = useCallback(async () => {
    if (!getToken()) {
      setMe(null);
      setChecking(false);
      return;
    }
    try {
      setMe((await gql<{ me: Me }>(ME)).me);
    } catch (e) {
      if (e instanceof GraphQLError && e.code === 'UNAUTHENTICATED') clearToken();
      setMe(null);
    } finally {
      setChecking(false);
    }
  }, []);
  useEffect(() => {
    void loadMe();
  }, [loadMe]);

  // A key revoked or expired while signed in: back to sign-in, on the same
  // URL, so signing in again returns to the page. Unsaved drafts are kept
  // for that (a sign-out the user chooses drops them).
  const [ended, setEnded] = useState(false);
  useEffect(
    () =>
      onUnauthenticated(() => {
        clearToken();
        disposeWS();
        setMe(null);
        setEnded(true);
      }),
    [],
  );

  const signOut = () => {
    clearToken();
    dropAllDrafts();
    disposeWS();
    setMe(null);
    navigate('/');
  };

  const cycleTheme = async () => {
    if (!me) return;
    const order: ThemePref[] = ['system', 'light', 'dark'];
    const next = order[(order.indexOf(themePref(me.preferences)) + 1) % order.length];
    const theme = next.toUpperCase() as Me['preferences']['theme'];
    setMe({ ...me, preferences: { ...me.preferences, theme } });
    try {
      await gql(UPDATE_PREFS, { p: { theme } });
    } catch {
      /* the choice still applies to this tab */
    }
  };

  const shared = path.match(/^\/shared\/([^/]+)$/);
  let page;
  if (shared) {
    page = <SharedPage token={decodeURIComponent(shared[1])} theme={theme} />;
  } else if (checking) {
    page = <p className="ag-pad">Loading…</p>;
  } else if (!me) {
    page = <SignIn onSignedIn={() => (setEnded(false), loadMe())} notice={ended ? 'Your session ended: the key was revoked or has expired. Sign in again.' : null} />;
  } else {
    const graph = path.match(/^\/graphs\/([^/]+)$/);
    const run = path.match(/^\/runs\/([^/]+)$/);
    if (graph) {
      const v = loc.searchParams.get('version');
      // A new graph once saved, or a version saved over, keeps its editor
      // under its new URL: the key it had is kept in the history entry.
      const editorKey = (history.state as { editorKey?: string } | null)?.editorKey ?? graph[1] + (v ?? '');
      page = <GraphPage key={editorKey} editorKey={editorKey} meId={me.id} id={graph[1] === 'new' ? null : decodeURIComponent(graph[1])} version={v ? Number(v) : null} theme={theme} />;
    } else if (run) page = <RunPage key={run[1]} id={decodeURIComponent(run[1])} theme={theme} />;
    else if (path === '/' || path === '/graphs') page = <GraphsPage />;
    else if (path === '/credentials') page = <CredentialsPage />;
    else page = <p className="ag-pad">Not found. <Link to="/">Back to your graphs</Link></p>;
  }

  return (
    <div className="ag-app">
      <header className="ag-header">
        <Link to="/" className="ag-brand">
          agentgraph
        </Link>
        <nav>
          {me && <Link to="/">Graphs</Link>}
          {me && <Link to="/credentials">Integrations</Link>}
          <a href="/graphiql">GraphiQL</a>
        </nav>
        <div className="ag-spacer" />
        {me && (
          <>
            <button type="button" onClick={cycleTheme} aria-label="Theme" title="Theme: system, light or dark">
              Theme: {themePref(me.preferences)}
            </button>
            <CreditBalance />
            <span className="ag-user">{me.displayName}</span>
            <button type="button" onClick={signOut}>
              Sign out
            </button>
          </>
        )}
      </header>
      <ConnectionBanner />
      <main className="ag-main">{page}</main>
    </div>
  );
}
