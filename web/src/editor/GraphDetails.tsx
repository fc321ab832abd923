// The graph's own fields besides its name, shown while no node or link is
// selected: its description and whether it is a template. Both are part of
// every version saved (GraphInput), so a save carries them as they are here.
export interface About {
  description: string;
  isTemplate: boolean;
}

export function GraphDetails({ about, onChange }: { about: About; onChange: (a: About) => void }) {
  return (
    <fieldset className="ag-form" aria-label="Graph details">
      <legend>Graph</legend>
      <div className="ag-field">
        <label htmlFor="graph-description">Description</label>
        <textarea id="graph-description" rows={2} maxLength={500} value={about.description} onChange={(e) => onChange({ ...about, description: e.target.value })} />
      </div>
      <label className="ag-check">
        <input id="graph-template" type="checkbox" checked={about.isTemplate} onChange={(e) => onChange({ ...about, isTemplate: e.target.checked })} />
        Template: every signed-in user may read and fork it
      </label>
    </fieldset>
  );
}
