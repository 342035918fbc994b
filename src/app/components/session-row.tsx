// One session in the list: title, status chip, provider and backend, last activity, folder.
import type { JSX } from 'solid-js';
import { formatTime } from '../lib/time.ts';
import type { ListRow } from '../stores/session-list.ts';
import { StatusChip } from './status-chip.tsx';

/**
 * Every field is read reactively: the list keeps one row per session id and updates it in place.
 * A plain link, not the router's <A>: the hash router handles clicks on any same-page link, and <A>'s
 * per-link bookkeeping (active state, resolved paths) is most of a row's cost on a slow phone.
 */
export function SessionRow(props: { row: ListRow; now: number }): JSX.Element {
  const s = () => props.row.session;
  return (
    <a href={`#/s/${encodeURIComponent(s().id)}`} class="session-row" data-session-id={s().id}>
      <div class="row-top">
        <span class="row-title">{s().title || 'Untitled session'}</span>
        <StatusChip status={props.row.status} />
      </div>
      <div class="row-meta">
        <span>
          {s().provider} · {s().backend}
        </span>
        <span>{formatTime(s().lastActivityAt, props.now)}</span>
      </div>
      <div class="row-cwd" title={s().cwd}>
        {/* rtl on the box keeps the end of a long path visible; the text itself stays ltr */}
        <span dir="ltr">{s().cwd}</span>
      </div>
    </a>
  );
}
