// What `step` does to messages and attempts, case by case: turn ends and lost turns, held messages, strict
// resume's failures and late successes, and what a refusal or a repeat leaves alone.
import { describe, expect, it } from 'vitest';
import {
  asVendorId, lifecycleOf, planStart, step,
  type MessageSnap, type SessionEffect, type SessionEvent, type SessionSnapshot,
} from '../../src/core/index.ts';
import { EVENTS, NOW, attempt, ids, inState, message, snapshot, world } from './session-fixtures.ts';

/** Steps through `events`, each on the snapshot the last one left (the world's clock and ids as given). */
function run(s: SessionSnapshot, ...events: SessionEvent[]): { s: SessionSnapshot; effects: SessionEffect[] } {
  const effects: SessionEffect[] = [];
  for (const e of events) {
    const r = step(s, e);
    expect(r.refusal).toBeNull();
    effects.push(...r.effects);
    s = r.snapshot;
  }
  return { s, effects };
}
const msg = (s: SessionSnapshot, id: string): MessageSnap | undefined => s.messages.find((m) => m.id === id);
const commands = (effects: readonly SessionEffect[]) => effects.flatMap((e) => (e.type === 'command' ? [e.command] : []));
const offline = { machine: { name: 'laptop', online: false, connected: false, lastSeenAt: NOW - 120_000, capabilities: null } };

describe('turns', () => {
  it('a turn end answers what this agent took; a failed turn leaves it unanswered with the reason', () => {
    const { s } = run(inState('live'), { type: 'agent-event', eventId: 'e1', event: { kind: 'turn-end' } });
    expect(msg(s, ids.delivered)).toMatchObject({ state: 'answered', failure: null });
    expect(msg(s, ids.accepted)?.state).toBe('accepted'); // not written yet: not part of the turn
    const failed = run(inState('live'), { type: 'agent-event', eventId: 'e2', event: { kind: 'turn-end', failure: { code: 'auth-failed', detail: 'Not logged in' } } }).s;
    expect(msg(failed, ids.delivered)).toMatchObject({ state: 'unanswered', failure: { code: 'auth-failed', detail: 'Not logged in' } });
  });

  it('a turn end answers only what this agent took: after its agent went away it is unanswered (turn-lost), and a later agent’s turn end leaves it so', () => {
    const { s } = run(inState('live'),
      { type: 'stopped', reason: 'crashed', detail: null },
      // A later agent (the session resumed) takes a new message and ends its turn.
      { type: 'hello', report: { sessionId: ids.session, vendorResumeId: ids.vendor, running: true } },
      { type: 'agent-event', eventId: 'e3', event: { kind: 'turn-end' } });
    expect(msg(s, ids.delivered)).toMatchObject({ state: 'unanswered', turnLost: true, failure: { code: 'turn-lost' } });
    expect(msg(s, ids.accepted)).toMatchObject({ state: 'failed', failure: { code: 'agent-exited' } });
  });

  it('a vendor retrying shows until the agent moves on', () => {
    const retry = run(inState('live'), { type: 'agent-event', eventId: 'r', event: { kind: 'retry', attempt: 2, maxAttempts: 10, detail: 'overloaded', retryInMs: 500 } }).s;
    expect(retry.session.agentRetry).toEqual({ attempt: 2, maxAttempts: 10, detail: 'overloaded', retryInMs: 500, at: NOW });
    const moved = step(retry, { type: 'agent-event', eventId: 't', event: { kind: 'text', text: 'hi' } });
    expect(moved.snapshot.session.agentRetry).toBeNull();
    expect(moved.effects).toContainEqual({ type: 'append', entry: { role: 'agent', text: 'hi', eventId: 't', tool: null, permission: null } });
  });

  it('a permission request is a transcript line and makes the agent wait; answering the last one clears it', () => {
    const asked = run(inState('inactive'), { type: 'agent-event', eventId: 'p', event: { kind: 'permission-request', permissionId: ids.permission, tool: 'Bash', input: 'rm -rf x' } });
    expect(asked.s.session.awaitingPermission).toBe(true);
    expect(asked.effects).toContainEqual({
      type: 'append', entry: { role: 'permission', text: 'Bash: rm -rf x', eventId: 'p', tool: 'Bash', permission: { permissionId: ids.permission, tool: 'Bash', input: 'rm -rf x', decision: null } },
    });
    const { s: answered, effects } = run(inState('live'), EVENTS['answer-permission']);
    expect(answered.session.awaitingPermission).toBe(false);
    // Who answered is stored with the answer and told to the daemon.
    const by = { deviceId: 'dev_phone', name: 'Pixel' };
    expect(msg(answered, ids.permissionMessage)?.permission).toEqual({ permissionId: ids.permission, tool: 'Bash', input: 'ls', decision: 'allow', answeredBy: by });
    expect(effects).toContainEqual({ type: 'command', command: { type: 'permission-answer', sessionId: ids.session, permissionId: ids.permission, decision: 'allow', answeredBy: by } });
    expect(step(answered, EVENTS['answer-permission']).refusal).toMatchObject({ kind: 'conflict', message: 'this permission was already answered (allow)' });
  });

  it('a reconnect that finds the agent gone counts what the daemon wrote as written (unanswered: its turn is lost), and fails the rest', () => {
    const live = inState('live');
    const { s } = run(live, { type: 'hello', report: { sessionId: ids.session, vendorResumeId: ids.vendor, running: false, delivered: [ids.accepted] } });
    expect(msg(s, ids.accepted)).toMatchObject({ state: 'unanswered', turnLost: true, failure: { code: 'turn-lost' } });
    expect(lifecycleOf(s)).toBe('inactive');
  });
});

