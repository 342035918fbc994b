// The scrolling transcript: sticks to the bottom while new messages stream, pages older ones in at the top.
import { createEffect, For, on, onMount, Show, type JSX } from 'solid-js';
import type { MessageRecord } from '../../core/records.ts';
import { stateFromDelivery, type OutboxItem } from '../lib/outbox-item.ts';
import { AgentMessage, UserMessage, type MessageActions, type UserEntry } from './message-item.tsx';

export interface TranscriptViewProps {
  readonly messages: readonly MessageRecord[];
  /** This session's outbox; items the server has not echoed yet are shown after the transcript. */
  readonly outbox: readonly OutboxItem[];
  readonly actions: MessageActions | null;
  readonly hasOlder: boolean;
  readonly loadingOlder: boolean;
  readonly onLoadOlder: () => Promise<void> | void;
}

type Row = { kind: 'message'; message: MessageRecord; entry: UserEntry | null } | { kind: 'pending'; entry: UserEntry; key: string };

export function buildRows(messages: readonly MessageRecord[], outbox: readonly OutboxItem[]): Row[] {
  const byClient = new Map(outbox.map((i) => [i.clientId, i]));
  const seen = new Set<string>();
  const rows: Row[] = messages.map((m) => {
    if (m.role !== 'user') return { kind: 'message', message: m, entry: null };
    const item = m.clientId ? byClient.get(m.clientId) ?? null : null;
    if (m.clientId) seen.add(m.clientId);
    // The server's state is the truth for a message it holds; the outbox item adds the actions.
    const state = m.state ? stateFromDelivery(m.state) : (item?.state ?? 'sending');
    return { kind: 'message', message: m, entry: { text: m.text, state, failure: m.failure ?? item?.failure ?? null, item, lastError: null } };
  });
  for (const item of outbox) {
    if (seen.has(item.clientId)) continue;
    rows.push({ kind: 'pending', key: item.clientId, entry: { text: item.text, state: item.state, failure: item.failure, item, lastError: item.lastError } });
  }
  return rows;
}

export function TranscriptView(props: TranscriptViewProps): JSX.Element {
  let scroller!: HTMLDivElement;
  let stick = true;
  const rows = () => buildRows(props.messages, props.outbox);

  const toBottom = () => {
    scroller.scrollTop = scroller.scrollHeight;
  };
  onMount(toBottom);
  // New rows at the bottom: follow them if the reader was at the bottom; otherwise leave the view alone.
  createEffect(
    on(
      () => [rows().length, props.messages.at(-1)?.id, props.messages.at(-1)?.updatedAt],
      () => {
        if (stick) queueMicrotask(toBottom);
      },
    ),
  );

  const onScroll = async () => {
    stick = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
    if (scroller.scrollTop < 300 && props.hasOlder && !props.loadingOlder) {
      // Keep the message under the reader's thumb in place while older ones are added above it.
      const before = scroller.scrollHeight - scroller.scrollTop;
      await props.onLoadOlder();
      requestAnimationFrame(() => {
        scroller.scrollTop = scroller.scrollHeight - before;
      });
    }
  };

  return (
    <div class="transcript" ref={scroller} onScroll={onScroll} role="log" aria-label="Transcript" aria-live="polite">
      <Show when={props.hasOlder}>
        <button type="button" class="btn small older" disabled={props.loadingOlder} onClick={() => void props.onLoadOlder()}>
          {props.loadingOlder ? 'Loading…' : 'Load older messages'}
        </button>
      </Show>
      <Show when={props.messages.length === 0 && props.outbox.length === 0}>
        <p class="empty">No messages yet.</p>
      </Show>
      <For each={rows()}>
        {(row) =>
          row.kind === 'pending' || row.entry ? (
            <UserMessage entry={row.entry!} actions={props.actions} />
          ) : (
            <AgentMessage message={row.message} actions={props.actions} />
          )
        }
      </For>
    </div>
  );
}
