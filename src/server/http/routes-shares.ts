// Read-only share links: create, list, revoke, and the one route a share token opens.
import type { Context, Hono } from 'hono';
import { BatonError, CreateShareSchema, LIMITS } from '../../core/index.ts';
import { authenticate, lookupToken } from '../auth.ts';
import { toMessageRecord } from '../store/messages.ts';
import { toShareRecord } from '../store/shares.ts';
import { hashSecret, newId, newToken } from '../tokens.ts';
import { sessionView } from '../views.ts';
import { readBody } from './input.ts';
import { clientKey, type Limiters, type RouteDeps } from './routes-account.ts';
import { refuseIfLimited } from './rate-limit.ts';

export function shareRoutes(app: Hono, { ctx, trustProxy }: RouteDeps, limiters: Limiters): void {
  const auth = (c: Context) => authenticate(ctx, c.req.header('authorization'));
  const session = (accountId: string, id: string) => {
    const s = ctx.stores.sessions.get(accountId, id);
    if (!s) throw new BatonError('not-found', `no session ${id}`);
    return s;
  };

  app.post('/api/sessions/:id/shares', async (c) => {
    const a = auth(c);
    const s = session(a.accountId, c.req.param('id'));
    const body = await readBody(c, CreateShareSchema);
    const token = newToken('bs');
    const id = newId('shr');
    const now = ctx.now();
    const expiresAt = now + body.expiresInSeconds * 1000;
    ctx.change((tx) => {
      ctx.stores.shares.insert({ id, account_id: a.accountId, session_id: s.id, token_hash: hashSecret(token), created_at: now, expires_at: expiresAt });
      tx.cursor(a.accountId);
    });
    // The link names its server: a phone whose app is served from elsewhere still reads it from here.
    const base = ctx.publicUrl().replace(/\/+$/, '');
    const url = `${base}/shared/${token}?server=${encodeURIComponent(base)}`;
    return c.json({ id, token, url, expiresAt }, 201);
  });

  app.get('/api/sessions/:id/shares', (c) => {
    const a = auth(c);
    const s = session(a.accountId, c.req.param('id'));
    return c.json({ shares: ctx.stores.shares.ofSession(s.id).map(toShareRecord) });
  });

  app.delete('/api/shares/:id', (c) => {
    const a = auth(c);
    const share = ctx.stores.shares.get(a.accountId, c.req.param('id'));
    if (!share) throw new BatonError('not-found', `no share ${c.req.param('id')}`);
    ctx.change((tx) => {
      ctx.stores.shares.revoke(share.id, ctx.now());
      tx.cursor(a.accountId);
    });
    ctx.phones.disconnectShare(share.id);
    return c.body(null, 204);
  });

  app.get('/api/shared/:token', (c) => {
    refuseIfLimited(limiters.shareReads.take(clientKey(c, trustProxy)), 'too many share-link reads from this address; wait a moment');
    const found = lookupToken(ctx, c.req.param('token'));
    if (found.type !== 'share') throw new BatonError('not-found', 'this share link is unknown, expired or revoked');
    const s = ctx.stores.sessions.byId(found.share.session_id)!;
    const messages = ctx.stores.messages.before(s.id, Number.MAX_SAFE_INTEGER, LIMITS.pageSize).map(toMessageRecord);
    return c.json({ session: sessionView(ctx, s), messages });
  });
}
