// The sessions list: every session on every machine, from the cache first, with what can be done with each.
import { A } from '@solidjs/router';
import { useStore } from '@nanostores/solid';
import { createEffect, createMemo, createSignal, For, on, Show, type JSX } from 'solid-js';
import { FreshnessLine } from '../components/freshness-line.tsx';
import { SessionRow } from '../components/session-row.tsx';
import { Welcome } from '../components/welcome.tsx';
import { createAtomSignal } from '../lib/atom-signal.ts';
import { firstScreenful, sliceGroups } from '../lib/list-window.ts';
import { createProgressiveLimit } from '../lib/progressive-limit.ts';
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

/** Rows added per idle callback: about one frame's work on a slow phone. */
const CHUNK = 40;

export function SessionsList(): JSX.Element {
  const loaded = useStore($profilesLoaded);
  const profiles = useStore($profiles);
  const profile = useStore($activeProfile);
  // Plain values, not reconciled into a Solid store: 500 proxied sessions cost more than the rows themselves.
  const sessions = createAtomSignal($sessions);
  const machines = createAtomSignal($machines);
  const settings = createAtomSignal($settings);
  const connection = useStore($connection);
  const painted = useStore($painted);
  const now = useStore($now);
  const [filter, setFilter] = createSignal<ListFilter>('all');
  const [query, setQuery] = createSignal('');
  // Not before the cache is read: painting from it sets sessions, machines and settings one after another,
  // and grouping 500 sessions for each half-set state is wasted work on the way to the first paint.
  const groups = createMemo(() =>
    painted() ? groupSessions(Object.values(sessions()), machines(), settings(), { filter: filter(), query: query(), fresh: connection() === 'live', now: now() }) : [],
  );

  // The list is keyed by machine id and session id (strings), not by row objects: a sync or a clock tick
  // rebuilds every row object, and only the fields that changed should touch the DOM.
  const rowOf = createMemo(() => new Map(groups().flatMap((g) => g.rows.map((r) => [r.session.id, r] as const))));
  const total = () => rowOf().size;

  // The first screenful renders at once; the rest follows in idle-time chunks, so the cached list paints
  // before 500 rows are built. Every row still ends up in the page (find in page, screen readers).
  const first = firstScreenful(typeof window === 'undefined' ? 800 : window.innerHeight);
  const { limit, reset } = createProgressiveLimit(total, first, CHUNK);
  createEffect(on([filter, query], reset, { defer: true }));

  const slices = createMemo(() => sliceGroups(groups(), (g) => g.rows.map((r) => r.session.id), limit()));
  const sliceOf = createMemo(() => new Map(slices().map((s) => [s.group.machineId, s] as const)));
  const groupIds = createMemo(() => slices().map((s) => s.group.machineId));

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
          <For each={groupIds()}>
            {(machineId) => {
              const slice = () => sliceOf().get(machineId);
              const machine = () => slice()?.group.machine;
              return (
                <section class="machine-group" aria-label={`Machine ${machine()?.name ?? machineId}`}>
                  <h2 class="group-title">
                    <span class={`presence ${machine()?.online ? 'on' : 'off'}`} aria-hidden="true" />
                    {machine()?.name ?? 'Unknown machine'}
                    <span class="muted small">
                      {machine()?.online ? (connection() === 'live' ? 'online' : 'was online') : machine()?.lastSeenAt ? `offline since ${formatTime(machine()!.lastSeenAt!, now())}` : 'offline'}
                    </span>
                  </h2>
                  <ul class="session-list">
                    <For each={slice()?.keys ?? []}>
                      {(id) => (
                        <Show when={rowOf().get(id)}>
                          {(row) => (
                            <li>
                              <SessionRow row={row()} now={now()} />
                            </li>
                          )}
                        </Show>
                      )}
                    </For>
                  </ul>
                </section>
              );
            }}
          </For>
        </main>
      </Show>
    </Show>
  );
}
