// Every (lifecycle state, event) pair through `step`: where the session ends up, which commands its machine is
// sent, what is refused, and how many transcript lines are added. The table below is the behaviour, written out.
import { describe, expect, it } from 'vitest';
import {
  LIFECYCLES, LIFECYCLE_MOVES, SESSION_EVENT_TYPES, isLifecycleMove, lifecycleOf, step,
  type ErrorKind, type Lifecycle, type SessionCommand, type SessionEventType,
} from '../../src/core/index.ts';
import { EVENTS, inState } from './session-fixtures.ts';

interface Outcome {
  readonly to: Lifecycle;
  readonly commands?: readonly SessionCommand['type'][];
  readonly refused?: ErrorKind;
  readonly appends?: number;
}

const same = (to: Lifecycle): Outcome => ({ to });
const refused = (to: Lifecycle, kind: ErrorKind): Outcome => ({ to, refused: kind });

// Fixtures (session-fixtures.ts): inactive has nothing open; live has a delivered message in its turn, an accepted
// one and an open permission request; starting has its start unanswered and an accepted first message; resuming
// has attempt att-1 pending with a message waiting for it; archived is archived and idle.
const TABLE: Readonly<Record<SessionEventType, Readonly<Record<Lifecycle, Outcome>>>> = {
  started: { inactive: same('inactive'), live: same('live'), starting: { to: 'live', commands: ['deliver'] }, resuming: same('resuming'), archived: same('archived') },
  'start-failed': { inactive: same('inactive'), live: same('live'), starting: { to: 'inactive', appends: 1 }, resuming: same('resuming'), archived: same('archived') },
  resumable: { inactive: same('inactive'), live: same('live'), starting: same('starting'), resuming: same('resuming'), archived: same('archived') },
  'resume-result': { inactive: same('inactive'), live: same('live'), starting: same('starting'), resuming: { to: 'live', commands: ['deliver'] }, archived: same('archived') },
  ack: { inactive: same('inactive'), live: same('live'), starting: same('starting'), resuming: same('resuming'), archived: same('archived') },
  'deliver-failed': { inactive: same('inactive'), live: same('live'), starting: same('starting'), resuming: same('resuming'), archived: same('archived') },
  'agent-event': { inactive: same('inactive'), live: same('live'), starting: same('starting'), resuming: same('resuming'), archived: same('archived') },
  stopped: {
    inactive: { to: 'inactive', appends: 1 }, live: { to: 'inactive', appends: 1 }, starting: { to: 'starting', appends: 1 },
    resuming: { to: 'resuming', appends: 1 }, archived: { to: 'archived', appends: 1, commands: ['forget'] },
  },
  hello: {
    inactive: same('inactive'), live: same('inactive'), starting: { to: 'starting', commands: ['start'] },
    resuming: { to: 'resuming', commands: ['resume'] }, archived: { to: 'archived', commands: ['forget'] },
  },
  disconnect: { inactive: same('inactive'), live: same('live'), starting: { to: 'inactive', appends: 1 }, resuming: same('inactive'), archived: same('archived') },
  send: {
    inactive: { to: 'resuming', commands: ['resume'] }, live: { to: 'live', commands: ['deliver'] }, starting: same('starting'),
    resuming: same('resuming'), archived: refused('archived', 'blocked'),
  },
  stop: {
    inactive: refused('inactive', 'conflict'), live: { to: 'live', commands: ['stop'] }, starting: refused('starting', 'conflict'),
    resuming: { to: 'inactive', commands: ['stop'] }, archived: refused('archived', 'conflict'),
  },
  archive: {
    inactive: { to: 'archived', commands: ['forget'] }, live: { to: 'archived', commands: ['stop'] }, starting: { to: 'archived', commands: ['forget'] },
    resuming: { to: 'archived', commands: ['stop'] }, archived: { to: 'archived', commands: ['forget'] },
  },
  unarchive: { inactive: same('inactive'), live: same('live'), starting: same('starting'), resuming: same('resuming'), archived: same('inactive') },
  interrupt: {
    inactive: refused('inactive', 'conflict'), live: { to: 'live', commands: ['interrupt'] }, starting: refused('starting', 'conflict'),
    resuming: refused('resuming', 'conflict'), archived: refused('archived', 'conflict'),
  },
  'answer-permission': {
    inactive: refused('inactive', 'not-found'), live: { to: 'live', commands: ['permission-answer'] }, starting: refused('starting', 'not-found'),
    resuming: refused('resuming', 'not-found'), archived: refused('archived', 'not-found'),
  },
  'take-over': {
    inactive: refused('inactive', 'conflict'), live: refused('live', 'conflict'), starting: refused('starting', 'conflict'),
    resuming: refused('resuming', 'conflict'), archived: refused('archived', 'conflict'),
  },
  'cancel-held': {
    inactive: refused('inactive', 'not-found'), live: refused('live', 'not-found'), starting: refused('starting', 'not-found'),
    resuming: refused('resuming', 'not-found'), archived: refused('archived', 'not-found'),
  },
  // A running agent is told at once; otherwise the next start or resume carries the mode.
  'set-permission-mode': { inactive: same('inactive'), live: { to: 'live', commands: ['set-permission-mode'] }, starting: same('starting'), resuming: same('resuming'), archived: same('archived') },
  rename: { inactive: same('inactive'), live: same('live'), starting: same('starting'), resuming: same('resuming'), archived: same('archived') },
  'resume-deadline': { inactive: same('inactive'), live: same('live'), starting: same('starting'), resuming: same('inactive'), archived: same('archived') },
  'hold-expired': { inactive: same('inactive'), live: same('live'), starting: same('starting'), resuming: same('resuming'), archived: same('archived') },
  recheck: { inactive: same('inactive'), live: same('live'), starting: same('starting'), resuming: same('resuming'), archived: same('archived') },
};

