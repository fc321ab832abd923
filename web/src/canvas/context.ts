import { createContext, useContext } from 'react';
import type { LiveRun } from '../run/liveRun';

/** What every canvas node reads besides its own data: the live run and validation problems. */
export interface CanvasInfo {
  run: LiveRun | null;
  problems: Map<string, string[]>;
  /** Zoomed out past reading (Canvas sets it): nodes are drawn without their pins' rows. */
  far?: boolean;
}

export const CanvasContext = createContext<CanvasInfo>({ run: null, problems: new Map() });
export const useCanvasInfo = () => useContext(CanvasContext);
