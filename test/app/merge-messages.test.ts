// Merging pages into the transcript keeps what did not change as it was: the rows (and the focus in them) stay.
import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../src/core/records.ts';
import { mergeMessages } from '../../src/app/lib/merge-messages.ts';

const msg = (id: string, seq: number, updatedAt: number, text = `text ${id}`): MessageRecord => ({
  id, sessionId: 'ses_1', seq, role: 'agent', text, clientId: null, state: null, failure: null, tool: null, permission: null, createdAt: 1, updatedAt,
});

describe('mergeMessages', () => {
  it('keeps the object of a message the page repeats unchanged (a copy read again from the server)', () => {
    const cached = [msg('a', 1, 10), msg('b', 2, 20)];
    const merged = mergeMessages(cached, [msg('a', 1, 10), msg('b', 2, 20), msg('c', 3, 30)]);
    expect(merged[0]).toBe(cached[0]);
    expect(merged[1]).toBe(cached[1]);
    expect(merged.map((m) => m.id)).toEqual(['a', 'b', 'c']);
  });

  it('takes a newer version, and a different one stamped the same millisecond; never an older one', () => {
    const cached = [msg('a', 1, 10), msg('b', 2, 20), msg('c', 3, 30)];
    const newer = msg('a', 1, 11, 'edited');
    const sameTime = msg('b', 2, 20, 'tool finished');
    const older = msg('c', 3, 29, 'stale');
    const merged = mergeMessages(cached, [newer, sameTime, older]);
    expect(merged[0]).toBe(newer);
    expect(merged[1]).toBe(sameTime);
    expect(merged[2]).toBe(cached[2]);
  });
});
