// A session's history as its vendor recorded it on its machine: read-only, paged from the newest, so the
// user can see what a direct session is about before taking it over (or a taken-over one's earlier turns).
import { A, useNavigate, useParams } from '@solidjs/router';
import { useStore } from '@nanostores/solid';
import { createEffect, createSignal, For, on, onCleanup, Show, type JSX } from 'solid-js';
import { errorGuard } from '../lib/api-client.ts';
import { formatClock } from '../lib/time.ts';
import { $history, closeHistory, loadOlderHistory, openHistory } from '../stores/history.ts';
import { $runtime } from '../stores/runtime.ts';
import { takeOverSession } from '../stores/session-actions.ts';
import { $machines, $sessions } from '../stores/sync.ts';

const ROLE_LABEL = { user: 'You', agent: 'Agent', tool: 'Tool' } as const;

export default function SessionHistory(): JSX.Element {
  const params = useParams<{ id: string }>();
  const navigate = useNavigate();
  const runtime = useStore($runtime);
  const sessions = useStore($sessions);
  const machines = useStore($machines);
  const history = useStore($history);
  const [error, setError] = createSignal<string | null>(null);
  const guard = errorGuard(setError);

  const id = () => decodeURIComponent(params.id);
  const session = () => sessions()[id()];
  const machine = () => (session() ? machines()[session()!.machineId] : undefined);
  const mine = () => (history().sessionId === id() ? history() : null);

  createEffect(on([runtime, id], ([r, sid]) => {
    if (r) void openHistory(sid);
  }));
  onCleanup(closeHistory);

  return (
    <div class="session-screen history-screen">
      <header class="topbar">
        <div class="topbar-title">
          <A href={`/s/${encodeURIComponent(id())}`} class="back" aria-label="Back to the session">‹</A>
          <h1 class="session-title">{session()?.title || 'Session'}</h1>
          <span class="chip chip-offline">read-only</span>
        </div>
        <div class="session-sub">
          <span class="muted small">
            History from {session()?.provider ?? 'the vendor'}’s own store on {machine()?.name ?? 'its machine'}
            <Show when={mine()?.readAt}>{(at) => <>, read at {formatClock(at())}</>}</Show>
          </span>
          <Show when={session() && !session()!.managed}>
            <div class="session-menu">
              <button type="button" class="btn small primary" onClick={() => void guard(async () => {
                await takeOverSession(id());
                navigate(`/s/${encodeURIComponent(id())}`);
              })}>Take over</button>
            </div>
          </Show>
        </div>
      </header>
      <Show when={error() ?? mine()?.error}>
        <p class="error banner" role="alert">{error() ?? mine()!.error}</p>
      </Show>
      <section class="transcript history" aria-label="Vendor history" aria-busy={mine()?.loading ?? true}>
        <Show when={mine()?.hasOlder}>
          <div class="load-older">
            <button type="button" class="btn small" disabled={mine()?.loading} onClick={() => void loadOlderHistory(id())}>
              {mine()?.loading ? 'Loading…' : 'Load older'}
            </button>
          </div>
        </Show>
        <Show when={mine() && !mine()!.loading && mine()!.entries.length === 0 && !mine()!.error}>
          <p class="empty">The vendor has nothing recorded in this session yet.</p>
        </Show>
        <For each={mine()?.entries ?? []}>
          {(e) => (
            <div class={`msg msg-${e.role === 'user' ? 'user' : e.role === 'agent' ? 'agent' : 'tool'}`} data-index={e.index}>
              <Show when={e.role === 'tool'} fallback={<div class="bubble"><span class="sr-only">{ROLE_LABEL[e.role]}: </span>{e.text}</div>}>
                <span class="tool-name">{e.text.split(' ')[0]}</span>
                <span class="tool-input">{e.text.split(' ').slice(1).join(' ')}</span>
              </Show>
              <Show when={e.truncated}><span class="muted small"> (shortened)</span></Show>
            </div>
          )}
        </For>
        <Show when={mine()?.loading && mine()!.entries.length === 0}>
          <p class="empty">Reading the history on {machine()?.name ?? 'its machine'}…</p>
        </Show>
      </section>
    </div>
  );
}