describe('held messages', () => {
  const heldSnapshot = () => step(snapshot({ world: offline }), EVENTS.send).snapshot;

  it('a send to an offline machine is held until now + the hold, with its expiry armed', () => {
    const r = step(snapshot({ world: offline }), EVENTS.send);
    expect(msg(r.snapshot, ids.newMessage)).toMatchObject({ state: 'held', heldUntil: NOW + 24 * 3600_000 });
    expect(r.effects).toContainEqual({ type: 'timer', timer: { kind: 'hold-expiry', sessionId: ids.session, messageId: ids.newMessage }, at: NOW + 24 * 3600_000 });
    expect(commands(r.effects)).toEqual([]);
  });

  it('without holds, the send is refused with the machine-offline reason and when it was last seen', () => {
    const r = step(snapshot({ world: { ...offline, holdMs: 0 } }), EVENTS.send);
    expect(r.refusal).toMatchObject({ kind: 'blocked', extra: { reason: 'machine-offline', lastSeenAt: NOW - 120_000, availability: { state: 'blocked', reason: 'machine-offline' } } });
    expect(r.snapshot.messages).toEqual([]);
  });

  it('the machine back: the held message takes the strict resume, its expiry cancelled', () => {
    const held = heldSnapshot();
    const back = { ...held, world: world() };
    const r = step(back, { type: 'hello', report: { sessionId: ids.session, vendorResumeId: ids.vendor, running: false } });
    expect(msg(r.snapshot, ids.newMessage)).toMatchObject({ state: 'awaiting-resume', attemptId: ids.newAttempt });
    expect(commands(r.effects).map((c) => c.type)).toEqual(['resume']);
    expect(r.effects).toContainEqual({ type: 'timer', timer: { kind: 'hold-expiry', sessionId: ids.session, messageId: ids.newMessage }, at: null });
  });

  it('still offline at the hello (it dropped again): it keeps waiting', () => {
    const r = step(heldSnapshot(), { type: 'hello', report: null });
    expect(msg(r.snapshot, ids.newMessage)?.state).toBe('held');
  });

  it('expires at its deadline, not before (an early timer is armed again)', () => {
    const held = heldSnapshot();
    const early = step(held, { type: 'hold-expired', messageId: ids.newMessage });
    expect(msg(early.snapshot, ids.newMessage)?.state).toBe('held');
    expect(early.effects).toEqual([{ type: 'timer', timer: { kind: 'hold-expiry', sessionId: ids.session, messageId: ids.newMessage }, at: NOW + 24 * 3600_000 }]);
    const late = step({ ...held, world: { ...held.world, now: NOW + 24 * 3600_000 } }, { type: 'hold-expired', messageId: ids.newMessage });
    expect(msg(late.snapshot, ids.newMessage)).toMatchObject({ state: 'failed', failure: { code: 'hold-expired', detail: '“laptop” did not reconnect in 24 h' } });
  });

  it('is called off by the user once; after that it is no longer waiting', () => {
    const cancelled = run(heldSnapshot(), { type: 'cancel-held', messageId: ids.newMessage }).s;
    expect(msg(cancelled, ids.newMessage)).toMatchObject({ state: 'failed', failure: { code: 'cancelled' } });
    expect(step(cancelled, { type: 'cancel-held', messageId: ids.newMessage }).refusal).toMatchObject({ kind: 'conflict', message: 'this message is no longer waiting for its machine (it is failed)' });
  });

  it('ends at once when its session is archived, or its backend disabled, meanwhile', () => {
    expect(msg(run(heldSnapshot(), EVENTS.archive).s, ids.newMessage)?.failure?.code).toBe('archived');
    const held = heldSnapshot();
    const disabled = run({ ...held, world: { ...held.world, disabledBackends: ['claude-stream'] } }, EVENTS.recheck).s;
    expect(msg(disabled, ids.newMessage)?.failure?.code).toBe('backend-disabled');
  });
});

