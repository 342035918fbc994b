// What a hostile or broken daemon could name in its frames on /api/machine, and which rows a frame may touch.
import fc from 'fast-check';
import * as v from 'valibot';
import { MachineUpSchema, PROTOCOL_VERSION, type MachineUp } from '../../src/core/index.ts';
import type { RowChange, Snapshot } from './db-snapshot.ts';
import { arbitraryFor } from './schema-arb.ts';
import { sessionOfChange } from './scope.ts';
import type { World } from './world.ts';

const randomId = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,40}$/);
const fromPool = (pool: readonly string[]) => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: randomId });

/** Field values drawn from both accounts' real ids, so valid-shaped frames name real (and foreign) rows. */
export function machineOverrides(w: World, pending: Pending) {
  const sessions = [w.a, w.b].flatMap((x) => [...Object.values(x.sessions), ...x.directs]);
  return {
    sessionId: fromPool(sessions),
    messageId: fromPool([...w.a.messageIds, ...w.b.messageIds]),
    attemptId: fromPool([...w.a.attemptIds, ...w.b.attemptIds, ...pending.resumes.map((r) => r.attemptId)]),
    permissionId: fromPool([...w.a.permissionIds, ...w.b.permissionIds]),
    requestId: fromPool(['req_none', ...pending.starts.map((p) => p.requestId)]),
    vendorResumeId: fromPool([...w.a.vendorIds, ...w.b.vendorIds]),
    vendorId: fromPool([...w.a.vendorIds, ...w.b.vendorIds]),
    eventId: fromPool(['A-e1', 'B-e1', 'A-p0']),
  };
}

export function parseMachineUp(payload: unknown): MachineUp | null {
  if (payload === undefined) return null;
  const r = v.safeParse(MachineUpSchema, payload);
  return r.success ? r.output : null;
}

/** A hello with a token and protocol from the pools (and now and then something else in their place). */
export function helloArb(tokens: readonly string[], sessions: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return arbitraryFor(MachineUpSchema.options[0], {
    token: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...tokens) }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) }),
    protocol: fc.oneof({ weight: 4, arbitrary: fc.constant(PROTOCOL_VERSION) }, { weight: 1, arbitrary: fc.constantFrom(0, 2, -1, 1.5, 1e9) }),
    sessions,
  });
}

const SESSION_SCOPED = new Set(['started', 'start-failed', 'resumable', 'ack', 'deliver-failed', 'agent-event', 'stopped', 'resume-result']);

/**
 * Why `change` is more than `frame`, sent by machine `self` of account `account`, may do (null: it is within bounds).
 * Bounds: an invalid frame changes nothing; a frame about a session changes only that session's rows, and only
 * when the session is this machine's; presence and capabilities touch only this machine; never another account.
 */
export function outOfBounds(frame: MachineUp | null, change: RowChange, ctx: { self: string; account: string; before: Snapshot }): string | null {
  if (frame === null) return 'an invalid frame changed the database';
  const row = change.after ?? change.before!;
  const cols = change.before && change.after ? Object.keys(change.after).filter((k) => change.before![k] !== change.after![k]) : null;
  const only = (allowed: string[]) => cols === null || cols.every((c) => allowed.includes(c));
  if (change.table === 'accounts') return change.key === ctx.account && only(['cursor']) ? null : 'another account (or more than its cursor) changed';
  if (change.table === 'sessions' && change.before && change.after) {
    if (change.before.vendor_resume_id !== null && change.before.vendor_resume_id !== change.after.vendor_resume_id) return 'a vendor resume id changed after it was set';
    if (!only(['status', 'vendor_id', 'vendor_resume_id', 'awaiting_permission', 'agent_retry', 'start_request_id', 'last_activity_at', 'title', 'cursor'])) return 'a machine frame changed archived/managed or where a session lives';
  }
  switch (frame.type) {
    case 'heartbeat':
    case 'hello':
      return 'a heartbeat or a repeated hello changed the database';
    case 'capabilities':
      if (change.table === 'machines') return change.key === ctx.self && only(['capabilities', 'cursor']) ? null : 'changed another machine';
      if (change.table === 'sessions') return row.machine_id === ctx.self && only(['cursor']) ? null : 'touched another machine’s session';
      return `capabilities changed ${change.table}`;
    case 'direct-sessions': {
      // A direct session gone from the listing is removed: its row, its share links, and a tombstone for sync.
      const wasOwnDirect = (id: unknown) => {
        const s = ctx.before.get('sessions')?.get(String(id));
        return s !== undefined && s.machine_id === ctx.self && s.managed === 0;
      };
      if (change.table === 'removed_sessions') return change.before === null && wasOwnDirect(row.session_id) && row.account_id === ctx.account ? null : 'a tombstone for a session that was not this machine’s direct session';
      if ((change.table === 'shares' || change.table === 'seen_events') && change.after === null) return wasOwnDirect(row.session_id) ? null : 'removed rows of a session that was not this machine’s direct session';
      if (change.table === 'sessions' && change.after === null && !wasOwnDirect(row.id)) return 'removed a session that was not this machine’s direct session';
      if (change.table !== 'sessions' || row.machine_id !== ctx.self) return 'direct-sessions changed something beyond this machine’s sessions';
      if (change.before && change.before.managed !== 0) return 'direct-sessions changed a managed session';
      return null;
    }
    default: {
      if (!SESSION_SCOPED.has(frame.type)) return `unexpected frame type ${frame.type}`;
      const sessionId = (frame as { sessionId: string }).sessionId;
      const target = ctx.before.get('sessions')?.get(sessionId);
      if (!target || target.machine_id !== ctx.self) return `a frame about a session this machine does not own (${sessionId}) changed the database`;
      if (sessionOfChange(change) !== sessionId) return `a frame about ${sessionId} changed rows of another session`;
      if ((frame.type === 'ack' || frame.type === 'deliver-failed') && change.table === 'messages' && change.key !== frame.messageId) return 'an ack changed another message';
      if (frame.type === 'resume-result' && change.table === 'resume_attempts' && change.key !== frame.attemptId) return 'a resume result changed another attempt';
      return null;
    }
  }
}

