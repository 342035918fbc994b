// "offline — as of <time>" whenever what is shown is not live (DESIGN invariant 4: truthful state).
import { useStore } from '@nanostores/solid';
import { Show, type JSX } from 'solid-js';
import { formatClock } from '../lib/time.ts';
import { $connection, $syncMeta } from '../stores/sync.ts';

export function FreshnessLine(): JSX.Element {
  const connection = useStore($connection);
  const meta = useStore($syncMeta);
  const asOf = () => (meta() ? `as of ${formatClock(meta()!.syncedAt)}` : 'nothing cached yet');
  return (
    <Show when={connection() !== 'live'} fallback={<p class="freshness live" role="status"><span class="dot" aria-hidden="true" />Live</p>}>
      <p class="freshness stale" role="status">
        {connection() === 'connecting' ? 'connecting' : 'offline'} — {asOf()}
      </p>
    </Show>
  );
}
