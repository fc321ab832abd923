// The block palette: every block a node can be added of, searchable by name and filtered by
// category; choosing one adds a node of it to the canvas.
import { useMemo, useState } from 'react';
import type { Block } from '../api/types';

// UnavailableBlock stands for a block an imported AutoGPT agent uses that
// does not exist here: the canvas draws such nodes, but no one adds one.
const unavailableBlock = 'UnavailableBlock';

const categories = ['INPUT', 'OUTPUT', 'PROCESSING', 'AI_ML', 'DATA', 'INTEGRATION', 'UTILITY', 'CUSTOM'];

export function Palette({ blocks, onAdd }: { blocks: Block[]; onAdd: (b: Block) => void }) {
  const [q, setQ] = useState('');
  const [cat, setCat] = useState('');
  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    return blocks
      .filter((b) => b.name !== unavailableBlock)
      .filter((b) => (!cat || b.categories.includes(cat)) && (!needle || b.name.toLowerCase().includes(needle) || b.description.toLowerCase().includes(needle)))
      .sort((a, b) => a.name.localeCompare(b.name));
  }, [blocks, q, cat]);
  return (
    <aside className="ag-palette" aria-label="Block palette">
      <h2>Blocks</h2>
      <label htmlFor="palette-search" className="ag-sr">
        Search blocks
      </label>
      <input id="palette-search" type="search" placeholder="Search blocks" value={q} onChange={(e) => setQ(e.target.value)} />
      <label htmlFor="palette-category" className="ag-sr">
        Category
      </label>
      <select id="palette-category" value={cat} onChange={(e) => setCat(e.target.value)}>
        <option value="">All categories</option>
        {categories.map((c) => (
          <option key={c} value={c}>
            {c.replace('_', '/').toLowerCase()}
          </option>
        ))}
      </select>
      <ul>
        {shown.map((b) => (
          <li key={b.id}>
            <button type="button" className="ag-palette-item" data-block={b.name} onClick={() => onAdd(b)} title={b.description} aria-label={`Add ${b.name}`}>
              <b>{b.name.replace(/Block$/, '')}</b>
              <small>{b.description}</small>
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}