describe('strict resume', () => {
  it('a result naming another vendor id fails closed: the stray agent is stopped, the message failed, the session inactive', () => {
    const r = step(inState('resuming'), { type: 'resume-result', attemptId: ids.attempt, ok: true, vendorResumeId: asVendorId('v-other') });
    expect(commands(r.effects).map((c) => c.type)).toEqual(['stop']);
    expect(r.snapshot.attempts[0]).toMatchObject({ state: 'failed', code: 'vendor-id-mismatch', detail: 'expected v-1, got v-other' });
    expect(msg(r.snapshot, ids.waiting)).toMatchObject({ state: 'failed', failure: { code: 'vendor-id-mismatch' } });
    expect(lifecycleOf(r.snapshot)).toBe('inactive');
  });

  it('a late success after the timeout makes the session live but delivers nothing that had failed', () => {
    const timedOut = run(inState('resuming'), EVENTS['resume-deadline']).s;
    expect(msg(timedOut, ids.waiting)?.failure?.code).toBe('timeout');
    const r = step(timedOut, EVENTS['resume-result']);
    expect(r.snapshot.attempts[0]).toMatchObject({ state: 'resumed-late', code: 'timeout' });
    expect(lifecycleOf(r.snapshot)).toBe('live');
    expect(commands(r.effects)).toEqual([]);
    expect(msg(r.snapshot, ids.waiting)?.state).toBe('failed');
  });

  it('a resumed attempt becomes failed only by a vendor-id-mismatch found at its first turn; a repeated answer changes nothing', () => {
    const resumed = run(inState('resuming'), EVENTS['resume-result']).s;
    const again = step(resumed, EVENTS['resume-result']);
    expect(again.changes.changedAttempts).toEqual([]);
    expect(again.effects.filter((e) => e.type === 'log')).toEqual([{ type: 'log', line: 'refused: attempt att-1: a resume attempt that is resumed cannot take "resumed"' }]);
    const mismatch = step(resumed, { type: 'resume-result', attemptId: ids.attempt, ok: false, code: 'vendor-id-mismatch', detail: 'init named v-9' });
    expect(mismatch.snapshot.attempts[0]).toMatchObject({ state: 'failed', code: 'vendor-id-mismatch' });
    expect(step(resumed, { type: 'resume-result', attemptId: ids.attempt, ok: false, code: 'timeout', detail: '' }).changes.changedAttempts).toEqual([]);
  });

  it('a result for an archived session stops what came up and fails the attempt `stopped`', () => {
    const s = inState('resuming');
    const r = step({ ...s, session: { ...s.session, archived: true } }, EVENTS['resume-result']);
    expect(commands(r.effects).map((c) => c.type)).toEqual(['stop']);
    expect(r.snapshot.attempts[0]).toMatchObject({ state: 'failed', code: 'stopped', detail: 'the session is archived' });
  });

  it('every message sent while a resume is pending waits for it, in order, even if the agent reports running first', () => {
    const s = inState('resuming');
    const { s: after } = run({ ...s, session: { ...s.session, status: 'active' } }, EVENTS.send);
    expect(msg(after, ids.newMessage)).toMatchObject({ state: 'awaiting-resume', attemptId: ids.attempt });
  });
});

