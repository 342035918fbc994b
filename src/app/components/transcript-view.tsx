// The scrolling transcript, windowed: renders only rows near the viewport, keeps the reader's place when older pages load, follows the bottom while live.
import { createEffect, createMemo, createSignal, For, on, onCleanup, onMount, Show, type JSX } from 'solid-js';
import type { MessageRecord } from '../../core/records.ts';
import type { OutboxItem } from '../lib/outbox-item.ts';
import { buildRows, rowShape, type Row } from '../lib/transcript-rows.ts';
import { anchorAt, computeWindow, estimateHeight, isAtBottom, layoutOffsets, scrollTopFor, type ScrollAnchor } from '../lib/virtual-window.ts';
import { AgentMessage, UserMessage, type MessageActions } from './message-item.tsx';

export interface TranscriptViewProps {
  readonly messages: readonly MessageRecord[];
  /** This session's outbox; items the server has not echoed yet are shown after the transcript. */
  readonly outbox: readonly OutboxItem[];
  readonly actions: MessageActions | null;
  readonly hasOlder: boolean;
  readonly loadingOlder: boolean;
  readonly onLoadOlder: () => Promise<void> | void;
  /** Client ids of failed sends a retry or an edit replaced: not shown. */
  readonly superseded?: ReadonlySet<string>;
}

/** Padding above the first row (px); scroll positions are measured from the first row. */
const PAD = 12;
/** Rendered beyond each edge of the viewport, in px: a fling shows rows, not blank space. */
const OVERSCAN = 900;
/** Start loading the previous page this close to the top, so it usually arrives before the reader does. */
const LOAD_AHEAD = 600;

