// Session operations shared by commands: fetch, send (the phone's exact path) and wait for a delivery state.
import { randomUUID } from 'node:crypto';
import type { MessageRecord, SessionRecord } from '../../core/index.ts';
import { ApiError, type ApiClient } from './api-client.ts';
import { waitUntil } from './events.ts';

export async function getSession(api: ApiClient, id: string): Promise<SessionRecord> {
  return (await api.call('getSession', { id })).session;
}

/** Waits between tries of one send when the server could not be reached (it may be restarting). */
export const SEND_RETRY_DELAYS_MS = [250, 1_000, 3_000] as const;

/**
 * POST a message with a fresh client id; the server resumes strictly first when the session is inactive.
 * When the request fails before any answer (connection refused or dropped), the server may or may not have
 * stored it, so it is tried again with the same client id: the server answers a repeat with the stored
 * message, so a retry can never make a second copy. A refusal (4xx/5xx) is final.
 */
export async function sendMessage(api: ApiClient, sessionId: string, text: string, delays: readonly number[] = SEND_RETRY_DELAYS_MS): Promise<MessageRecord> {
  const body = { clientId: `cli-${randomUUID()}`, text };
  for (let attempt = 0; ; attempt++) {
    try {
      return (await api.call('sendMessage', { id: sessionId, body })).message;
    } catch (e) {
      if (e instanceof ApiError || attempt >= delays.length) throw e;
      await new Promise((r) => setTimeout(r, delays[attempt]));
    }
  }
}

export async function getMessage(api: ApiClient, sessionId: string, m: Pick<MessageRecord, 'id' | 'seq'>): Promise<MessageRecord | null> {
  const page = await api.call('listMessages', { id: sessionId, query: { after: m.seq - 1, limit: 1 } });
  return page.messages.find((x) => x.id === m.id) ?? null;
}

export type WaitTarget = 'accepted' | 'delivered' | 'answered';
const RANK: Record<string, number> = { held: 0, accepted: 0, 'awaiting-resume': 0, delivered: 1, answered: 2, unanswered: 2 };

/** Resolves with the message once it reached `target` (or beyond) or failed. */
export async function waitForMessage(api: ApiClient, sessionId: string, m: MessageRecord, target: WaitTarget, timeoutMs: number): Promise<MessageRecord> {
  const reached = (x: MessageRecord) => x.state === 'failed' || (RANK[x.state ?? ''] ?? -1) >= (target === 'accepted' ? 0 : RANK[target]!);
  if (target === 'accepted' || reached(m)) return m;
  return waitUntil(api, async () => {
    const cur = await getMessage(api, sessionId, m);
    return cur && reached(cur) ? cur : null;
  }, timeoutMs, `message ${m.id} to be ${target}`);
}
