// Entry point: theme, profiles, service worker, then the app.
import { render } from 'solid-js/web';
import { App } from './app.tsx';
import { loadProfiles } from './stores/profiles.ts';
import { registerServiceWorker } from './stores/sw-update.ts';
import { $theme, applyTheme } from './stores/theme.ts';
import './styles.css';

// Links as the server prints them are paths; the app routes by hash. `/shared/<token>` is a share link,
// `/pair?code=…` a pairing link for this same server.
const { pathname, search, origin } = window.location;
const sharePath = /^\/shared?\/([^/]+)\/?$/.exec(pathname);
if (sharePath) history.replaceState(null, '', `/#/share/${sharePath[1]}${search}`);
else if (/^\/pair\/?$/.test(pathname)) {
  const q = new URLSearchParams(search);
  if (!q.has('server')) q.set('server', origin);
  history.replaceState(null, '', `/#/pair?${q.toString()}`);
}

applyTheme($theme.get());
void loadProfiles();
render(() => <App />, document.getElementById('root')!);
if (import.meta.env.PROD) void registerServiceWorker();
