// How many rows of a long list to render: a first screenful at once, then one chunk per idle period until all are in.
import { createEffect, createSignal, onCleanup, type Accessor } from 'solid-js';
import { nextLimit } from './list-window.ts';
import { whenIdle } from './when-idle.ts';

export interface ProgressiveLimit {
  readonly limit: Accessor<number>;
  /** Back to the first screenful (the list changed under the reader: a new filter or search). */
  readonly reset: () => void;
}

export function createProgressiveLimit(total: Accessor<number>, first: number, chunk: number): ProgressiveLimit {
  const [limit, setLimit] = createSignal(first);
  let cancel: (() => void) | null = null;
  createEffect(() => {
    if (limit() >= total() || cancel) return;
    cancel = whenIdle(() => {
      cancel = null;
      setLimit((n) => nextLimit(n, total(), chunk));
    }, 100);
  });
  onCleanup(() => cancel?.());
  return { limit, reset: () => setLimit(first) };
}
