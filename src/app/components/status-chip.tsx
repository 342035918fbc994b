// The status chip: live, inactive · resumable, resuming, blocked: <reason>, machine offline since <time>.
import type { JSX } from 'solid-js';
import type { SessionStatus } from '../stores/session-status.ts';

export function StatusChip(props: { status: SessionStatus }): JSX.Element {
  return (
    <span class={`chip chip-${props.status.tone}`} data-state={props.status.availability.state}>
      {props.status.chip}
    </span>
  );
}
