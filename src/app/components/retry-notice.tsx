// "retrying: attempt 3 of 10 — overloaded": the vendor is retrying a failed model call (updates as it goes).
import { Show, type JSX } from 'solid-js';
import { describeRetry, type RetryNotice as Notice } from '../../core/turn.ts';
import { formatTime } from '../lib/time.ts';

export function RetryNotice(props: { notice: Notice | null; active: boolean; now: number }): JSX.Element {
  return (
    <Show when={props.active && props.notice}>
      {(n) => (
        <p class="retry-notice" role="status">
          The agent is {describeRetry(n())}
          <span class="muted"> · {formatTime(n().at, props.now)}</span>
        </p>
      )}
    </Show>
  );
}
