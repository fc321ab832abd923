import { useEffect, useState } from 'react';
import { goneAlready, gql } from '../api/client';
import { fork as forkGraph } from '../api/fork';
import { DELETE_GRAPH, GRAPHS, TEMPLATES, graphRef } from '../api/queries';
import type { GraphSummary } from '../api/types';
import { Link, navigate, useTitle } from '../router';
import { ConfirmDelete } from '../ui/ConfirmDelete';

type Page = { edges: Array<{ node: GraphSummary }> };

function List({ title, items, fork, remove }: { title: string; items: GraphSummary[] | null; fork?: (g: GraphSummary) => void; remove?: (g: GraphSummary) => Promise<void> }) {
  return (
    <section className="ag-list" aria-label={title}>
      <h2>{title}</h2>
      {items === null ? (
        <p>Loading…</p>
      ) : items.length === 0 ? (
        <p className="ag-muted">None.</p>
      ) : (
        <ul>
          {items.map((g) => (
            <li key={graphRef(g)} data-graph-id={graphRef(g)}>
              <Link to={`/graphs/${encodeURIComponent(graphRef(g))}`}>{g.name}</Link>
              <span className="ag-muted"> v{g.version} · {new Date(g.updatedAt).toLocaleString()}</span>
              {g.description && <div className="ag-muted">{g.description}</div>}
              {fork && (
                <button type="button" onClick={() => fork(g)} aria-label={`Fork ${g.name}`}>
                  Fork
                </button>
              )}
              {remove && (
                <ConfirmDelete
                  label="Delete"
                  ariaLabel={`Delete ${g.name}`}
                  question={`Delete “${g.name}”, every version and every run of it?`}
                  confirmLabel="Delete graph"
                  onConfirm={() => remove(g)}
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function GraphsPage() {
  const [q, setQ] = useState('');
  const [mine, setMine] = useState<GraphSummary[] | null>(null);
  const [templates, setTemplates] = useState<GraphSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useTitle('Graphs');
  useEffect(() => {
    const vars = { q: q.trim() || null };
    const t = setTimeout(() => {
      Promise.all([gql<{ graphs: Page }>(GRAPHS, vars), gql<{ templates: Page }>(TEMPLATES, vars)])
        .then(([g, t]) => {
          setMine(g.graphs.edges.map((e) => e.node));
          setTemplates(t.templates.edges.map((e) => e.node));
        })
        .catch((e) => setError(e.message));
    }, 200);
    return () => clearTimeout(t);
  }, [q]);
  const fork = async (g: GraphSummary) => {
    try {
      navigate(`/graphs/${encodeURIComponent(await forkGraph(g))}`);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  // Every version and run goes; the server refuses (CONFLICT, its message
  // shown beside the button) while a run of it is queued or running. One
  // deleted already (in another tab) just leaves the list.
  const remove = async (g: GraphSummary) => {
    await gql(DELETE_GRAPH, { id: graphRef(g) }).catch(goneAlready);
    setMine((cur) => cur && cur.filter((x) => graphRef(x) !== graphRef(g)));
  };
  return (
    <div className="ag-pad ag-graphs">
      <div className="ag-row">
        <h1>Graphs</h1>
        <div className="ag-spacer" />
        <label htmlFor="graph-search" className="ag-sr">
          Search graphs
        </label>
        <input id="graph-search" type="search" placeholder="Search by name" value={q} onChange={(e) => setQ(e.target.value)} />
        <button type="button" onClick={() => navigate('/graphs/new')}>
          New graph
        </button>
      </div>
      {error && <p className="ag-error" role="alert">{error}</p>}
      <div className="ag-columns">
        <List title="Your graphs" items={mine} remove={remove} />
        <List title="Templates" items={templates} fork={fork} />
      </div>
    </div>
  );
}
