// @vitest-environment node
// A session's transcript: cache first, caught up by seq, older pages on demand, live frames with gap detection.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../../src/app/lib/api-client.ts';
import { openCache, writeMessages } from '../../src/app/lib/cache-db.ts';
import { $transcript, applyLiveMessage, loadOlder, openTranscript, PAGE } from '../../src/app/stores/transcript.ts';
import { createFakeApi } from './fake-api.ts';
import { agentMessage } from './records.ts';

function serverWith(count: number) {
  const all = Array.from({ length: count }, (_, i) => agentMessage('S1', i + 1));
  const fake = createFakeApi();
  fake.handle((req) => {
    const u = new URL(req.url);
    const limit = Number(u.searchParams.get('limit'));
    if (u.searchParams.has('before')) {
      const before = Number(u.searchParams.get('before'));
      const page = all.filter((m) => m.seq < before).slice(-limit);
      return { status: 200, body: { messages: page, hasMore: (page[0]?.seq ?? 1) > 1 } };
    }
    const after = Number(u.searchParams.get('after'));
    const page = all.filter((m) => m.seq > after).slice(0, limit);
    return { status: 200, body: { messages: page, hasMore: (page.at(-1)?.seq ?? count) < count } };
  });
  return { fake, all, api: createApiClient({ server: 'http://laptop.test', token: 't', fetch: fake.fetch }) };
}
const seqs = () => $transcript.get().messages.map((m) => m.seq);

describe('transcript', () => {
  it('opens a long session on its newest page only, then pages older ones in', async () => {
    const db = await openCache('t-long');
    const { api, fake } = serverWith(120);
    await openTranscript(db, 'S1', api);
    expect(seqs()).toEqual(Array.from({ length: PAGE }, (_, i) => 71 + i));
    expect($transcript.get().hasOlder).toBe(true);
    expect(fake.calls).toHaveLength(1);
    await loadOlder(db, 'S1', api);
    expect(seqs()[0]).toBe(21);
    await loadOlder(db, 'S1', api);
    expect(seqs()[0]).toBe(1);
    expect($transcript.get().hasOlder).toBe(false);
  });

  it('paints from the cache with no network, and catches up from the last cached seq when online', async () => {
    const db = await openCache('t-cache');
    await writeMessages(db, [1, 2, 3].map((s) => agentMessage('S1', s)));
    await openTranscript(db, 'S1', null);
    expect(seqs()).toEqual([1, 2, 3]);
    expect($transcript.get().fromServer).toBe(false);
    const { api, fake } = serverWith(5);
    await openTranscript(db, 'S1', api);
    expect(seqs()).toEqual([1, 2, 3, 4, 5]);
    expect(fake.calls[0]!.url).toContain('after=0');
  });

  it('shows live messages of the open session and reports a skipped seq so the caller catches up', async () => {
    const db = await openCache('t-live');
    await writeMessages(db, [agentMessage('S1', 1)]);
    await openTranscript(db, 'S1', null);
    expect(await applyLiveMessage(db, agentMessage('S1', 2))).toBe(false);
    expect(await applyLiveMessage(db, agentMessage('S1', 4))).toBe(true);
    expect(await applyLiveMessage(db, agentMessage('S2', 9))).toBe(false);
    expect(seqs()).toEqual([1, 2, 4]);
  });
});
