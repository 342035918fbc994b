// One session: availability banner, transcript (paged, streamed), the composer and the outbox.
import { A, useParams, useSearchParams, useNavigate } from '@solidjs/router';
import { useStore } from '@nanostores/solid';
import { createEffect, createMemo, createSignal, For, on, onCleanup, Show, type JSX } from 'solid-js';
import { AvailabilityBanner } from '../components/availability-banner.tsx';
import { Composer } from '../components/composer.tsx';
import { FreshnessLine } from '../components/freshness-line.tsx';
import type { MessageActions } from '../components/message-item.tsx';
import { NewSessionBox } from '../components/new-session-box.tsx';
import { RetryNotice } from '../components/retry-notice.tsx';
import { ShareSheet } from '../components/share-sheet.tsx';
import { StatusChip } from '../components/status-chip.tsx';
import { ConfirmSheet } from '../components/confirm-sheet.tsx';
import { PermissionModeLine } from '../components/permission-mode.tsx';
import { continuationsOf } from '../lib/continuations.ts';
import { TranscriptView } from '../components/transcript-view.tsx';
import { errorGuard, errorText, NetworkError } from '../lib/api-client.ts';
import { createAtomSignal } from '../lib/atom-signal.ts';
import { $now } from '../stores/clock.ts';
import { $outbox, $superseded, discardMessage, editMessage } from '../stores/outbox.ts';
import { $activeProfile, profileForServer, switchProfile } from '../stores/profiles.ts';
import { $runtime } from '../stores/runtime.ts';
import { answerPermission, archiveSession, cancelWaiting, interruptSession, retry, setPermissionMode, stopSession } from '../stores/session-actions.ts';
import { waitText } from '../lib/wait-text.ts';
import { sessionStatus } from '../stores/session-status.ts';
import { $connection, $machines, $painted, $sessions, $settings } from '../stores/sync.ts';
import { $transcript, closeTranscript, loadOlder, openTranscript } from '../stores/transcript.ts';
import { normalizeServer } from '../lib/api-client.ts';