/** What the machine test learned from the socket: starts and resumes it was asked for, and their sessions. */
export interface Pending {
  readonly starts: { requestId: string; sessionId: string }[];
  readonly resumes: { attemptId: string; sessionId: string; vendorResumeId: string }[];
}

/**
 * Valid frames whose ids fit together (a message of the session named, an attempt with its own session, a
 * start's request id with its session), so deliveries, resumes, starts and stops really happen; the session
 * is now and then another machine's or another account's, which must change nothing.
 */
export function pairedFrameArb(w: World, own: readonly string[], pending: Pending): fc.Arbitrary<unknown> {
  const foreign = [w.b.sessions.live, w.b.sessions.pending];
  const session = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...own) }, { weight: 1, arbitrary: fc.constantFrom(...foreign) });
  const messages = (s: string) => [...(w.a.messagesBySession[s] ?? w.b.messagesBySession[s] ?? []), ...w.b.messageIds.slice(0, 1)];
  const vendor = fc.constantFrom(...w.a.vendorIds, ...w.b.vendorIds, 'vendor-other');
  const failure = fc.constantFrom('vendor-not-found', 'vendor-error', 'timeout', 'session-in-use');
  const text = fc.string({ maxLength: 30 });
  const byMessage = session.chain((sessionId) => fc.record({
    type: fc.constantFrom('ack', 'deliver-failed'), sessionId: fc.constant(sessionId), messageId: fc.constantFrom(...messages(sessionId)),
    code: fc.constant('agent-exited'), detail: text,
  }).map(({ type, code, detail, ...rest }) => (type === 'ack' ? { type, ...rest } : { type, ...rest, code, detail })));
  const event = fc.oneof(
    fc.constant({ kind: 'turn-end' }),
    fc.record({ kind: fc.constant('text'), text }),
    fc.record({ kind: fc.constant('permission-request'), permissionId: fc.constantFrom('A-perm-1', 'A-perm-new', 'B-perm-1'), tool: text, input: text }),
  );
  const arbs: fc.Arbitrary<unknown>[] = [
    byMessage,
    fc.record({ type: fc.constant('agent-event'), sessionId: session, eventId: fc.oneof(fc.constantFrom('A-e1', 'A-p0'), randomId), event }),
    fc.record({ type: fc.constant('stopped'), sessionId: session, reason: fc.constantFrom('requested', 'exited', 'crashed'), detail: fc.option(text, { nil: null }) }),
    fc.record({ type: fc.constant('resumable'), sessionId: session, vendorResumeId: vendor }),
  ];
  if (pending.resumes.length > 0) {
    arbs.push(fc.constantFrom(...pending.resumes).chain((r) => fc.oneof(
      fc.record({ type: fc.constant('resume-result'), attemptId: fc.constant(r.attemptId), sessionId: fc.constant(r.sessionId), ok: fc.constant(true), vendorResumeId: fc.oneof(fc.constant(r.vendorResumeId), vendor) }),
      fc.record({ type: fc.constant('resume-result'), attemptId: fc.constant(r.attemptId), sessionId: fc.constant(r.sessionId), ok: fc.constant(false), code: failure, detail: text }),
    )));
  }
  if (pending.starts.length > 0) {
    arbs.push(fc.constantFrom(...pending.starts).chain((s) => fc.oneof(
      { weight: 3, arbitrary: fc.record({ type: fc.constant('started'), requestId: fc.constant(s.requestId), sessionId: fc.constant(s.sessionId), vendorId: vendor }) },
      { weight: 1, arbitrary: fc.record({ type: fc.constant('start-failed'), requestId: fc.constant(s.requestId), sessionId: fc.constant(s.sessionId), code: failure, detail: text }) },
    )));
  }
  return fc.oneof(...arbs);
}
