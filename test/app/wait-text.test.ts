// What a waiting message says it waits for: the machine by name, times phrased for people, never ISO.
import { describe, expect, it } from 'vitest';
import type { OutboxItem } from '../../src/app/lib/outbox-item.ts';
import type { UserEntry } from '../../src/app/lib/transcript-rows.ts';
import { waitText } from '../../src/app/lib/wait-text.ts';

const now = new Date(2026, 11, 1, 10, 0).getTime();
const item = (over: Partial<OutboxItem> = {}): OutboxItem => ({
  clientId: 'c', sessionId: 'S1', text: 'x', state: 'queued', failure: null, order: 1, attempts: 1, wait: null, messageId: null, createdAt: now - 60_000, updatedAt: now, ...over,
});
const entry = (i: OutboxItem, heldUntil: number | null = null): UserEntry => ({ text: i.text, state: i.state, failure: null, item: i, wait: i.wait ?? null, heldUntil });
const laptop = { name: 'laptop', online: false, lastSeenAt: now - 2 * 60_000 };

describe('wait text', () => {
  it('a message the server holds names its machine, when it was last seen and when the hold ends', () => {
    const e = entry(item({ state: 'waiting', messageId: 'm1' }), new Date(2026, 11, 2, 9, 59).getTime());
    expect(waitText(e, { machine: laptop, deviceOffline: false, fresh: true, now })).toBe('waiting for “laptop” — last seen 2 min ago · gives up tomorrow at 09:59');
    expect(waitText(e, { machine: { ...laptop, online: true }, deviceOffline: false, fresh: true, now })).toMatch(/^“laptop” is back — sending it through the same session/);
    // A cached "online" is not news: while not live, the phone does not claim the machine is back.
    expect(waitText(e, { machine: { ...laptop, online: true }, deviceOffline: false, fresh: false, now })).toMatch(/^waiting for “laptop”/);
  });

  it('a message queued on the phone says whether it waits for the network, the server or the machine', () => {
    expect(waitText(entry(item()), { machine: laptop, deviceOffline: true, fresh: false, now })).toMatch(/^waiting for the network · gives up tomorrow at 09:59$/);
    expect(waitText(entry(item({ wait: { kind: 'network', since: now - 5 * 60_000 } })), { machine: laptop, deviceOffline: false, fresh: true, now }))
      .toMatch(/^waiting for the server — not reachable since 5 min ago; tries again by itself/);
    expect(waitText(entry(item({ wait: { kind: 'server', since: now, status: 503 } })), { machine: laptop, deviceOffline: false, fresh: true, now })).toMatch(/it answered 503 just now/);
    expect(waitText(entry(item({ wait: { kind: 'machine', since: now, machine: 'laptop', lastSeenAt: now - 3 * 60_000 } })), { machine: null, deviceOffline: false, fresh: true, now }))
      .toMatch(/^waiting for “laptop” — last seen 3 min ago/);
    expect(waitText(entry(item()), { machine: laptop, deviceOffline: false, fresh: true, now })).toBeNull();
  });

  it('never shows an ISO timestamp', () => {
    for (const wait of [{ kind: 'network', since: 0 }, { kind: 'server', since: 0, status: 500 }, { kind: 'rate-limited', since: 0 }, { kind: 'machine', since: 0, machine: null, lastSeenAt: 0 }] as const) {
      expect(waitText(entry(item({ wait })), { machine: null, deviceOffline: false, fresh: true, now })).not.toMatch(/\d{4}-\d\d-\d\dT/);
    }
  });
});
