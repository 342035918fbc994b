// The push sender: works through pending push events off the request path, encrypting each for its device's
// subscription (RFC 8291, VAPID RFC 8292) and retrying with capped exponential backoff; expired endpoints are dropped.
import { createHash } from 'node:crypto';
import webpush from 'web-push';
import type { PushEventRow, PushEventStore } from './push-events.ts';
import type { SubscriptionStore } from './subscriptions.ts';
import type { PushTransport } from './transport.ts';
import type { VapidKeys } from './vapid-keys.ts';

export interface SenderOptions {
  readonly events: PushEventStore;
  readonly subscriptions: SubscriptionStore;
  readonly transport: PushTransport;
  readonly keys: VapidKeys;
  /** The VAPID `sub` claim: a mailto: or https: contact for the push service's operator. */
  readonly contact: () => string;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** First retry after this long, doubling each time up to `maxDelayMs` (defaults 2 s, 5 min). */
  readonly retryBaseMs?: number;
  readonly maxDelayMs?: number;
  /** Attempts before an event is given up as failed (default 10, about 14 minutes of trying). */
  readonly maxAttempts?: number;
  /** Requests in flight at once (default 4): one slow push service does not hold up the others. */
  readonly concurrency?: number;
}

export interface PushSender {
  /** Something was queued (or the sender just started): look for due events soon, never on the caller's stack. */
  kick(): void;
  /** Resolves once nothing is in flight and nothing is due now (tests). */
  idle(): Promise<void>;
  stop(): void;
}

/** How long a push service keeps a message for a phone that is offline. */
const TTL_SECONDS = 12 * 3600;

export function createPushSender(o: SenderOptions): PushSender {
  const base = o.retryBaseMs ?? 2_000;
  const maxDelay = o.maxDelayMs ?? 5 * 60_000;
  const maxAttempts = o.maxAttempts ?? 10;
  const concurrency = o.concurrency ?? 4;
  const inFlight = new Set<string>();
  const abort = new AbortController();
  let stopped = false;
  let scheduled: NodeJS.Immediate | null = null;
  let timer: NodeJS.Timeout | null = null;
  let idleWaiters: (() => void)[] = [];

  const keyOf = (r: PushEventRow) => `${r.device_id}\n${r.event_id}`;

  function kick(): void {
    if (stopped || scheduled) return;
    scheduled = setImmediate(pass);
  }

  function pass(): void {
    scheduled = null;
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = null;
    const now = o.now();
    for (const row of o.events.due(now, concurrency * 4)) {
      if (inFlight.size >= concurrency) break;
      if (inFlight.has(keyOf(row))) continue;
      inFlight.add(keyOf(row));
      void send(row).finally(() => {
        inFlight.delete(keyOf(row));
        kick();
      });
    }
    if (inFlight.size > 0) return; // each completion looks again
    const next = o.events.nextDue();
    if (next === null) {
      for (const w of idleWaiters.splice(0)) w();
      return;
    }
    timer = setTimeout(pass, Math.max(0, next - o.now()));
    timer.unref();
    if (next > now) for (const w of idleWaiters.splice(0)) w();
  }

  async function send(row: PushEventRow): Promise<void> {
    const sub = o.subscriptions.liveOfDevice(row.device_id);
    if (!sub) return o.events.finish(row, 'dropped', 'the device has no push subscription', false, o.now());
    if (sub.vapid_public_key !== o.keys.publicKey) {
      // Made for keys this server no longer has: the push service would refuse every message.
      o.subscriptions.removeIfEndpoint(sub.device_id, sub.endpoint);
      return o.events.finish(row, 'dropped', 'the subscription was made for other VAPID keys', false, o.now());
    }
    let details: ReturnType<typeof webpush.generateRequestDetails>;
    try {
      details = webpush.generateRequestDetails({ endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } }, row.payload, {
        vapidDetails: { subject: o.contact(), publicKey: o.keys.publicKey, privateKey: o.keys.privateKey },
        TTL: TTL_SECONDS,
        urgency: row.urgency,
        contentEncoding: 'aes128gcm',
        topic: topicOf(row.payload),
      });
    } catch (err) {
      o.log(`push: cannot encrypt for device ${row.device_id}: ${(err as Error).message}`);
      return o.events.finish(row, 'failed', (err as Error).message, true, o.now());
    }
    const headers = Object.fromEntries(Object.entries(details.headers).map(([k, v]) => [k, String(v)]));
    const answer = await o.transport.post({ endpoint: details.endpoint, headers, body: details.body ? new Uint8Array(details.body) : null }, abort.signal);
    if (stopped) return;
    const now = o.now();
    const s = answer.status;
    if (s >= 200 && s < 300) return o.events.finish(row, 'sent', null, true, now);
    if (s === 404 || s === 410) {
      // The browser unsubscribed or the subscription expired: it will never work again.
      o.subscriptions.removeIfEndpoint(sub.device_id, sub.endpoint);
      o.log(`push: endpoint of device ${row.device_id} is gone (${s}); subscription dropped`);
      return o.events.finish(row, 'dropped', `endpoint gone (${s})`, true, now);
    }
    const transient = s === 0 || s === 408 || s === 429 || s >= 500;
    if (!transient || row.attempts + 1 >= maxAttempts) {
      o.log(`push: giving up on ${row.event_id} for device ${row.device_id}: ${answer.error ?? s}`);
      return o.events.finish(row, 'failed', answer.error ?? `status ${s}`, true, now);
    }
    const delay = Math.max(Math.min(maxDelay, base * 2 ** row.attempts), answer.retryAfterMs ?? 0);
    o.events.retryAt(row, now + delay, answer.error ?? `status ${s}`, now);
  }

  return {
    kick,
    idle() {
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        kick();
      });
    },
    stop() {
      stopped = true;
      abort.abort();
      if (scheduled) clearImmediate(scheduled);
      if (timer) clearTimeout(timer);
      for (const w of idleWaiters.splice(0)) w();
      idleWaiters = [];
    },
  };
}

/** The push service keeps only the newest undelivered message per topic: one per notification tag, like the phone. */
function topicOf(payload: string): string {
  let tag = 'baton';
  try {
    tag = (JSON.parse(payload) as { tag?: string }).tag ?? tag;
  } catch {
    // a payload is always our JSON; the default topic is harmless
  }
  return createHash('sha256').update(tag).digest('base64url').slice(0, 32);
}
