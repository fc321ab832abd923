// Light or dark: the user's `theme` preference (User.preferences.theme:
// LIGHT, DARK or SYSTEM) when signed in, else the system's setting.
import { useEffect, useState } from 'react';

export type ThemePref = 'light' | 'dark' | 'system';

export function themePref(prefs: { theme?: string } | undefined): ThemePref {
  const t = prefs?.theme?.toLowerCase();
  return t === 'light' || t === 'dark' ? t : 'system';
}

export function useResolvedTheme(pref: ThemePref): 'light' | 'dark' {
  const mq = window.matchMedia('(prefers-color-scheme: dark)');
  const [sys, setSys] = useState(mq.matches ? 'dark' : 'light');
  useEffect(() => {
    const l = () => setSys(mq.matches ? 'dark' : 'light');
    mq.addEventListener('change', l);
    return () => mq.removeEventListener('change', l);
  }, [mq]);
  const resolved = pref === 'system' ? (sys as 'light' | 'dark') : pref;
  useEffect(() => {
    document.documentElement.dataset.theme = resolved;
  }, [resolved]);
  return resolved;
}
