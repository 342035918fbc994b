// One session: availability banner, transcript (paged, streamed), the composer and the outbox.
import { A, useParams, useSearchParams, useNavigate } from '@solidjs/router';
import { useStore } from '@nanostores/solid';
import { createEffect, createMemo, createSignal, on, onCleanup, Show, type JSX } from 'solid-js';
import { AvailabilityBanner } from '../components/availability-banner.tsx';
import { Composer } from '../components/composer.tsx';
import { FreshnessLine } from '../components/freshness-line.tsx';
import type { MessageActions } from '../components/message-item.tsx';
import { NewSessionBox } from '../components/new-session-box.tsx';
import { RetryNotice } from '../components/retry-notice.tsx';
import { ShareSheet } from '../components/share-sheet.tsx';
import { StatusChip } from '../components/status-chip.tsx';
import { TranscriptView } from '../components/transcript-view.tsx';
import { errorGuard } from '../lib/api-client.ts';
import { createAtomSignal } from '../lib/atom-signal.ts';
import { $now } from '../stores/clock.ts';
import { $outbox, discardMessage, editMessage } from '../stores/outbox.ts';
import { $activeProfile, profileForServer, switchProfile } from '../stores/profiles.ts';
import { $runtime } from '../stores/runtime.ts';
import { answerPermission, archiveSession, cancelWaiting, retry, sendMessage, stopSession } from '../stores/session-actions.ts';
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
  const now = useStore($now);
  const [sharing, setSharing] = createSignal(false);
  const [newWith, setNewWith] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);

  const id = () => decodeURIComponent(params.id);
  const session = () => sessions()[id()];
  const machine = () => (session() ? machines()[session()!.machineId] : undefined);
  const status = createMemo(() => (session() ? sessionStatus(session()!, machine(), settings(), connection() === 'live', now()) : null));
  const myOutbox = createMemo(() => outbox().filter((i) => i.sessionId === id()));

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
    answer: (permissionId, decision) => void guard(() => answerPermission(id(), permissionId, decision)),
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
                    <button type="button" class="btn small" onClick={() => void guard(() => stopSession(id()))}>Stop</button>
                  </Show>
                  <button type="button" class="btn small" onClick={() => void guard(() => archiveSession(id()))}>Archive</button>
                </Show>
              </div>
            </div>
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
            hasOlder={transcript().hasOlder}
            loadingOlder={transcript().loadingOlder}
            onLoadOlder={() => {
              const r = $runtime.get();
              return r ? loadOlder(r.db, id(), connection() === 'live' ? r.api : null).catch(() => {}) : undefined;
            }}
          />
          <RetryNotice notice={session()!.agentRetry ?? null} active={session()!.status === 'active'} now={now()} />
          <Show when={status()?.block || newWith() !== null}>
            <NewSessionBox session={session()!} initialText={newWith() ?? ''} open={newWith() !== null} onClose={newWith() !== null ? () => setNewWith(null) : undefined} />
          </Show>
          <Show when={status()}>
            <Composer status={status()!} offline={connection() !== 'live'} onSend={(text) => guard(() => sendMessage(id(), text))} />
          </Show>
        </Show>
        <Show when={sharing() && session()}>
          <ShareSheet sessionId={id()} title={session()!.title} onClose={() => setSharing(false)} />
        </Show>
      </div>
    </Show>
  );
}
