// "offline — as of <time>" whenever what is shown is not live (DESIGN invariant 4: truthful state).
import { A } from '@solidjs/router';
import { useStore } from '@nanostores/solid';
import { Show, type JSX } from 'solid-js';
import { $activeProfile } from '../stores/profiles.ts';
import { formatClock } from '../lib/time.ts';
import { $connection, $syncMeta } from '../stores/sync.ts';

export function FreshnessLine(): JSX.Element {
  const connection = useStore($connection);
  const meta = useStore($syncMeta);
  const profile = useStore($activeProfile);
  const asOf = () => (meta() ? `as of ${formatClock(meta()!.syncedAt)}` : 'nothing cached yet');
  // About this phone's link to the server, in words that cannot be taken for a session's state ("live" is one).
  return (
    <Show when={connection() !== 'live'} fallback={<p class="freshness live" role="status"><span class="dot" aria-hidden="true" />Up to date</p>}>
      <Show when={connection() === 'revoked'} fallback={
        <p class="freshness stale" role="status">
          {connection() === 'connecting' ? 'connecting' : 'offline'} — {asOf()}
        </p>
      }>
        <p class="freshness revoked" role="alert">
          This phone was signed out by its server (its pairing was revoked) — {asOf()}. <A href={`/pair?server=${encodeURIComponent(profile()?.server ?? '')}`}>Pair again</A>
        </p>
      </Show>
    </Show>
  );
}