describe('step over every (state, event) pair', () => {
  for (const state of LIFECYCLES) {
    for (const type of SESSION_EVENT_TYPES) {
      const want = TABLE[type][state];
      it(`${state} + ${type} → ${want.refused ? `refused (${want.refused})` : want.to}`, () => {
        const before = inState(state); // frozen: a step that changed its input would throw
        expect(lifecycleOf(before)).toBe(state);
        const r = step(before, EVENTS[type]);
        expect(lifecycleOf(r.snapshot)).toBe(want.to);
        expect(r.refusal?.kind ?? null).toBe(want.refused ?? null);
        if (r.refusal) {
          // A refusal changes nothing and asks for nothing.
          expect(r.snapshot).toBe(before);
          expect(r.effects).toEqual([]);
        }
        expect(r.effects.flatMap((e) => (e.type === 'command' ? [e.command.type] : []))).toEqual(want.commands ?? []);
        expect(r.effects.filter((e) => e.type === 'append')).toHaveLength(want.appends ?? 0);
        // Every command is for this session; every move is one the lifecycle table lists.
        for (const e of r.effects) if (e.type === 'command') expect(e.command.sessionId).toBe(before.session.id);
        expect(r.effects.filter((e) => e.type === 'log' && e.line.startsWith('unexpected lifecycle move'))).toEqual([]);
        expect(isLifecycleMove(type, state, want.to)).toBe(true);
      });
    }
  }

  it('the lifecycle table names real states, and real moves only (staying put needs no entry)', () => {
    for (const type of SESSION_EVENT_TYPES) {
      for (const [from, to] of LIFECYCLE_MOVES[type]) {
        expect(LIFECYCLES).toContain(from);
        expect(LIFECYCLES).toContain(to);
        expect(from).not.toBe(to);
      }
    }
  });

  it('the states are read from the facts in one order: archived, then a resume in flight, then a running agent, then a start in flight', () => {
    const live = inState('live');
    expect(lifecycleOf({ ...live, session: { ...live.session, archived: true } })).toBe('archived');
    const resuming = inState('resuming');
    // A reconnect may report the agent running while its resume is unanswered: messages stay behind the resume.
    expect(lifecycleOf({ ...resuming, session: { ...resuming.session, status: 'active' } })).toBe('resuming');
    // Running with its `started` still on its way (the daemon's outbox re-sends it after the hello).
    const starting = inState('starting');
    expect(lifecycleOf({ ...starting, session: { ...starting.session, status: 'active' } })).toBe('live');
  });
});
