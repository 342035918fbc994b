// The app shell: hash routes (list eager, everything else lazy), the active profile's runtime, navigation.
import { HashRouter, Route, useLocation, type RouteSectionProps } from '@solidjs/router';
import { useStore } from '@nanostores/solid';
import { createEffect, createMemo, lazy, on, onCleanup, Show, type JSX } from 'solid-js';
import { BottomNav } from './components/bottom-nav.tsx';
import { UpdatePrompt } from './components/update-prompt.tsx';
import { SessionsList } from './routes/sessions-list.tsx';
import { $activeProfile } from './stores/profiles.ts';
import { startProfile } from './stores/runtime.ts';

const SessionView = lazy(() => import('./routes/session-view.tsx'));
const SessionHistory = lazy(() => import('./routes/session-history.tsx'));
const Machines = lazy(() => import('./routes/machines.tsx'));
const NewSession = lazy(() => import('./routes/new-session.tsx'));
const Settings = lazy(() => import('./routes/settings.tsx'));
const Servers = lazy(() => import('./routes/servers.tsx'));
const Pair = lazy(() => import('./routes/pair.tsx'));
const ShareView = lazy(() => import('./routes/share-view.tsx'));

function Layout(props: RouteSectionProps): JSX.Element {
  const location = useLocation();
  const profile = useStore($activeProfile);
  // One runtime per active profile: switching servers stops the old socket and opens the new cache.
  // Keyed by what the runtime uses, so moving between screens or renaming a server does not restart it
  // (a restart drops the socket and repaints from the cache: the screen flickers to "connecting").
  const runtimeKey = createMemo(() => {
    const p = profile();
    return p && !location.pathname.startsWith('/share/') ? `${p.id}\n${p.server}\n${p.token}` : null;
  });
  createEffect(
    on(runtimeKey, (key) => {
      const p = $activeProfile.get();
      if (!key || !p) return;
      const stop = startProfile({ ...p });
      onCleanup(stop);
    }),
  );
  const showNav = () => !/^\/(s|share|pair)\//.test(`${location.pathname}/`);
  return (
    <div class="app" classList={{ 'has-nav': showNav() }}>
      <UpdatePrompt />
      {props.children}
      <Show when={showNav()}>
        <BottomNav />
      </Show>
    </div>
  );
}

export function App(): JSX.Element {
  return (
    <HashRouter root={Layout}>
      <Route path="/" component={SessionsList} />
      <Route path="/s/:id" component={SessionView} />
      <Route path="/s/:id/history" component={SessionHistory} />
      <Route path="/new" component={NewSession} />
      <Route path="/machines" component={Machines} />
      <Route path="/settings" component={Settings} />
      <Route path="/servers" component={Servers} />
      <Route path="/pair" component={Pair} />
      <Route path="/share/:token" component={ShareView} />
      <Route path="*" component={SessionsList} />
    </HashRouter>
  );
}