describe('starts', () => {
  it('a start given up on (its machine dropped) that comes through after all makes the fresh session live', () => {
    const gaveUp = run(inState('starting'), EVENTS.disconnect).s;
    expect(msg(gaveUp, ids.accepted)?.failure?.code).toBe('machine-disconnected');
    const r = step(gaveUp, EVENTS.started);
    expect(lifecycleOf(r.snapshot)).toBe('live');
    expect(r.snapshot.session.vendorId).toBe('v-new');
    expect(commands(r.effects)).toEqual([]); // its failed first message stays failed
  });

  it('is refused in the order availability checks: backend, disabled, dependency, machine', () => {
    const machine = { name: 'laptop', online: true, connected: true, capabilities: null };
    const facts = { machine, disabledBackends: [], codexBackend: 'codex-app-server' as const };
    expect(planStart({ provider: 'claude', backend: 'codex-mcp', cwd: '/w' }, facts)).toMatchObject({ ok: false, refusal: { kind: 'bad-request' } });
    expect(planStart({ provider: 'claude', cwd: '/w' }, { ...facts, disabledBackends: ['claude-stream'], machine: { ...machine, online: false } }))
      .toMatchObject({ ok: false, refusal: { kind: 'blocked', extra: { reason: 'backend-disabled' } } });
    expect(planStart({ provider: 'claude', cwd: '/w' }, { ...facts, machine: { ...machine, capabilities: {} } }))
      .toMatchObject({ ok: false, refusal: { kind: 'blocked', extra: { reason: 'dependency-missing' } } });
    expect(planStart({ provider: 'claude', cwd: '/w' }, { ...facts, machine: { ...machine, connected: false } }))
      .toMatchObject({ ok: false, refusal: { kind: 'blocked', extra: { reason: 'machine-offline' } } });
    expect(planStart({ provider: 'codex', cwd: '/w' }, facts)).toEqual({ ok: true, backend: 'codex-app-server' });
  });
});

describe('what a step says it changed', () => {
  it('lists only the fields that changed, and a touch even when none did (a rename to the same title is still sent again)', () => {
    const r = step(inState('live'), EVENTS.ack);
    expect(r.changes.changedMessages).toEqual([{ id: ids.accepted, set: { state: 'delivered', updatedAt: NOW }, after: expect.objectContaining({ state: 'delivered' }) }]);
    expect(r.changes.session).toEqual({});
    expect(r.changes.touched).toBe(true);
    const rename = step(inState('live'), { type: 'rename', title: 'claude in work' });
    expect(rename.changes).toMatchObject({ session: {}, touched: true });
  });

  it('a repeated ack changes nothing and touches nothing', () => {
    const r = step(inState('live'), { type: 'ack', messageId: ids.delivered });
    expect(r.changes).toEqual({ session: {}, touched: false, addedMessages: [], changedMessages: [], addedAttempts: [], changedAttempts: [] });
    expect(r.effects).toEqual([]);
  });

  it('hints each changed message to phones once, at its first change', () => {
    const r = step(inState('resuming'), EVENTS['resume-result']);
    expect(r.effects.filter((e) => e.type === 'hint')).toEqual([{ type: 'hint', messageId: ids.waiting }]);
  });

  it('an attempt and a message it names arrive together (the store writes the attempt first)', () => {
    const r = step(inState('inactive'), EVENTS.send);
    expect(r.changes.addedAttempts.map((a) => a.id)).toEqual([ids.newAttempt]);
    expect(r.changes.addedMessages).toEqual([expect.objectContaining({ id: ids.newMessage, state: 'awaiting-resume', attemptId: ids.newAttempt })]);
  });

  it('an unknown message or attempt is left alone', () => {
    const s = snapshot({ messages: [message('m-x', { state: 'answered' })], attempts: [attempt({ state: 'failed', code: 'vendor-not-found' })] });
    expect(step(s, { type: 'ack', messageId: ids.accepted }).changes.touched).toBe(false);
    expect(step(s, EVENTS['resume-deadline']).changes.touched).toBe(false);
  });
});
