// Web Push for the server: VAPID keys, phones' subscriptions and settings, the commit observer that queues
// notifications, and the sender. The routes (http/routes-push.ts) and device revocation talk to it.
import {
  BatonError, type PushSettings, type PushSettingsPatch, type PushStatusRecord, type PushSubscriptionBody,
} from '../../core/index.ts';
import type { DeviceAuth } from '../auth.ts';
import type { ServerContext } from '../context.ts';
import { createPushFacts } from './facts.ts';
import { createNotifier, type Notifier, type Presence } from './notifier.ts';
import { createPushEventStore, type PushEventStore } from './push-events.ts';
import { createPushSender, type PushSender } from './sender.ts';
import { createSubscriptionStore } from './subscriptions.ts';
import { fetchTransport, type PushTransport } from './transport.ts';
import { loadOrCreateSharedVapidKeys, loadOrCreateVapidKeys } from './vapid-keys.ts';

export interface PushOptions {
  /** The VAPID contact (mailto: or https:); default the public URL when it is https, else mailto:baton@localhost. */
  readonly contact?: string;
  readonly retryBaseMs?: number;
  readonly maxDelayMs?: number;
  readonly maxAttempts?: number;
  /** How long a machine stays offline before "machine offline" notifies (default 30 000). */
  readonly machineOfflineGraceMs?: number;
  /** false: queue notifications but never send them, and arm no timers (database-diffing tests). Default true. */
  readonly background?: boolean;
  /** The push service client (default Node's fetch, 10 s per request). */
  readonly transport?: PushTransport;
  /** With other instances: how long a claimed event is this instance's to send (default `CLAIM_MS`, 15 s). */
  readonly claimMs?: number;
}

export interface PushService {
  status(who: DeviceAuth): PushStatusRecord;
  subscribe(who: DeviceAuth, body: PushSubscriptionBody): { endpoint: string; createdAt: number };
  unsubscribe(who: DeviceAuth): void;
  updateSettings(who: DeviceAuth, patch: PushSettingsPatch): PushSettings;
  sendTest(who: DeviceAuth): { eventId: string };
  /** In the revocation's transaction: the device's subscription and settings go, its queued events are dropped. */
  forgetDevice(deviceId: string): void;
  readonly notifier: Notifier;
  readonly events: PushEventStore;
  /** Looks for due events now (another instance may have queued them, or died before sending them). */
  poll(): void;
  /** Resolves when the sender has nothing in flight or due (tests). */
  idle(): Promise<void>;
  stop(): void;
}

export function createPushService(ctx: ServerContext, home: string, presence: Presence, options: PushOptions = {}): PushService {
  const keys = ctx.db.shared ? loadOrCreateSharedVapidKeys(ctx.db, home, ctx.log) : loadOrCreateVapidKeys(home, ctx.log);
  const subscriptions = createSubscriptionStore(ctx.db);
  const events = createPushEventStore(ctx.db, options.claimMs);
  const background = options.background ?? true;
  const contact = () => options.contact ?? defaultContact(ctx.publicUrl());
  const sender: PushSender = createPushSender({
    events, subscriptions, keys, contact, now: ctx.now, log: ctx.log, transport: options.transport ?? fetchTransport(),
    ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
    ...(options.maxDelayMs !== undefined ? { maxDelayMs: options.maxDelayMs } : {}),
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
  });
  const notifier = createNotifier({
    db: ctx.db, facts: createPushFacts(ctx.db), subscriptions, events, presence, now: ctx.now, log: ctx.log,
    queued: () => background && sender.kick(),
    machineOfflineGraceMs: options.machineOfflineGraceMs ?? 30_000, background,
  });
  const unobserve = ctx.observeCommits((changes) => notifier.onCommit(changes));
  if (background) {
    events.prune(ctx.now());
    // Events queued by a process that stopped (or was killed) before sending them.
    sender.kick();
  }

  const phoneOnly = (who: DeviceAuth) => {
    if (who.kind !== 'phone') throw new BatonError('forbidden', 'only a phone paired with the app can receive notifications');
  };

  return {
    notifier,
    events,
    status(who) {
      const sub = subscriptions.get(who.deviceId);
      return {
        vapidPublicKey: keys.publicKey,
        subscription: sub && sub.vapid_public_key === keys.publicKey ? { endpoint: sub.endpoint, createdAt: sub.created_at } : null,
        settings: subscriptions.settings(who.deviceId),
      };
    },
    subscribe(who, body) {
      phoneOnly(who);
      checkEndpoint(body.endpoint);
      checkKey(body.keys.p256dh, 65, 'keys.p256dh', (b) => b[0] === 4);
      checkKey(body.keys.auth, 16, 'keys.auth');
      const createdAt = ctx.now();
      subscriptions.put({
        device_id: who.deviceId, account_id: who.accountId, endpoint: body.endpoint, p256dh: body.keys.p256dh, auth: body.keys.auth,
        vapid_public_key: keys.publicKey, created_at: createdAt,
      });
      return { endpoint: body.endpoint, createdAt };
    },
    unsubscribe(who) {
      subscriptions.remove(who.deviceId);
      events.dropDevice(who.deviceId, 'the device turned notifications off', ctx.now());
    },
    updateSettings(who, patch) {
      phoneOnly(who);
      return subscriptions.updateSettings(who.deviceId, who.accountId, patch, ctx.now());
    },
    sendTest(who) {
      phoneOnly(who);
      if (!subscriptions.liveOfDevice(who.deviceId)) throw new BatonError('conflict', 'this phone has no push subscription yet; turn notifications on first');
      return { eventId: notifier.test(who.deviceId, who.accountId) };
    },
    forgetDevice(deviceId) {
      subscriptions.remove(deviceId);
      subscriptions.removeSettings(deviceId);
      events.dropDevice(deviceId, 'the device was revoked', ctx.now());
    },
    idle: () => sender.idle(),
    poll: () => void (background && sender.kick()),
    stop() {
      unobserve();
      notifier.stop();
      sender.stop();
    },
  };
}

function defaultContact(publicUrl: string): string {
  try {
    const u = new URL(publicUrl);
    if (u.protocol === 'https:' && u.hostname !== 'localhost') return u.origin;
  } catch {
    // not known yet
  }
  return 'mailto:baton@localhost';
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** Push services are https; plain http is allowed only on this machine's loopback (a local test push service). */
function checkEndpoint(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new BatonError('bad-request', 'invalid body: endpoint: is not a URL');
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname))) return;
  throw new BatonError('bad-request', 'invalid body: endpoint: a push endpoint must be an https:// URL');
}

function checkKey(value: string, bytes: number, field: string, ok: (b: Buffer) => boolean = () => true): void {
  const b = Buffer.from(value.replace(/=+$/, ''), 'base64url');
  if (b.length !== bytes || !ok(b)) throw new BatonError('bad-request', `invalid body: ${field}: must be ${bytes} bytes in base64url`);
}