export default function SessionView(): JSX.Element {
  const params = useParams<{ id: string }>();
  const [search] = useSearchParams<{ server?: string }>();
  const navigate = useNavigate();
  const runtime = useStore($runtime);
  const profile = useStore($activeProfile);
  const sessions = useStore($sessions);
  const machines = useStore($machines);
  const settings = useStore($settings);
  const connection = useStore($connection);
  const painted = useStore($painted);
  // Plain values, not reconciled: the transcript's rows are cached by object identity.
  const transcript = createAtomSignal($transcript);
  const outbox = createAtomSignal($outbox);
  const superseded = useStore($superseded);
  const now = useStore($now);
  const [sharing, setSharing] = createSignal(false);
  const [newWith, setNewWith] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [confirming, setConfirming] = createSignal<'stop' | 'archive' | null>(null);
  const [interrupting, setInterrupting] = createSignal(false);

  const id = () => decodeURIComponent(params.id);
  const session = () => sessions()[id()];
  const machine = () => (session() ? machines()[session()!.machineId] : undefined);
  const status = createMemo(() => (session() ? sessionStatus(session()!, machine(), settings(), connection() === 'live', now()) : null));
  const myOutbox = createMemo(() => outbox().filter((i) => i.sessionId === id()));
  /**
   * A turn is running: the agent has a message it has not answered, waits for an approval, or a tool runs.
   * That is when Interrupt (end this turn) makes sense, and when Stop or Archive would cut work short.
   */
  const turnRunning = createMemo(() => {
    const s = session();
    if (!s || s.status !== 'active') return false;
    if (s.awaitingPermission || s.agentRetry) return true;
    const t = transcript();
    if (t.sessionId !== id()) return false;
    return t.messages.some((m) => (m.role === 'user' && m.state === 'delivered') || (m.entry?.kind === 'tool' && m.entry.status === 'running'));
  });
  createEffect(on(turnRunning, (running) => !running && setInterrupting(false)));
  const links = createMemo(() => (profile() ? continuationsOf(profile()!.server, id()) : { from: null, to: [] }));
  const titleOf = (sid: string) => sessions()[sid]?.title || 'another session';

  // A link to a session on another server: switch to it if this phone has it, else say so.
  const linkServer = () => {
    const s = search.server ? normalizeServer(search.server) : null;
    return s && s.ok ? s.server : null;
  };
  const foreign = () => {
    const s = linkServer();
    return s && profile() && profile()!.server !== s ? s : s && !profile() ? s : null;
  };
  const knownForeign = () => (foreign() ? profileForServer(foreign()!) : null);

  createEffect(
    on([runtime, id], ([r, sid]) => {
      if (!r) return;
      void openTranscript(r.db, sid, r.api).catch(() => {});
    }),
  );
  onCleanup(closeTranscript);

  const guard = errorGuard(setError);

  /** The composer's send: queued on this phone, then flushed (runtime.ts). */
  const send = (text: string) => guard(async () => {
    const r = $runtime.get();
    if (!r) throw new Error('No server is selected.');
    await r.send(id(), text);
  });

  // "Could not reach the server" was about then: once the server answers again it no longer holds.
  createEffect(on(connection, (c) => c === 'live' && error() === errorText(new NetworkError('')) && setError(null)));
  const actions: MessageActions = {
    retry: (clientId) => void guard(() => retry(clientId)),
    edit: (clientId, text) => void guard(async () => {
      const r = $runtime.get();
      if (!r) return;
      await editMessage(r.db, clientId, text);
      await r.flush();
    }),
    discard: (clientId) => void guard(async () => {
      const r = $runtime.get();
      if (r) await discardMessage(r.db, clientId);
    }),
    cancel: (clientId) => void guard(() => cancelWaiting(clientId)),
    describeWait: (entry) => waitText(entry, { machine: machine() ?? null, deviceOffline: connection() === 'offline' && navigator.onLine === false, fresh: connection() === 'live', now: now() }),
    startNew: (text) => setNewWith(text),
    answer: (permissionId, answer) => void guard(() => answerPermission(id(), permissionId, answer)),
  };

  return (
    <Show
      when={!foreign()}
      fallback={
        <main class="page" id="main">
          <section class="card">
            <h1>Another server</h1>
            <Show
              when={knownForeign()}
              fallback={
                <>
                  <p>This session belongs to <strong class="mono">{foreign()}</strong>, which this phone has not added.</p>
                  <div class="actions">
                    <A class="btn primary" href={`/pair?server=${encodeURIComponent(foreign()!)}`}>Add this server</A>
                  </div>
                </>
              }
            >
              <p>This session belongs to <strong>{knownForeign()!.name}</strong>.</p>
              <div class="actions">
                <button type="button" class="btn primary" onClick={() => void switchProfile(knownForeign()!.id).then(() => navigate(`/s/${encodeURIComponent(id())}`, { replace: true }))}>
                  Switch to {knownForeign()!.name}
                </button>
              </div>
            </Show>
          </section>
        </main>
      }
    >
      <div class="session-screen">
        <header class="topbar">
          <div class="topbar-title">
            <A href="/" class="back" aria-label="Back to sessions">‹</A>
            <h1 class="session-title">{session()?.title || 'Session'}</h1>
            <Show when={status()}>
              <StatusChip status={status()!} />
            </Show>
          </div>
          <Show when={session()}>
            <div class="session-sub">
              <span class="muted small mono">{session()!.provider} · {session()!.backend} · {machine()?.name ?? 'unknown machine'}</span>
              <div class="session-menu">
                <Show when={session()!.vendorResumeId}>
                  {/* The vendor's own record: all a direct session has; a taken-over one's turns from before Baton. */}
                  <A class="btn small" href={`/s/${encodeURIComponent(id())}/history`}>History</A>
                </Show>
                <button type="button" class="btn small" onClick={() => setSharing(true)}>Share</button>
                <Show when={session()!.managed && !session()!.archived}>
                  <Show when={session()!.status === 'active'}>
                    <button type="button" class="btn small" onClick={() => setConfirming('stop')}>Stop</button>
                  </Show>
                  <button type="button" class="btn small" onClick={() => (session()!.status === 'active' ? setConfirming('archive') : void guard(() => archiveSession(id())))}>Archive</button>
                </Show>
              </div>
            </div>
            <PermissionModeLine
              backend={session()!.backend}
              mode={session()!.permissionMode}
              canChange={session()!.managed && !session()!.archived}
              onChange={(mode) => guard(() => setPermissionMode(id(), mode))}
            />
            <Show when={links().from}>
              <p class="small continuation">Continued from <A href={`/s/${encodeURIComponent(links().from!)}`}>{titleOf(links().from!)}</A></p>
            </Show>
            <For each={links().to}>
              {(to) => <p class="small continuation">Continued in <A href={`/s/${encodeURIComponent(to)}`}>{titleOf(to)}</A></p>}
            </For>
          </Show>
          <FreshnessLine />
        </header>
        <Show when={session()} fallback={<p class="empty">{painted() ? 'This session is not in this phone’s cache yet.' : 'Loading…'}</p>}>
          <Show when={status()}>
            <AvailabilityBanner session={session()!} machine={machine()} status={status()!} />
          </Show>
          <Show when={error()}>
            <p class="error banner" role="alert">{error()}</p>
          </Show>
          <TranscriptView
            messages={transcript().sessionId === id() ? transcript().messages : []}
            outbox={myOutbox()}
            actions={actions}
            superseded={superseded()}
            hasOlder={transcript().hasOlder}
            loadingOlder={transcript().loadingOlder}
            onLoadOlder={() => {
              const r = $runtime.get();
              return r ? loadOlder(r.db, id(), connection() === 'live' ? r.api : null).catch(() => {}) : undefined;
            }}
          />
          <RetryNotice notice={session()!.agentRetry ?? null} active={session()!.status === 'active'} now={now()} />
          <Show when={turnRunning()}>
            <div class="turn-bar" role="status">
              <span>{interrupting() ? 'Interrupting…' : session()!.awaitingPermission ? 'The agent waits for your answer.' : 'The agent is working…'}</span>
              <button
                type="button"
                class="btn small"
                disabled={interrupting() || connection() !== 'live'}
                onClick={() => {
                  setInterrupting(true);
                  void guard(() => interruptSession(id())).then(() => error() && setInterrupting(false));
                }}
              >
                Interrupt
              </button>
            </div>
          </Show>
          <Show when={status()?.block || newWith() !== null}>
            <NewSessionBox session={session()!} initialText={newWith() ?? ''} open={newWith() !== null} onClose={newWith() !== null ? () => setNewWith(null) : undefined} />
          </Show>
          <Show when={status()}>
            <Composer status={status()!} offline={connection() !== 'live'} onSend={send} />
          </Show>
        </Show>
        <Show when={sharing() && session()}>
          <ShareSheet sessionId={id()} title={session()!.title} onClose={() => setSharing(false)} />
        </Show>
        <Show when={confirming()}>
          {(what) => (
            <ConfirmSheet
              title={what() === 'stop' ? 'Stop the agent?' : 'Archive and stop the agent?'}
              sentence={`${turnRunning() ? 'It is working on your message right now; stopping ends its process and the message stays unanswered.' : 'Its process ends.'} ${what() === 'archive' ? 'An archived session is never resumed until you unarchive it. ' : ''}To end only the current turn, use Interrupt instead.`}
              confirm={what() === 'stop' ? 'Stop' : 'Archive'}
              cancel="Keep running"
              danger
              onCancel={() => setConfirming(null)}
              onConfirm={() => {
                const action = what();
                setConfirming(null);
                void guard(() => (action === 'stop' ? stopSession(id()) : archiveSession(id())));
              }}
            />
          )}
        </Show>
      </div>
    </Show>
  );
}
