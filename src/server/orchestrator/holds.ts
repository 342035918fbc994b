// Held messages: a message sent while its session's machine is offline waits on the server, then takes the normal strict resume.
//
// Why on the server and not only on the phone: the phone may be closed (in a pocket, its tab frozen) when the
// machine comes back; the server sees the machine's hello the moment it happens. A held message is a row in
// `messages` (state `held`, `held_until`), so it has its seq, its client id (a re-send finds it), survives a
// server restart and shows on every device. It leaves `held` once only: released into `routeAccepted` (the
// same path a new message takes — resume, deliver, or wait for a start), or failed (cancelled by the user,
// hold expired, or its session blocked for good in the meantime).
import { BatonError, describeBlock, type BlockReason, type MessageRecord } from '../../core/index.ts';
import type { ServerContext, Tx } from '../context.ts';
import { toMessageRecord, type MessageRow } from '../store/messages.ts';
import type { SessionRow } from '../store/sessions.ts';
import { availabilityOf } from '../views.ts';
import type { ResumeService } from './resume.ts';
import { routeAccepted, type MessageHold } from './send-message.ts';
import { moveMessage } from './transitions.ts';

export interface HoldService extends MessageHold {
  /** After a machine's hello (its sessions reconciled): its held messages go out, each session's in order. */
  release(machineId: string): void;
  /** The user calls a held message off: it fails with `cancelled` (text kept on the phone). */
  cancel(accountId: string, sessionId: string, messageId: string): MessageRecord;
  /** Something changed that may block sessions for good (archive, settings): their held messages end now. */
  recheck(accountId: string): void;
  /** Re-arms the expiry of messages held by a previous server process. */
  restore(): void;
  stop(): void;
}

export function createHoldService(ctx: ServerContext, resume: ResumeService, opts: { holdMs: number }): HoldService {
  const { stores } = ctx;
  const timers = new Map<string, NodeJS.Timeout>();

  function arm(id: string, until: number): void {
    clearTimeout(timers.get(id));
    // setTimeout overflows past ~24.8 days; a longer hold re-arms when the first timer fires.
    const delay = Math.min(Math.max(0, until - ctx.now()), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      timers.delete(id);
      ctx.change((tx) => {
        const row = stores.messages.get(id);
        if (row?.state !== 'held') return;
        if (row.held_until !== null && row.held_until > ctx.now()) return arm(id, row.held_until);
        const machine = stores.machines.byId(stores.sessions.byId(row.session_id)!.machine_id);
        end(tx, row, 'hold-expired', `${machine ? `“${machine.name}”` : 'its machine'} did not reconnect in ${hours(opts.holdMs)}`);
      });
    }, delay);
    timer.unref();
    timers.set(id, timer);
  }

  function end(tx: Tx, row: MessageRow, code: 'cancelled' | 'hold-expired' | Exclude<BlockReason, 'machine-offline'>, detail: string): MessageRow | null {
    const session = stores.sessions.byId(row.session_id)!;
    clearTimeout(timers.get(row.id));
    timers.delete(row.id);
    return moveMessage(ctx, tx, session.account_id, row, { type: 'fail', code }, detail);
  }

  /** A held message whose session is now blocked for another reason than its machine ends with that reason. */
  function endIfBlocked(tx: Tx, session: SessionRow, row: MessageRow): boolean {
    const a = availabilityOf(ctx, session);
    if (a.state !== 'blocked' || a.reason === 'machine-offline') return false;
    end(tx, row, a.reason, describeBlock(a.reason, a.detail).sentence);
    return true;
  }

  return {
    hold(tx, session, row) {
      const until = row.created_at + opts.holdMs;
      stores.holds.setUntil(row.id, until);
      const held = stores.messages.get(row.id)!;
      tx.messageChanged(session.account_id, held);
      tx.afterCommit(() => arm(row.id, until));
      return held;
    },

    release(machineId) {
      ctx.change((tx) => {
        for (const row of stores.holds.ofMachine(machineId)) {
          const session = stores.sessions.byId(row.session_id)!;
          if (endIfBlocked(tx, session, row)) continue;
          // Still offline (it dropped again at once): it keeps waiting.
          if (availabilityOf(ctx, session).state === 'blocked') continue;
          const released = moveMessage(ctx, tx, session.account_id, row, { type: 'release' });
          if (!released) continue;
          clearTimeout(timers.get(row.id));
          timers.delete(row.id);
          routeAccepted(ctx, resume, tx, stores.sessions.byId(session.id)!, released);
        }
      });
    },

    cancel(accountId, sessionId, messageId) {
      return ctx.change((tx) => {
        const session = stores.sessions.get(accountId, sessionId);
        const row = session ? stores.messages.get(messageId) : undefined;
        if (!session || !row || row.session_id !== session.id || row.role !== 'user') throw new BatonError('not-found', `no message ${messageId} in session ${sessionId}`);
        if (row.state !== 'held') throw new BatonError('conflict', `this message is no longer waiting for its machine (it is ${row.state})`);
        return toMessageRecord(end(tx, row, 'cancelled', 'called off before its machine came back') ?? row);
      });
    },

    recheck(accountId) {
      ctx.change((tx) => {
        for (const row of stores.holds.ofAccount(accountId)) endIfBlocked(tx, stores.sessions.byId(row.session_id)!, row);
      });
    },

    restore() {
      for (const row of stores.holds.all()) arm(row.id, row.held_until ?? row.created_at + opts.holdMs);
    },

    stop() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}

function hours(ms: number): string {
  if (ms < 2 * 60 * 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / (60 * 60_000))} h`;
}
