// The push sender alone, on fake timers and a scripted push service: capped exponential backoff, give-up,
// permanent refusals, and gone endpoints dropped with their subscription.
import { createECDH } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Db } from '../../src/server/db/open-database.ts';
import { createPushEventStore, type PushEventStore } from '../../src/server/push/push-events.ts';
import { createPushSender, type PushSender } from '../../src/server/push/sender.ts';
import { createSubscriptionStore, type SubscriptionStore } from '../../src/server/push/subscriptions.ts';
import { memoryTransport } from '../../src/server/push/transport.ts';
import { loadOrCreateVapidKeys } from '../../src/server/push/vapid-keys.ts';
import { tempHome } from '../helpers/server-harness.ts';

let home: string;
let db: Db;
let events: PushEventStore;
let subs: SubscriptionStore;
let sender: PushSender | null = null;
const logs: string[] = [];

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  home = tempHome();
  db = openDatabase(home);
  db.prepare('INSERT INTO accounts (id, created_at) VALUES (?, 0)').run('acc');
  db.prepare("INSERT INTO devices (id, account_id, kind, name, token_hash, created_at) VALUES ('dev', 'acc', 'phone', 'pixel', 'h', 0)").run();
  events = createPushEventStore(db);
  subs = createSubscriptionStore(db);
});
afterEach(() => {
  sender?.stop();
  sender = null;
  vi.useRealTimers();
  db.close();
  rmSync(home, { recursive: true, force: true });
});

function setUp(statuses: number[], extra: { maxAttempts?: number } = {}) {
  const keys = loadOrCreateVapidKeys(home, (l) => logs.push(l));
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  subs.put({ device_id: 'dev', account_id: 'acc', endpoint: 'https://push.example/abc', p256dh: ecdh.getPublicKey().toString('base64url'), auth: 'AAAAAAAAAAAAAAAAAAAAAA', vapid_public_key: keys.publicKey, created_at: 0 });
  const transport = memoryTransport(statuses);
  sender = createPushSender({ events, subscriptions: subs, transport, keys, contact: () => 'mailto:me@example.com', now: Date.now, log: (l) => logs.push(l), retryBaseMs: 1_000, maxDelayMs: 4_000, ...extra });
  events.insert({ device_id: 'dev', event_id: 'e1', account_id: 'acc', state: 'pending', payload: JSON.stringify({ tag: 'session:s1' }), urgency: 'high' }, Date.now());
  sender.kick();
  return transport;
}

describe('the push sender', () => {
  it('retries 5xx and 429 after 1 s, 2 s, 4 s, then at the 4 s cap, until the push service takes it', async () => {
    const transport = setUp([500, 503, 429, 502, 201]);
    const times: number[] = [];
    const start = Date.now();
    for (let i = 0; i < 200 && transport.requests.length < 5; i++) {
      const before = transport.requests.length;
      await vi.advanceTimersByTimeAsync(100);
      if (transport.requests.length > before) times.push(Date.now() - start);
    }
    // Seen at the end of each 100 ms step: at once, then +1 s, +2 s, +4 s, +4 s (capped).
    expect(times).toEqual([100, 1000, 3000, 7000, 11000]);
    expect(events.get('dev', 'e1')).toMatchObject({ state: 'sent', attempts: 5 });
    expect(transport.requests[0]!.headers).toMatchObject({ 'Content-Encoding': 'aes128gcm', Urgency: 'high', TTL: '43200' });
    expect(transport.requests[0]!.headers.Authorization).toMatch(/^vapid t=.+, k=/);
  });

  it('gives up after the last attempt, marked failed, and sends nothing more', async () => {
    const transport = setUp([500], { maxAttempts: 3 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(transport.requests).toHaveLength(3);
    expect(events.get('dev', 'e1')).toMatchObject({ state: 'failed', attempts: 3, last_error: 'scripted 500' });
  });

  it('a permanent refusal (400) is not retried; a gone endpoint (410) is dropped with its subscription', async () => {
    const refused = setUp([400]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(refused.requests).toHaveLength(1);
    expect(events.get('dev', 'e1')?.state).toBe('failed');
    sender!.stop();

    const gone = memoryTransport([410]);
    const keys = loadOrCreateVapidKeys(home, () => {});
    sender = createPushSender({ events, subscriptions: subs, transport: gone, keys, contact: () => 'mailto:me@example.com', now: Date.now, log: () => {} });
    events.insert({ device_id: 'dev', event_id: 'e2', account_id: 'acc', state: 'pending', payload: '{}', urgency: 'normal' }, Date.now());
    events.insert({ device_id: 'dev', event_id: 'e3', account_id: 'acc', state: 'pending', payload: '{}', urgency: 'normal' }, Date.now() + 1);
    sender.kick();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(gone.requests).toHaveLength(1);
    expect(subs.get('dev')).toBeUndefined();
    expect(events.get('dev', 'e2')?.state).toBe('dropped');
    expect(events.get('dev', 'e3')).toMatchObject({ state: 'dropped', last_error: 'the device has no push subscription' });
  });

  it('a subscription made for other VAPID keys is dropped without a request (the push service would refuse it)', async () => {
    const transport = setUp([201]);
    sender!.stop();
    db.prepare("UPDATE push_subscriptions SET vapid_public_key = 'old-key'").run();
    db.prepare("UPDATE push_events SET state = 'pending', attempts = 0").run();
    const before = transport.requests.length;
    sender = createPushSender({ events, subscriptions: subs, transport, keys: loadOrCreateVapidKeys(home, () => {}), contact: () => 'mailto:me@example.com', now: Date.now, log: () => {} });
    sender.kick();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(transport.requests.length).toBe(before);
    expect(subs.get('dev')).toBeUndefined();
  });
});
