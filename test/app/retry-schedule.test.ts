// @vitest-environment node
// The outbox's retry timer on the shared backoff while the server is unreachable, and the one Background Sync registration.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApiClient } from '../../src/app/lib/api-client.ts';
import { OUTBOX_SYNC_TAG, registerOutboxSync, syncEpisodeOver } from '../../src/app/lib/background-sync.ts';
import { openCache } from '../../src/app/lib/cache-db.ts';
import { createRetryTimer } from '../../src/app/lib/retry-timer.ts';
import { enqueueMessage, flushOutbox } from '../../src/app/stores/outbox.ts';
import { createFakeApi } from './fake-api.ts';

/** A virtual clock with a timer queue: time moves only when the test runs the next timer. */
function virtualTime() {
  let now = 0;
  const queue: Array<{ at: number; fn: () => void; id: number }> = [];
  let ids = 0;
  return {
    now: () => now,
    setTimeout: (fn: () => void, ms: number) => {
      const id = ++ids;
      queue.push({ at: now + ms, fn, id });
      queue.sort((a, b) => a.at - b.at);
      return id;
    },
    clearTimeout: (id: unknown) => {
      const i = queue.findIndex((t) => t.id === id);
      if (i >= 0) queue.splice(i, 1);
    },
    /** Runs the next timer if it is due before `until`; false when none is. */
    next(until: number) {
      const t = queue[0];
      if (!t || t.at > until) return false;
      queue.shift();
      now = t.at;
      t.fn();
      return true;
    },
  };
}

describe('retry schedule', () => {
  // Regression (issue 17): with the server unreachable and the phone online, Chromium fired Background Sync as
  // soon as each failed send re-registered it: 760–890 `POST /messages` in 10 s. One timer on the capped backoff now.
  it('asks a few times a minute at most while the server is unreachable, and once it answers, stops', async () => {
    const db = await openCache(`retry-${Math.random()}`);
    const fake = createFakeApi();
    fake.handle(() => 'network-down');
    const api = createApiClient({ server: 'http://laptop.test', token: 't', fetch: fake.fetch });
    const time = virtualTime();
    let flushing: Promise<unknown> = Promise.resolve();
    const flush = () => {
      flushing = flushOutbox(db, api, time.now).then((r) => (r.stoppedBy ? timer.failed() : timer.reset()));
    };
    const timer = createRetryTimer(flush, { now: time.now, setTimeout: time.setTimeout, clearTimeout: time.clearTimeout });
    await enqueueMessage(db, 'S1', 'hello', time.now);
    flush();
    await flushing;
    const postCount = () => fake.calls.filter((c) => c.method === 'POST').length;
    const perMinute: number[] = [];
    for (let minute = 1; minute <= 10; minute++) {
      const before = postCount();
      while (time.next(minute * 60_000)) await flushing;
      perMinute.push(postCount() - before);
    }
    // The first minute climbs the schedule (1, 2, 4, 8, 16 s…); after that it is capped at 30 s with jitter.
    expect(perMinute[0]).toBeLessThanOrEqual(9);
    for (const n of perMinute.slice(1)) expect(n).toBeLessThanOrEqual(4);
    expect(perMinute.slice(1).every((n) => n >= 2)).toBe(true);

    fake.handle(() => undefined);
    while (!fake.stored.size && time.next(Infinity)) await flushing;
    expect(fake.stored.size).toBe(1);
    const total = fake.calls.length;
    expect(timer.pending).toBe(false);
    expect(time.next(Infinity)).toBe(false);
    expect(fake.calls).toHaveLength(total);
  });

  it('keeps one pending try: a failure while one is pending replaces it', () => {
    const time = virtualTime();
    let runs = 0;
    const timer = createRetryTimer(() => runs++, { now: time.now, setTimeout: time.setTimeout, clearTimeout: time.clearTimeout, delay: (n) => 1_000 * (n + 1) });
    timer.failed();
    timer.failed();
    timer.failed();
    expect(timer.nextAt).toBe(3_000);
    while (time.next(Infinity));
    expect(runs).toBe(1);
    timer.reset();
    timer.failed();
    expect(timer.nextAt).toBe(3_000 + 1_000);
  });
});

describe('Background Sync', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    syncEpisodeOver();
  });

  function browserWithSync(tags: string[] = []) {
    const registered: string[] = [];
    const sync = {
      getTags: async () => [...tags, ...registered],
      register: async (tag: string) => void registered.push(tag),
    };
    vi.stubGlobal('navigator', { serviceWorker: { ready: Promise.resolve({ sync }) } });
    return registered;
  }

  it('registers once per outbox episode, however many sends fail', async () => {
    const registered = browserWithSync();
    expect(await registerOutboxSync()).toBe('registered');
    for (let i = 0; i < 50; i++) expect(await registerOutboxSync()).toBe('pending');
    expect(registered).toEqual([OUTBOX_SYNC_TAG]);
  });

  it('never registers again while the browser still holds a registration (it fires it itself)', async () => {
    const registered = browserWithSync([OUTBOX_SYNC_TAG]);
    syncEpisodeOver();
    expect(await registerOutboxSync()).toBe('pending');
    expect(registered).toEqual([]);
  });

  it('falls back to nothing where the engine has no Background Sync (Gecko, WebKit): the retry timer and `online` flush', async () => {
    vi.stubGlobal('navigator', { serviceWorker: { ready: Promise.resolve({}) } });
    expect(await registerOutboxSync()).toBe('unsupported');
    vi.stubGlobal('navigator', {});
    expect(await registerOutboxSync()).toBe('unsupported');
  });
});
