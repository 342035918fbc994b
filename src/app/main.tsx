// Entry point: databases first (boot.ts, before anything else evaluates), then theme, profiles, the app, and the
// service worker once the first screen is up.
import './lib/boot.ts';
import { render } from 'solid-js/web';
import { App } from './app.tsx';
import { afterNextPaint } from './lib/after-paint.ts';
import { onWorkerOpen } from './lib/worker-open.ts';
import { watchPolicyViolations } from './lib/policy.ts';
import { $activeProfileId, $profilesLoaded, loadProfiles } from './stores/profiles.ts';
import { registerServiceWorker } from './stores/sw-update.ts';
import { $painted } from './stores/sync.ts';
import { $theme, applyTheme } from './stores/theme.ts';
import './styles.css';

// Links as the server prints them are paths; the app routes by hash. `/shared#<token>` is a share link (the token
// in the fragment, which the browser never sends), `/shared/<token>` one made before that, `/pair?code=…` a
// pairing link for this same server.
const { pathname, search, origin, hash } = window.location;
const sharePath = /^\/shared?\/([^/]+)\/?$/.exec(pathname);
const shareFragment = /^\/shared?\/?$/.test(pathname) ? /^#(bs_[A-Za-z0-9_-]+)$/.exec(hash) : null;
if (sharePath) history.replaceState(null, '', `/#/share/${sharePath[1]}${search}`);
else if (shareFragment) history.replaceState(null, '', `/#/share/${shareFragment[1]}${search}`);
else if (/^\/pair\/?$/.test(pathname)) {
  const q = new URLSearchParams(search);
  if (!q.has('server')) q.set('server', origin);
  history.replaceState(null, '', `/#/pair?${q.toString()}`);
}

/** Run `fn` once the first screen has painted: the cached list, or the welcome screen when nothing is paired. */
function afterFirstScreen(fn: () => void, latestMs: number): void {
  let done = false;
  const go = () => {
    if (done) return;
    done = true;
    offPainted();
    offLoaded();
    void afterNextPaint().then(fn);
  };
  const offPainted = $painted.listen((p) => p && go());
  const offLoaded = $profilesLoaded.listen((l) => l && $activeProfileId.get() === null && go());
  setTimeout(go, latestMs);
}

watchPolicyViolations();
applyTheme($theme.get());
void loadProfiles();
render(() => <App />, document.getElementById('root')!);
onWorkerOpen();
// Registering loads workbox-window and talks to the browser: not on the way to the first screen.
if (import.meta.env.PROD) afterFirstScreen(() => void registerServiceWorker(), 1_000);
