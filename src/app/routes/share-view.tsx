// A read-only share link: the live transcript, no pairing, no composer.
import { useParams, useSearchParams } from '@solidjs/router';
import { createSignal, onCleanup, onMount, Show, type JSX } from 'solid-js';
import type { MessageRecord, SharedSessionRecord } from '../../core/records.ts';
import { TranscriptView } from '../components/transcript-view.tsx';
import { createApiClient, errorText, normalizeServer } from '../lib/api-client.ts';
import { connectEvents } from '../lib/events-socket.ts';
import { formatClock } from '../lib/time.ts';
import { mergeMessages } from '../lib/merge-messages.ts';

export default function ShareView(): JSX.Element {
  const params = useParams<{ token: string }>();
  const [search] = useSearchParams<{ server?: string }>();
  const [session, setSession] = createSignal<SharedSessionRecord | null>(null);
  const [messages, setMessages] = createSignal<MessageRecord[]>([]);
  const [error, setError] = createSignal<string | null>(null);
  const [live, setLive] = createSignal(false);
  const [asOf, setAsOf] = createSignal<number | null>(null);

  const norm = search.server ? normalizeServer(search.server) : null;
  const server = norm && norm.ok ? norm.server : window.location.origin;
  const token = () => decodeURIComponent(params.token);
  // The share token as a bearer: never in a request path, where proxies and access logs keep it.
  const api = createApiClient({ server, token: token() });

  const load = async () => {
    try {
      const res = await api.call('readShared');
      setSession(res.session);
      setMessages((old) => mergeMessages(old, res.messages));
      setAsOf(Date.now());
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  };

  onMount(() => {
    void load();
    const socket = connectEvents({
      server,
      auth: { shareToken: token() },
      onState: (s) => setLive(s === 'open'),
      onFrame: (f) => {
        if (f.type === 'welcome' || f.type === 'changed') void load();
        else if (f.type === 'message') setMessages((old) => mergeMessages(old, [f.message]));
      },
    });
    onCleanup(socket.stop);
  });

  return (
    <div class="session-screen share-screen">
      <header class="topbar">
        <div class="topbar-title">
          <h1 class="session-title">{session()?.title || 'Shared session'}</h1>
          <span class="chip chip-offline">read-only</span>
        </div>
        <Show when={session()}>
          <div class="session-sub">
            <span class="muted small mono">{session()!.provider} · {session()!.backend}</span>
          </div>
        </Show>
        <Show when={live()} fallback={<p class="freshness stale" role="status">offline — {asOf() ? `as of ${formatClock(asOf()!)}` : 'not loaded'}</p>}>
          <p class="freshness live" role="status"><span class="dot" aria-hidden="true" />Live</p>
        </Show>
      </header>
      <Show when={error()}>
        <p class="error banner" role="alert">{error()}</p>
      </Show>
      <TranscriptView messages={messages()} outbox={[]} actions={null} hasOlder={false} loadingOlder={false} onLoadOlder={() => {}} />
      <footer class="share-footer muted small">Shared read-only with Baton. You can watch, not send.</footer>
    </div>
  );
}
