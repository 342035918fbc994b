// Read-only share links: create, list, revoke, and the one route a share token opens.
import { BatonError, LIMITS } from '../../core/index.ts';
import { bearerToken, lookupToken } from '../auth.ts';
import type { ShareRow } from '../store/shares.ts';
import { toShareRecord } from '../store/shares.ts';
import { hashSecret, newId, newToken } from '../tokens.ts';
import { sharedMessageView, sharedSessionView } from '../shared-view.ts';
import type { RouteHandlers } from './register-routes.ts';
import { clientKey, type Limiters, type RouteDeps } from './routes-account.ts';
import { refuseIfLimited } from './rate-limit.ts';

type ShareRoute = 'createShare' | 'listShares' | 'revokeShare' | 'readShared' | 'readSharedByPath';

// Making, listing and revoking links is for a person's device; the link itself only reads (GET /api/shared).
export function shareRoutes({ ctx, trustProxy }: RouteDeps, limiters: Limiters): RouteHandlers<ShareRoute> {
  const session = (accountId: string, id: string) => {
    const s = ctx.stores.sessions.get(accountId, id);
    if (!s) throw new BatonError('not-found', `no session ${id}`);
    return s;
  };

  /** What a share viewer sees: the session's title and kind, its latest messages, nothing of the machine or vendor. */
  const sharedView = (share: ShareRow) => {
    const s = ctx.stores.sessions.byId(share.session_id)!;
    const messages = ctx.stores.messages.before(s.id, Number.MAX_SAFE_INTEGER, LIMITS.pageSize).map(sharedMessageView);
    return { session: sharedSessionView(s), messages };
  };
  const notShared = () => new BatonError('not-found', 'this share link is unknown, expired or revoked');

  return {
    createShare: async ({ auth: a, params, body }) => {
      const s = session(a.accountId, params.id);
      const { expiresInSeconds } = await body();
      const token = newToken('bs');
      const id = newId('shr');
      const now = ctx.now();
      const expiresAt = now + expiresInSeconds * 1000;
      ctx.change((tx) => {
        ctx.stores.shares.insert({ id, account_id: a.accountId, session_id: s.id, token_hash: hashSecret(token), created_at: now, expires_at: expiresAt, created_by: a.deviceId });
        tx.cursor(a.accountId);
      });
      // The token rides in the fragment: a browser never sends it to the server, a proxy or a log (the app reads it).
      // The link names its server too: a phone whose app is served from elsewhere still reads it from here.
      const base = ctx.publicUrl().replace(/\/+$/, '');
      const url = `${base}/shared?server=${encodeURIComponent(base)}#${token}`;
      return { id, token, url, expiresAt };
    },

    listShares: ({ auth: a, params }) => {
      const s = session(a.accountId, params.id);
      return { shares: ctx.stores.shares.ofSession(s.id).map(toShareRecord) };
    },

    revokeShare: ({ auth: a, params }) => {
      const share = ctx.stores.shares.get(a.accountId, params.id);
      if (!share) throw new BatonError('not-found', `no share ${params.id}`);
      ctx.change((tx) => {
        ctx.stores.shares.revoke(share.id, ctx.now());
        tx.cursor(a.accountId);
      });
      ctx.phones.disconnectShare(share.id);
      return null;
    },

    // The share token in `Authorization: Bearer bs_…`, where no request path (access log, proxy, history) holds it.
    readShared: ({ c }) => {
      refuseIfLimited(limiters.shareReads.take(clientKey(c, trustProxy)), 'too many share-link reads from this address; wait a moment');
      const token = bearerToken(c.req.header('authorization'));
      if (token === null) throw new BatonError('unauthorized', 'send the share link’s token as `Authorization: Bearer bs_…`');
      const found = lookupToken(ctx, token);
      if (found.type === 'device') throw new BatonError('forbidden', 'this route reads a share link; a device token reads GET /api/sessions/<id>');
      if (found.type !== 'share') throw notShared();
      return sharedView(found.share);
    },

    // Links made before the token moved to the fragment (`/shared/<token>`) still open: answered the same way.
    readSharedByPath: ({ c, params }) => {
      refuseIfLimited(limiters.shareReads.take(clientKey(c, trustProxy)), 'too many share-link reads from this address; wait a moment');
      const found = lookupToken(ctx, params.token);
      if (found.type !== 'share') throw notShared();
      return sharedView(found.share);
    },
  };
}
