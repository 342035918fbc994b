// Routes on sessions: start, read, rename, page and send messages, archive, stop, interrupt, take over, permissions.
import {
  BatonError, HISTORY, LIMITS, permissionInputHash, type PermissionInfo,
} from '../../core/index.ts';
import type { HistoryService } from '../orchestrator/history.ts';
import { toMessageRecord } from '../store/messages.ts';
import { toAttemptRecord } from '../store/resume-attempts.ts';
import { sessionView } from '../views.ts';
import type { RouteHandlers } from './register-routes.ts';
import type { Limiters, RouteDeps } from './routes-account.ts';
import { refuseIfLimited } from './rate-limit.ts';

type SessionRoute =
  | 'startSession' | 'getSession' | 'editSession' | 'listMessages' | 'sendMessage' | 'cancelMessage' | 'archiveSession' | 'unarchiveSession'
  | 'stopSession' | 'takeOverSession' | 'interruptSession' | 'answerPermission' | 'readHistory' | 'listResumeAttempts';

export function sessionRoutes({ ctx, sessions }: RouteDeps, limiters: Limiters, history: HistoryService): RouteHandlers<SessionRoute> {
  const session = (accountId: string, id: string) => {
    const s = ctx.stores.sessions.get(accountId, id);
    if (!s) throw new BatonError('not-found', `no session ${id}`);
    return s;
  };

  /** An answer bound to what it was shown (a notification's Allow): refused unless the request's input is that one. */
  function requireInputHash(accountId: string, sessionId: string, permissionId: string, inputHash: string): void {
    const m = ctx.stores.messages.permission(session(accountId, sessionId).id, permissionId);
    if (!m?.permission) return; // answerPermission says "no permission request"
    const info = JSON.parse(m.permission) as PermissionInfo;
    if (permissionInputHash(info.input) !== inputHash) {
      throw new BatonError('conflict', 'this answer was for a different request than the one the agent is asking now; open the session to see it');
    }
  }

  return {
    startSession: async ({ auth: a, body }) => {
      const start = await body();
      // Each start is an agent process on a machine: a burst, then one every 10 s per device (docs/security.md).
      refuseIfLimited(limiters.starts.take(a.deviceId), 'this device is starting sessions too fast; wait a moment');
      return { session: sessions.startSession(a.accountId, start) };
    },

    getSession: ({ auth: a, params }) => ({ session: sessionView(ctx, session(a.accountId, params.id)) }),

    editSession: async ({ auth: a, params, body }) => {
      session(a.accountId, params.id);
      return { session: sessions.editSession(a.accountId, params.id, await body()) };
    },

    listMessages: ({ auth: a, params, query }) => {
      const s = session(a.accountId, params.id);
      const q = query();
      if (q.after !== undefined && q.before !== undefined) throw new BatonError('bad-request', 'invalid query: use either after or before, not both');
      const limit = q.limit ?? LIMITS.pageSize;
      // One more than asked tells whether there is more in the paging direction.
      const rows = q.after !== undefined
        ? ctx.stores.messages.after(s.id, q.after, limit + 1)
        : ctx.stores.messages.before(s.id, q.before ?? Number.MAX_SAFE_INTEGER, limit + 1);
      const hasMore = rows.length > limit;
      const page = hasMore ? (q.after !== undefined ? rows.slice(0, limit) : rows.slice(1)) : rows;
      return { messages: page.map(toMessageRecord), hasMore };
    },

    sendMessage: async ({ auth: a, params, body, c }) => {
      session(a.accountId, params.id);
      const message = await body();
      // A retry of a message already stored (same client id) is free: an outbox must always be able to learn its fate.
      const out = sessions.sendMessage(a.accountId, params.id, message, () =>
        refuseIfLimited(limiters.sends.take(a.deviceId), 'this device is sending too fast; wait a moment'));
      return c.json({ message: out.message }, out.status);
    },

    // A message held for its offline machine, called off by the user before the machine came back.
    cancelMessage: ({ auth: a, params }) => {
      session(a.accountId, params.id);
      return { message: sessions.cancelHeld(a.accountId, params.id, params.messageId) };
    },

    // Invariant 5: an archived session is never resumed (a resume in flight is called off, nothing held for it waits on).
    archiveSession: ({ auth: a, params }) => ({ session: sessions.setArchived(a.accountId, params.id, true) }),
    unarchiveSession: ({ auth: a, params }) => ({ session: sessions.setArchived(a.accountId, params.id, false) }),
    stopSession: ({ auth: a, params }) => ({ session: sessions.stopSession(a.accountId, params.id) }),
    takeOverSession: ({ auth: a, params }) => ({ session: sessions.takeOver(a.accountId, params.id) }),

    interruptSession: ({ auth: a, params }) => {
      sessions.interruptSession(a.accountId, params.id);
      return null;
    },

    answerPermission: async ({ auth: a, params, body }) => {
      session(a.accountId, params.id);
      const answer = await body();
      // No await between this check and the answer: nothing can change the request in between.
      if (answer.inputHash !== undefined) requireInputHash(a.accountId, params.id, params.permissionId, answer.inputHash);
      // Who answered goes with the answer (and to the daemon's log); names made by `baton up` are not length-checked.
      const by = { deviceId: a.deviceId, name: a.name.slice(0, LIMITS.nameChars) };
      return { message: sessions.answerPermission(a.accountId, params.id, params.permissionId, answer.decision, by, answer.scope) };
    },

    // The vendor's own record of the conversation, read on its machine now (read-only, nothing stored here):
    // how a direct session can be read before taking it over, and a taken-over one's earlier turns.
    readHistory: async ({ auth: a, params, query }) => {
      const s = session(a.accountId, params.id);
      const q = query();
      return history.read(s, q.before ?? null, q.limit ?? HISTORY.pageMax);
    },

    listResumeAttempts: ({ auth: a, params }) => {
      const s = session(a.accountId, params.id);
      return { attempts: ctx.stores.attempts.ofSession(s.id).map(toAttemptRecord) };
    },
  };
}
