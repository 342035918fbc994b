// Settings: notifications, which backends may be used, the Codex backend, the theme, paired devices, and the servers this phone knows.
import { A } from '@solidjs/router';
import { useStore } from '@nanostores/solid';
import { createSignal, For, Show, type JSX } from 'solid-js';
import { BACKEND_INFO, BACKENDS, type Backend } from '../../core/providers.ts';
import { DevicesCard } from '../components/devices-card.tsx';
import { FreshnessLine } from '../components/freshness-line.tsx';
import { NotificationsCard } from '../components/notifications-card.tsx';
import { errorText } from '../lib/api-client.ts';
import { $activeProfile } from '../stores/profiles.ts';
import { updateSettings } from '../stores/session-actions.ts';
import { $connection, $settings } from '../stores/sync.ts';
import { $storageDurability, checkStorageDurability, DURABILITY_TEXT } from '../stores/storage-durability.ts';
import { $theme, setTheme, type Theme } from '../stores/theme.ts';

const THEMES: Array<{ id: Theme; label: string }> = [
  { id: 'system', label: 'System' },
  { id: 'light', label: 'Light' },
  { id: 'dark', label: 'Dark' },
];

export default function Settings(): JSX.Element {
  const settings = useStore($settings);
  const theme = useStore($theme);
  const profile = useStore($activeProfile);
  const connection = useStore($connection);
  const [error, setError] = createSignal<string | null>(null);
  const offline = () => connection() !== 'live';
  const durability = useStore($storageDurability);
  void checkStorageDurability();

  const save = async (patch: Parameters<typeof updateSettings>[0]) => {
    setError(null);
    try {
      await updateSettings(patch);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const toggle = (b: Backend, enabled: boolean) => {
    const current = settings()?.disabledBackends ?? [];
    void save({ disabledBackends: enabled ? current.filter((x) => x !== b) : [...current, b] });
  };

  return (
    <>
      <header class="topbar">
        <div class="topbar-title"><h1>Settings</h1></div>
        <FreshnessLine />
      </header>
      <main class="page" id="main">
        <NotificationsCard online={!offline()} />
        <section class="card">
          <h2>Theme</h2>
          <div class="segmented" role="group" aria-label="Theme">
            <For each={THEMES}>
              {(t) => (
                <button type="button" aria-pressed={theme() === t.id} onClick={() => setTheme(t.id)}>
                  {t.label}
                </button>
              )}
            </For>
          </div>
        </section>
        <section class="card">
          <h2>Backends</h2>
          <Show when={offline()}>
            <p class="muted small">Offline: backend settings can be changed when the server is reachable.</p>
          </Show>
          <ul class="toggle-list">
            <For each={[...BACKENDS]}>
              {(b) => (
                <li>
                  <label class="check">
                    <input type="checkbox" disabled={offline() || !settings()} checked={!(settings()?.disabledBackends ?? []).includes(b)} onChange={(e) => toggle(b, e.currentTarget.checked)} />
                    <span>
                      {BACKEND_INFO[b].label}
                      <span class="muted small mono"> {b}</span>
                    </span>
                  </label>
                </li>
              )}
            </For>
          </ul>
          <label>
            New Codex sessions use
            <select disabled={offline() || !settings()} value={settings()?.codexBackend ?? 'codex-app-server'} onChange={(e) => void save({ codexBackend: e.currentTarget.value as 'codex-app-server' | 'codex-mcp' })}>
              <option value="codex-app-server">Codex app-server (resumable)</option>
              <option value="codex-mcp">Codex MCP (fresh sessions only)</option>
            </select>
          </label>
          <Show when={error()}>
            <p class="error" role="alert">{error()}</p>
          </Show>
        </section>
        <section class="card">
          <h2>This phone’s storage</h2>
          <p class="muted small" data-durability={durability() ?? ''}>{durability() ? DURABILITY_TEXT[durability()!] : 'Checking…'}</p>
        </section>
        <DevicesCard online={!offline()} />
        <section class="card">
          <h2>Servers</h2>
          <p>
            Using <strong>{profile()?.name ?? 'none'}</strong> <span class="muted small mono">{profile()?.server}</span>
          </p>
          <A class="btn" href="/servers">Manage servers</A>
        </section>
      </main>
    </>
  );
}
