// Light, dark or follow the system; saved on the phone (it is a device preference, not an account one).
import { atom } from 'nanostores';

export type Theme = 'system' | 'light' | 'dark';
const KEY = 'baton-theme';

function read(): Theme {
  try {
    const t = localStorage.getItem(KEY);
    return t === 'light' || t === 'dark' ? t : 'system';
  } catch {
    return 'system';
  }
}

export const $theme = atom<Theme>(typeof localStorage === 'undefined' ? 'system' : read());

export function setTheme(theme: Theme): void {
  try {
    if (theme === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, theme);
  } catch {
    // Private mode: the choice lasts for this visit.
  }
  $theme.set(theme);
  applyTheme(theme);
}

export function applyTheme(theme: Theme): void {
  if (typeof document === 'undefined') return;
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}
