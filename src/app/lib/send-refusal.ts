// Why a send did not go through, sorted: worth waiting for (the network, a busy server, an offline machine) or final.
import { ApiError, NetworkError } from './api-client.ts';
import type { OutboxWait } from './outbox-item.ts';

export type SendRefusal =
  /** Transient: the message stays queued. `stopsFlush`: the whole server is out of reach, so nothing else is tried now. */
  | { readonly kind: 'wait'; readonly wait: OutboxWait; readonly stopsFlush: boolean }
  /** Final: not delivered, with the reason and the sentence to show; the text is kept. */
  | { readonly kind: 'fail'; readonly failure: { readonly code: string; readonly detail: string } };

/**
 * Sort a failed `POST /messages`. Only what clears by itself waits: no answer, 5xx/408, 429, and a
 * `machine-offline` refusal (a server that holds messages never sends one; an older one might). Every other
 * refusal — archived, not managed, no resume id, backend unsupported or disabled, dependency missing, not
 * found, unauthorized — needs a person, so it ends the message at once.
 * `since`: when the wait began, kept across tries so "unreachable since 10:02" stays true.
 */
export function classifySendError(e: unknown, now: number, previous: OutboxWait | null | undefined): SendRefusal {
  const since = (kind: OutboxWait['kind']) => (previous?.kind === kind ? previous.since : now);
  if (e instanceof NetworkError) return { kind: 'wait', wait: { kind: 'network', since: since('network') }, stopsFlush: true };
  if (e instanceof ApiError) {
    if (e.status === 429) return { kind: 'wait', wait: { kind: 'rate-limited', since: since('rate-limited') }, stopsFlush: true };
    if (e.transient) return { kind: 'wait', wait: { kind: 'server', since: since('server'), status: e.status }, stopsFlush: true };
    if (e.body.kind === 'blocked' && e.body.reason === 'machine-offline') {
      const detail = e.body.availability?.state === 'blocked' ? (e.body.availability.detail ?? null) : null;
      return { kind: 'wait', wait: { kind: 'machine', since: since('machine'), machine: detail, lastSeenAt: e.body.lastSeenAt ?? null }, stopsFlush: false };
    }
    return { kind: 'fail', failure: { code: e.body.reason ?? e.body.kind, detail: e.body.sentence ?? e.body.message } };
  }
  return { kind: 'fail', failure: { code: 'client-error', detail: e instanceof Error ? e.message : String(e) } };
}
