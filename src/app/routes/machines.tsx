// Machines: online or not, last seen, and which backends each has installed and can resume with.
import { A } from '@solidjs/router';
import { useStore } from '@nanostores/solid';
import { For, Show, type JSX } from 'solid-js';
import { BACKEND_INFO, BACKENDS } from '../../core/providers.ts';
import { FreshnessLine } from '../components/freshness-line.tsx';
import { formatTime } from '../lib/time.ts';
import { $now } from '../stores/clock.ts';
import { $machines } from '../stores/sync.ts';

export default function Machines(): JSX.Element {
  const machines = useStore($machines);
  const now = useStore($now);
  const list = () => Object.values(machines()).sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name));
  return (
    <>
      <header class="topbar">
        <div class="topbar-title"><h1>Machines</h1></div>
        <FreshnessLine />
      </header>
      <main class="page" id="main">
        <Show when={list().length > 0} fallback={<p class="empty">No machine has connected yet. Run <code>baton up</code> or <code>baton daemon --server …</code> on one.</p>}>
          <For each={list()}>
            {(m) => (
              <section class="card machine" aria-label={`Machine ${m.name}`}>
                <h2 class="group-title">
                  <span class={`presence ${m.online ? 'on' : 'off'}`} aria-hidden="true" />
                  {m.name}
                  <span class="muted small">{m.online ? 'online' : m.lastSeenAt ? `offline · last seen ${formatTime(m.lastSeenAt, now())}` : 'offline'}</span>
                </h2>
                <ul class="backend-list">
                  <For each={BACKENDS.filter((b) => m.capabilities?.[b])}>
                    {(b) => {
                      const cap = m.capabilities![b]!;
                      return (
                        <li>
                          <span class="mono">{b}</span>
                          <span class="muted small">{cap.installed ? (cap.version ?? 'installed') : 'not installed'}</span>
                          <span class={`chip ${cap.canResume ? 'chip-ok' : BACKEND_INFO[b].supportsResume ? 'chip-blocked' : 'chip-offline'}`}>
                            {cap.canResume ? 'can resume' : BACKEND_INFO[b].supportsResume ? 'cannot resume' : 'fresh sessions only'}
                          </span>
                          <Show when={cap.detail}>
                            <span class="muted small detail">{cap.detail}</span>
                          </Show>
                        </li>
                      );
                    }}
                  </For>
                </ul>
                <Show when={!m.capabilities}>
                  <p class="muted small">Backends are reported when the machine connects.</p>
                </Show>
                <Show when={m.online}>
                  <div class="actions">
                    <A class="btn small" href={`/new?machine=${encodeURIComponent(m.id)}`} aria-label={`New session on ${m.name}`}>New session</A>
                  </div>
                </Show>
              </section>
            )}
          </For>
        </Show>
      </main>
    </>
  );
}
