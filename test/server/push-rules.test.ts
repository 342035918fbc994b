// The push rules alone: committed message rows in, notices out — which changes notify, with which stable id.
import { describe, expect, it } from 'vitest';
import type { CommittedChanges } from '../../src/server/context.ts';
import { machineOfflineNotice, noticesOf, type RuleFacts } from '../../src/server/push/rules.ts';
import type { MessageRow } from '../../src/server/store/messages.ts';

const facts: RuleFacts = {
  session: (id) => (id === 'gone' ? undefined : { title: `Session ${id}`, machineId: 'm1' }),
  attempt: (id) => (id === 'att-failed' ? { state: 'failed', code: 'timeout' } : { state: 'resumed', code: null }),
  lastAgentText: () => 'All green.',
};

let seq = 0;
function row(p: Partial<MessageRow>): MessageRow {
  seq++;
  return {
    id: `msg-${seq}`, session_id: 's1', seq, role: 'user', origin: 'user', client_id: `c${seq}`, text: 'secret words', state: 'accepted',
    failure_code: null, failure_detail: null, tool: null, permission: null, attempt_id: null, created_at: 1, updated_at: 1, turn_lost: 0, held_until: null, ...p,
  };
}
const changes = (...rows: MessageRow[]): CommittedChanges => ({ cursors: new Map([['acc', 1]]), messages: rows.map((r) => ({ accountId: 'acc', row: r })), machinesOffline: [] });

describe('push rules', () => {
  it('a new permission request notifies; its answer does not', () => {
    const asked = row({ role: 'permission', origin: 'agent', state: null, permission: JSON.stringify({ permissionId: 'p1', tool: 'Bash', input: 'ls', decision: null }) });
    const answered = { ...asked, permission: JSON.stringify({ permissionId: 'p1', tool: 'Bash', input: 'ls', decision: 'allow' }) };
    expect(noticesOf(changes(asked), facts).map((n) => [n.kind, n.eventId])).toEqual([['permission', `permission:${asked.id}`]]);
    expect(noticesOf(changes(answered), facts)).toEqual([]);
  });

  it('one turn answering several messages is one notice, named by the last; what a message ended as is what counts', () => {
    const a = row({ state: 'answered' });
    const b = row({ state: 'answered' });
    const other = row({ session_id: 's2', state: 'answered' });
    const movedTwice = [row({ state: 'delivered' })].map((r) => [r, { ...r, state: 'answered' as const }]).flat();
    const notices = noticesOf(changes(a, b, other, ...movedTwice), facts);
    expect(notices.map((n) => n.eventId).sort()).toEqual([`answered:${movedTwice[1]!.id}`, `answered:${other.id}`].sort());
    expect(notices.every((n) => n.kind === 'turn-finished' && !n.body.includes('secret'))).toBe(true);
  });

  it('a failed resume is one notice per attempt; other failures per message; the user’s own stop or interrupt none', () => {
    const r1 = row({ state: 'failed', failure_code: 'timeout', attempt_id: 'att-failed' });
    const r2 = row({ state: 'failed', failure_code: 'timeout', attempt_id: 'att-failed' });
    const exited = row({ session_id: 's2', state: 'failed', failure_code: 'agent-exited', attempt_id: 'att-ok' });
    const stopped = row({ session_id: 's3', state: 'failed', failure_code: 'stopped', attempt_id: 'att-failed' });
    const interrupted = row({ session_id: 's4', state: 'unanswered', failure_code: 'interrupted' });
    const n = noticesOf(changes(r1, r2, exited, stopped, interrupted), facts);
    expect(n.map((x) => [x.kind, x.eventId])).toEqual([['resume-failed', 'resume-failed:att-failed'], ['message-failed', `failed:${exited.id}`]]);
    expect(n.every((x) => !x.body.includes('secret') && x.preview.includes('secret'))).toBe(true);
  });

  it('nothing for agent text, notices, a message merely accepted or delivered, or a session that is gone', () => {
    const rows = [row({ role: 'agent', origin: 'agent', state: null }), row({ role: 'notice', origin: 'agent', state: null }), row({ state: 'accepted' }), row({ state: 'delivered' }), row({ session_id: 'gone', state: 'answered' })];
    expect(noticesOf(changes(...rows), facts)).toEqual([]);
  });

  it('machine offline: only with something waiting; one session opens it, several open the list', () => {
    const m = { id: 'm1', name: 'laptop', lastSeenAt: 42 };
    expect(machineOfflineNotice('acc', m, [])).toBeNull();
    expect(machineOfflineNotice('acc', m, [{ sessionId: 's1', title: 'Build', count: 2 }])).toMatchObject({ eventId: 'machine-offline:m1:42', sessionId: 's1', body: '2 messages waiting in “Build”.' });
    expect(machineOfflineNotice('acc', m, [{ sessionId: 's1', title: 'A', count: 1 }, { sessionId: 's2', title: 'B', count: 1 }])).toMatchObject({ sessionId: null, tag: 'machine:m1', about: ['s1', 's2'] });
  });
});
