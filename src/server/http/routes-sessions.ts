// Routes on sessions: start, read, rename, page and send messages, archive, stop, interrupt, take over, permissions.
import type { Context, Hono } from 'hono';
import {
  BatonError, HISTORY, HistoryQuerySchema, LIMITS, MessagesQuerySchema, permissionInputHash, type PermissionInfo, PermissionAnswerSchema, RenameSessionSchema, SendMessageSchema, StartSessionSchema,
} from '../../core/index.ts';
import { authenticate, PEOPLE } from '../auth.ts';
import type { HistoryService } from '../orchestrator/history.ts';
import { toMessageRecord } from '../store/messages.ts';
import { toAttemptRecord } from '../store/resume-attempts.ts';
import { sessionView } from '../views.ts';
import { readBody, readQuery } from './input.ts';
import type { Limiters, RouteDeps } from './routes-account.ts';
import { refuseIfLimited } from './rate-limit.ts';

export function sessionRoutes(app: Hono, { ctx, sessions }: RouteDeps, limiters: Limiters, history: HistoryService): void {
  // Reading and driving sessions is for a person's device (a phone, a terminal): a machine token gets 403.
  const auth = (c: Context) => authenticate(ctx, c.req.header('authorization'), PEOPLE);
  const session = (accountId: string, id: string) => {
    const s = ctx.stores.sessions.get(accountId, id);
    if (!s) throw new BatonError('not-found', `no session ${id}`);
    return s;
  };

  app.post('/api/sessions', async (c) => {
    const a = auth(c);
    const body = await readBody(c, StartSessionSchema);
    // Each start is an agent process on a machine: a burst, then one every 10 s per device (docs/security.md).
    refuseIfLimited(limiters.starts.take(a.deviceId), 'this device is starting sessions too fast; wait a moment');
    return c.json({ session: sessions.startSession(a.accountId, body) }, 201);
  });

  app.get('/api/sessions/:id', (c) => {
    const a = auth(c);
    return c.json({ session: sessionView(ctx, session(a.accountId, c.req.param('id'))) });
  });

  app.patch('/api/sessions/:id', async (c) => {
    const a = auth(c);
    session(a.accountId, c.req.param('id'));
    const body = await readBody(c, RenameSessionSchema);
    return c.json({ session: sessions.editSession(a.accountId, c.req.param('id'), body) });
  });

  app.get('/api/sessions/:id/messages', (c) => {
    const a = auth(c);
    const s = session(a.accountId, c.req.param('id'));
    const q = readQuery(c, MessagesQuerySchema);
    if (q.after !== undefined && q.before !== undefined) throw new BatonError('bad-request', 'invalid query: use either after or before, not both');
    const limit = q.limit ?? LIMITS.pageSize;
    // One more than asked tells whether there is more in the paging direction.
    const rows = q.after !== undefined
      ? ctx.stores.messages.after(s.id, q.after, limit + 1)
      : ctx.stores.messages.before(s.id, q.before ?? Number.MAX_SAFE_INTEGER, limit + 1);
    const hasMore = rows.length > limit;
    const page = hasMore ? (q.after !== undefined ? rows.slice(0, limit) : rows.slice(1)) : rows;
    return c.json({ messages: page.map(toMessageRecord), hasMore });
  });

  app.post('/api/sessions/:id/messages', async (c) => {
    const a = auth(c);
    session(a.accountId, c.req.param('id'));
    const body = await readBody(c, SendMessageSchema);
    // A retry of a message already stored (same client id) is free: an outbox must always be able to learn its fate.
    const out = sessions.sendMessage(a.accountId, c.req.param('id'), body, () =>
      refuseIfLimited(limiters.sends.take(a.deviceId), 'this device is sending too fast; wait a moment'));
    return c.json({ message: out.message }, out.status);
  });

  // A message held for its offline machine, called off by the user before the machine came back.
  app.post('/api/sessions/:id/messages/:messageId/cancel', (c) => {
    const a = auth(c);
    session(a.accountId, c.req.param('id'));
    return c.json({ message: sessions.cancelHeld(a.accountId, c.req.param('id'), c.req.param('messageId')) });
  });

  // Invariant 5: an archived session is never resumed (a resume in flight is called off, nothing held for it waits on).
  app.post('/api/sessions/:id/archive', (c) => c.json({ session: sessions.setArchived(auth(c).accountId, c.req.param('id'), true) }));
  app.post('/api/sessions/:id/unarchive', (c) => c.json({ session: sessions.setArchived(auth(c).accountId, c.req.param('id'), false) }));
  app.post('/api/sessions/:id/stop', (c) => c.json({ session: sessions.stopSession(auth(c).accountId, c.req.param('id')) }));
  app.post('/api/sessions/:id/takeover', (c) => c.json({ session: sessions.takeOver(auth(c).accountId, c.req.param('id')) }));

  app.post('/api/sessions/:id/interrupt', (c) => {
    sessions.interruptSession(auth(c).accountId, c.req.param('id'));
    return c.body(null, 204);
  });

  app.post('/api/sessions/:id/permissions/:permissionId', async (c) => {
    const a = auth(c);
    session(a.accountId, c.req.param('id'));
    const body = await readBody(c, PermissionAnswerSchema);
    // No await between this check and the answer: nothing can change the request in between.
    if (body.inputHash !== undefined) requireInputHash(a.accountId, c.req.param('id'), c.req.param('permissionId'), body.inputHash);
    // Who answered goes with the answer (and to the daemon's log); names made by `baton up` are not length-checked.
    const by = { deviceId: a.deviceId, name: a.name.slice(0, LIMITS.nameChars) };
    return c.json({ message: sessions.answerPermission(a.accountId, c.req.param('id'), c.req.param('permissionId'), body.decision, by, body.scope) });
  });

  /** An answer bound to what it was shown (a notification's Allow): refused unless the request's input is that one. */
  function requireInputHash(accountId: string, sessionId: string, permissionId: string, inputHash: string): void {
    const m = ctx.stores.messages.permission(session(accountId, sessionId).id, permissionId);
    if (!m?.permission) return; // answerPermission says "no permission request"
    const info = JSON.parse(m.permission) as PermissionInfo;
    if (permissionInputHash(info.input) !== inputHash) {
      throw new BatonError('conflict', 'this answer was for a different request than the one the agent is asking now; open the session to see it');
    }
  }

  // The vendor's own record of the conversation, read on its machine now (read-only, nothing stored here):
  // how a direct session can be read before taking it over, and a taken-over one's earlier turns.
  app.get('/api/sessions/:id/history', async (c) => {
    const a = auth(c);
    const s = session(a.accountId, c.req.param('id'));
    const q = readQuery(c, HistoryQuerySchema);
    return c.json(await history.read(s, q.before ?? null, q.limit ?? HISTORY.pageMax));
  });

  app.get('/api/sessions/:id/resume-attempts', (c) => {
    const a = auth(c);
    const s = session(a.accountId, c.req.param('id'));
    return c.json({ attempts: ctx.stores.attempts.ofSession(s.id).map(toAttemptRecord) });
  });
}
