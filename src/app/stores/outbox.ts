// The outbox: every message goes through IndexedDB with a client id, and is sent only to its own session.
import { atom } from 'nanostores';
import type { MessageRecord } from '../../core/records.ts';
import type { ApiClient } from '../lib/api-client.ts';
import type { CacheDb } from '../lib/cache-db.ts';
import { newClientId } from '../lib/client-id.ts';
import { applyMessage, endedUnanswered, expiresAt, type OutboxItem, type OutboxWait } from '../lib/outbox-item.ts';
import { classifySendError } from '../lib/send-refusal.ts';
import { addSuperseded, readSuperseded } from '../lib/superseded.ts';

export type Clock = () => number;

/** The active profile's outbox, for rendering; replaced whenever it changes. */
export const $outbox = atom<readonly OutboxItem[]>([]);
/** Client ids of sends a retry or an edit replaced (their old bubbles are not shown). */
export const $superseded = atom<ReadonlySet<string>>(new Set());

type Listener = (db: CacheDb) => void;
const listeners = new Set<Listener>();
/** Called after any outbox change in `db`; returns a disposer. */
export function onOutboxChange(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
const changed = (db: CacheDb) => listeners.forEach((fn) => fn(db));

export async function listOutbox(db: CacheDb, sessionId?: string): Promise<OutboxItem[]> {
  const all = await db.getAllFromIndex('outbox', 'byOrder');
  return sessionId === undefined ? all : all.filter((i) => i.sessionId === sessionId);
}

async function nextOrder(db: CacheDb): Promise<number> {
  const last = await db.transaction('outbox').store.index('byOrder').openCursor(null, 'prev');
  return last ? last.value.order + 1 : 1;
}

/** Store a message on the phone (state `queued`) before anything touches the network. */
export async function enqueueMessage(db: CacheDb, sessionId: string, text: string, now: Clock = Date.now): Promise<OutboxItem> {
  const t = now();
  const item: OutboxItem = {
    clientId: newClientId(),
    sessionId,
    text,
    state: 'queued',
    failure: null,
    order: await nextOrder(db),
    attempts: 0,
    wait: null,
    messageId: null,
    createdAt: t,
    updatedAt: t,
  };
  await db.put('outbox', item);
  changed(db);
  return item;
}

export interface FlushReport {
  /** Client ids handed to the server in this flush, in order. */
  readonly sent: string[];
  /** Stopped early because the server is out of reach (no answer, 5xx, 429); what is left stays queued. */
  readonly stoppedBy: Exclude<OutboxWait['kind'], 'machine'> | null;
}

const running = new WeakMap<CacheDb, { promise: Promise<FlushReport>; again: boolean }>();

/**
 * Send every queued message, oldest first, one at a time. One flush per database runs at a time;
 * a flush asked for while one runs makes it go round once more, so nothing is sent twice in parallel.
 */
export function flushOutbox(db: CacheDb, api: ApiClient, now: Clock = Date.now): Promise<FlushReport> {
  const current = running.get(db);
  if (current) {
    current.again = true;
    return current.promise;
  }
  const run = { promise: Promise.resolve<FlushReport>({ sent: [], stoppedBy: null }), again: false };
  run.promise = (async () => {
    const sent: string[] = [];
    let stoppedBy: FlushReport['stoppedBy'] = null;
    try {
      do {
        run.again = false;
        stoppedBy = await flushOnce(db, api, now, sent);
      } while (run.again && stoppedBy === null);
    } finally {
      running.delete(db);
    }
    return { sent, stoppedBy };
  })();
  running.set(db, run);
  return run.promise;
}

/** Waiting to be handed to the server: queued, or sent with no answer yet (a crash or lost reply). */
const needsSending = (i: OutboxItem) => i.state === 'queued' || (i.state === 'sending' && i.messageId === null);

async function flushOnce(db: CacheDb, api: ApiClient, now: Clock, sent: string[]): Promise<FlushReport['stoppedBy']> {
  // A session whose message waits for its machine: its later messages wait behind it, so the order holds.
  const waitingSessions = new Set<string>();
  for (const queued of (await listOutbox(db)).filter(needsSending)) {
    // Re-read: the user may have discarded or edited it while an earlier one was in flight.
    const item = await db.get('outbox', queued.clientId);
    if (!item || !needsSending(item) || waitingSessions.has(item.sessionId)) continue;
    if (now() >= expiresAt(item)) {
      // Waited as long as a message may (the server holds one for the same time): not delivered, text kept.
      const failure = { code: 'expired', detail: 'it could not be sent within 24 h' };
      await update(db, item.clientId, (i) => ({ ...i, state: 'failed', failure, wait: null, updatedAt: now() }));
      continue;
    }
    await put(db, { ...item, state: 'sending', attempts: item.attempts + 1, updatedAt: now() });
    sent.push(item.clientId);
    try {
      // The URL names the item's own session; the client is the item's own server profile.
      const res = await api.call('sendMessage', { id: item.sessionId, body: { clientId: item.clientId, text: item.text } });
      await settle(db, item.clientId, res.message, now);
    } catch (e) {
      const refusal = classifySendError(e, now(), item.wait);
      if (refusal.kind === 'fail') {
        await update(db, item.clientId, (i) => ({ ...i, state: 'failed', failure: refusal.failure, wait: null, updatedAt: now() }));
        continue;
      }
      await update(db, item.clientId, (i) => ({ ...i, state: 'queued', wait: refusal.wait, updatedAt: now() }));
      if (refusal.stopsFlush) return refusal.wait.kind as FlushReport['stoppedBy'];
      waitingSessions.add(item.sessionId);
    }
  }
  return null;
}

async function settle(db: CacheDb, clientId: string, message: MessageRecord, now: Clock): Promise<void> {
  await update(db, clientId, (i) => ({ ...applyMessage(i, message, now()), messageId: message.id }));
}

/**
 * Apply a message the server reported (HTTP or socket) to the outbox item with its client id.
 * Only an item of the same session moves; an answered one leaves the outbox (the transcript has it).
 */
export async function applyServerMessage(db: CacheDb, message: MessageRecord, now: Clock = Date.now): Promise<void> {
  if (message.role !== 'user' || !message.clientId || message.state === null) return;
  const item = await db.get('outbox', message.clientId);
  if (!item || item.sessionId !== message.sessionId) return;
  const next = { ...applyMessage(item, message, now()), messageId: message.id };
  if (next.state === 'answered') await db.delete('outbox', item.clientId);
  else await db.put('outbox', next);
  changed(db);
}

/**
 * Try again. A transiently queued message keeps its client id (the server may already hold it). A
 * message that failed for good gets a new client id: the server keeps the failed one as it was.
 */
export async function retryMessage(db: CacheDb, clientId: string, now: Clock = Date.now): Promise<OutboxItem | null> {
  const item = await db.get('outbox', clientId);
  if (!item) return null;
  if (!endedUnanswered(item.state)) return item;
  return requeueFresh(db, item, item.text, now);
}

/** Whether editing is safe: never sent, or failed for good. Editing a maybe-received text could deliver both. */
export const canEdit = (i: OutboxItem) => (i.state === 'queued' && i.attempts === 0) || endedUnanswered(i.state);
export const canDiscard = (i: OutboxItem) => i.state === 'queued' || endedUnanswered(i.state);
/** A message the server holds for its offline machine can be called off there (then it is failed, text kept). */
export const canCancel = (i: OutboxItem) => i.state === 'waiting' && i.messageId !== null;

/** Call off a held message on the server; the answer (failed `cancelled`, or its newer state if it left already) is applied. */
export async function cancelMessage(db: CacheDb, api: ApiClient, clientId: string, now: Clock = Date.now): Promise<OutboxItem | null> {
  const item = await db.get('outbox', clientId);
  if (!item || !canCancel(item)) return null;
  const res = await api.call('cancelMessage', { id: item.sessionId, messageId: item.messageId! });
  await applyServerMessage(db, res.message, now);
  return (await db.get('outbox', clientId)) ?? null;
}

export async function editMessage(db: CacheDb, clientId: string, text: string, now: Clock = Date.now): Promise<OutboxItem | null> {
  const item = await db.get('outbox', clientId);
  if (!item || !canEdit(item)) return null;
  if (endedUnanswered(item.state)) return requeueFresh(db, item, text, now);
  const next = { ...item, text, updatedAt: now() };
  await put(db, next);
  return next;
}

export async function discardMessage(db: CacheDb, clientId: string): Promise<boolean> {
  const item = await db.get('outbox', clientId);
  if (!item || !canDiscard(item)) return false;
  await db.delete('outbox', clientId);
  changed(db);
  return true;
}

async function requeueFresh(db: CacheDb, old: OutboxItem, text: string, now: Clock): Promise<OutboxItem> {
  const t = now();
  // The failed bubble gives way to the new send instead of staying beside a copy of it.
  if (typeof localStorage !== 'undefined') $superseded.set(addSuperseded(db.name, old.clientId));
  const item: OutboxItem = { ...old, clientId: newClientId(), text, state: 'queued', failure: null, attempts: 0, wait: null, heldUntil: null, seq: null, messageId: null, order: await nextOrder(db), createdAt: t, updatedAt: t };
  const tx = db.transaction('outbox', 'readwrite');
  await Promise.all([tx.store.delete(old.clientId), tx.store.put(item), tx.done]);
  changed(db);
  return item;
}

async function put(db: CacheDb, item: OutboxItem): Promise<void> {
  await db.put('outbox', item);
  changed(db);
}

async function update(db: CacheDb, clientId: string, fn: (i: OutboxItem) => OutboxItem): Promise<void> {
  const item = await db.get('outbox', clientId);
  if (item) await put(db, fn(item));
}

/** Reload `$outbox` from the active profile's database. */
export async function loadOutbox(db: CacheDb): Promise<void> {
  $outbox.set(await listOutbox(db));
  if (typeof localStorage !== 'undefined') $superseded.set(readSuperseded(db.name));
}