export function TranscriptView(props: TranscriptViewProps): JSX.Element {
  let scroller!: HTMLDivElement;
  const heights = new Map<string, number>();
  const [measured, setMeasured] = createSignal(0);
  const [scrollTop, setScrollTop] = createSignal(0);
  const [viewport, setViewport] = createSignal(typeof window === 'undefined' ? 800 : window.innerHeight);
  const [width, setWidth] = createSignal(typeof window === 'undefined' ? 360 : window.innerWidth);
  // Follow new messages only while the reader is at the bottom; otherwise hold their place.
  let stick = true;
  let anchor: ScrollAnchor | null = null;
  /** Where this view last scrolled itself; the scroll event that follows is not the reader moving. */
  let ownScrollTop: number | null = null;

  let previous = new Map<string, Row>();
  const rows = createMemo(() => {
    const next = buildRows(props.messages, props.outbox, previous, props.superseded);
    previous = new Map(next.map((r) => [r.key, r]));
    return next;
  });
  const keys = createMemo(() => rows().map((r) => r.key));
  const offsets = createMemo(() => {
    measured();
    const rs = rows();
    const column = Math.max(200, width() * 0.88 - 26);
    return layoutOffsets(rs.length, (i) => {
      const row = rs[i]!;
      const known = heights.get(row.key);
      if (known !== undefined) return known;
      const shape = rowShape(row);
      return shape.px ?? estimateHeight(shape.kind, shape.length, column);
    });
  });
  const range = createMemo(() => computeWindow(offsets(), scrollTop() - PAD, viewport(), OVERSCAN));
  const visible = createMemo(() => rows().slice(range().start, range().end));

  const rowObserver =
    typeof ResizeObserver === 'undefined'
      ? null
      : new ResizeObserver((entries) => {
          let changed = false;
          for (const e of entries) {
            const el = e.target as HTMLElement;
            const key = el.dataset.key;
            const h = e.borderBoxSize?.[0]?.blockSize ?? el.offsetHeight;
            if (!key || !el.isConnected || h <= 0) continue;
            if (Math.abs((heights.get(key) ?? -1) - h) > 0.5) {
              heights.set(key, h);
              changed = true;
            }
          }
          // Measured before paint: the anchor effect below corrects the scroll position in the same frame.
          if (changed) setMeasured((n) => n + 1);
        });
  onCleanup(() => rowObserver?.disconnect());

  const observe = (el: HTMLDivElement) => {
    rowObserver?.observe(el);
    onCleanup(() => rowObserver?.unobserve(el));
  };

  /** Scroll to `top` (null: stay) as the view itself, so the scroll event that follows is not taken for the reader. */
  const pin = (top: number | null) => {
    if (top !== null) scroller.scrollTop = top;
    ownScrollTop = scroller.scrollTop;
    setScrollTop(scroller.scrollTop);
  };

  onMount(() => {
    const sizeObserver = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(() => {
      setViewport(scroller.clientHeight);
      setWidth(scroller.clientWidth);
      // The box shrank (the keyboard opened, a banner appeared): a reader at the bottom stays there.
      if (stick) pin(scroller.scrollHeight);
    });
    sizeObserver?.observe(scroller);
    onCleanup(() => sizeObserver?.disconnect());
    setViewport(scroller.clientHeight || viewport());
    setWidth(scroller.clientWidth || width());
    pin(scroller.scrollHeight);
  });

  // Whenever the layout changes (rows added at either end, a height measured): keep the bottom in view
  // while following, otherwise put the row the reader was looking at back where it was.
  createEffect(
    on(offsets, (o) => {
      if (!scroller) return;
      // Nothing to hold on to (another session opened in this view): start again at the bottom.
      if (o.length <= 1) {
        stick = true;
        anchor = null;
      }
      let top: number | null = null;
      if (stick) top = scroller.scrollHeight;
      else if (anchor) {
        const target = scrollTopFor(o, keys(), anchor);
        if (target !== null && Math.abs(scroller.scrollTop - (target + PAD)) > 1) top = target + PAD;
      }
      pin(top);
    }),
  );

  const maybeLoadOlder = () => {
    if (scroller.scrollTop < LOAD_AHEAD && props.hasOlder && !props.loadingOlder) void props.onLoadOlder();
  };
  // A page that arrived still leaves the reader near the top (short messages): ask for the next one.
  createEffect(on(() => props.loadingOlder, (loading, was) => {
    if (was && !loading && !stick) queueMicrotask(maybeLoadOlder);
  }));

  /**
   * The anchor as the reader sees it: read from the DOM, not from `offsets`, because rows rendered since the
   * last measurement still carry estimates there and would put the anchor off by the estimate's error.
   */
  const readAnchor = (): ScrollAnchor | null => {
    const top = scroller.getBoundingClientRect().top;
    for (const el of scroller.querySelectorAll<HTMLElement>('.row')) {
      const r = el.getBoundingClientRect();
      if (r.bottom <= top || !el.dataset.key) continue;
      // A row starting below the top edge with rows before it means the edge is over the spacer (rows not
      // rendered yet after a jump): only the layout knows what is there.
      if (r.top - top > PAD + 1 && keys()[0] !== el.dataset.key) break;
      return { key: el.dataset.key, delta: top - r.top };
    }
    return anchorAt(offsets(), keys(), scroller.scrollTop - PAD);
  };

  const onScroll = () => {
    const st = scroller.scrollTop;
    // A scroll the view made itself may show rows not measured yet: keep the reader's anchor, not that.
    const own = ownScrollTop !== null && Math.abs(st - ownScrollTop) <= 1;
    ownScrollTop = null;
    if (!own) {
      stick = isAtBottom(st, scroller.scrollHeight, scroller.clientHeight);
      anchor = readAnchor();
    }
    setScrollTop(st);
    if (!stick) maybeLoadOlder();
  };

  return (
    <div class="transcript-wrap">
      <div
        class="transcript"
        ref={scroller}
        onScroll={onScroll}
        role="log"
        aria-label="Transcript"
        aria-busy={props.loadingOlder}
        data-rows={rows().length}
        data-first-seq={props.messages[0]?.seq ?? ''}
        data-has-older={String(props.hasOlder)}
      >
        <Show when={rows().length === 0}>
          <p class="empty">No messages yet.</p>
        </Show>
        <div class="spacer" aria-hidden="true" style={{ height: `${range().padTop + PAD}px` }} />
        <For each={visible()}>
          {(row) => (
            <div class="row" data-key={row.key} data-seq={row.kind === 'message' ? row.message.seq : undefined} ref={observe}>
              {row.kind === 'pending' || row.entry ? <UserMessage entry={row.entry!} actions={props.actions} /> : <AgentMessage message={row.message} actions={props.actions} />}
            </div>
          )}
        </For>
        <div class="spacer" aria-hidden="true" style={{ height: `${range().padBottom + PAD}px` }} />
      </div>
      <Show when={props.hasOlder && (props.loadingOlder || scrollTop() < LOAD_AHEAD)}>
        <button type="button" class="btn small older" disabled={props.loadingOlder} onClick={() => void props.onLoadOlder()}>
          {props.loadingOlder ? 'Loading older messages…' : 'Load older messages'}
        </button>
      </Show>
    </div>
  );
}
