// The sessions list: every session on every machine, from the cache first, with what can be done with each.
import { A } from '@solidjs/router';
import { useStore } from '@nanostores/solid';
import { createMemo, createSignal, For, Show, type JSX } from 'solid-js';
import { FreshnessLine } from '../components/freshness-line.tsx';
import { StatusChip } from '../components/status-chip.tsx';
import { Welcome } from '../components/welcome.tsx';
import { formatTime } from '../lib/time.ts';
import { $now } from '../stores/clock.ts';
import { $activeProfile, $profiles, $profilesLoaded } from '../stores/profiles.ts';
import { groupSessions, type ListFilter } from '../stores/session-list.ts';
import { $connection, $machines, $painted, $sessions, $settings } from '../stores/sync.ts';

const FILTERS: Array<{ id: ListFilter; label: string }> = [
  { id: 'all', label: 'All' },
  { id: 'active', label: 'Active' },
  { id: 'inactive', label: 'Inactive' },
  { id: 'archived', label: 'Archived' },
];

export function SessionsList(): JSX.Element {
  const loaded = useStore($profilesLoaded);
  const profiles = useStore($profiles);
  const profile = useStore($activeProfile);
  const sessions = useStore($sessions);
  const machines = useStore($machines);
  const settings = useStore($settings);
  const connection = useStore($connection);
  const painted = useStore($painted);
  const now = useStore($now);
  const [filter, setFilter] = createSignal<ListFilter>('all');
  const [query, setQuery] = createSignal('');
  const groups = createMemo(() =>
    groupSessions(Object.values(sessions()), machines(), settings(), { filter: filter(), query: query(), fresh: connection() === 'live', now: now() }),
  );

  return (
    <Show when={loaded()}>
      <Show when={profiles().length > 0} fallback={<Welcome />}>
        <header class="topbar">
          <div class="topbar-title">
            <h1>Sessions</h1>
            <A href="/servers" class="server-pill" aria-label={`Server: ${profile()?.name ?? ''}. Change server`}>
              {profile()?.name}
            </A>
          </div>
          <FreshnessLine />
        </header>
        <main class="page" id="main">
          <div class="list-tools">
            <input type="search" class="search" placeholder="Search title, folder, machine" aria-label="Search sessions" value={query()} onInput={(e) => setQuery(e.currentTarget.value)} />
            <div class="segmented" role="group" aria-label="Filter sessions">
              <For each={FILTERS}>
                {(f) => (
                  <button type="button" aria-pressed={filter() === f.id} onClick={() => setFilter(f.id)}>
                    {f.label}
                  </button>
                )}
              </For>
            </div>
          </div>
          <Show when={painted() && groups().length === 0}>
            <p class="empty">{Object.keys(sessions()).length === 0 ? 'No sessions yet. Start one from a terminal with `baton`, or wait for your machine to connect.' : 'No sessions match.'}</p>
          </Show>
          <For each={groups()}>
            {(g) => (
              <section class="machine-group" aria-label={`Machine ${g.machine?.name ?? g.machineId}`}>
                <h2 class="group-title">
                  <span class={`presence ${g.machine?.online ? 'on' : 'off'}`} aria-hidden="true" />
                  {g.machine?.name ?? 'Unknown machine'}
                  <span class="muted small">
                    {g.machine?.online ? (connection() === 'live' ? 'online' : 'was online') : g.machine?.lastSeenAt ? `offline since ${formatTime(g.machine.lastSeenAt, now())}` : 'offline'}
                  </span>
                </h2>
                <ul class="session-list">
                  <For each={g.rows}>
                    {(row) => (
                      <li>
                        <A href={`/s/${encodeURIComponent(row.session.id)}`} class="session-row" data-session-id={row.session.id}>
                          <div class="row-top">
                            <span class="row-title">{row.session.title || 'Untitled session'}</span>
                            <StatusChip status={row.status} />
                          </div>
                          <div class="row-meta">
                            <span>
                              {row.session.provider} · {row.session.backend}
                            </span>
                            <span>{formatTime(row.session.lastActivityAt, now())}</span>
                          </div>
                          <div class="row-cwd" title={row.session.cwd}>
                            {/* rtl on the box keeps the end of a long path visible; the text itself stays ltr */}
                            <span dir="ltr">{row.session.cwd}</span>
                          </div>
                        </A>
                      </li>
                    )}
                  </For>
                </ul>
              </section>
            )}
          </For>
        </main>
      </Show>
    </Show>
  );
}
