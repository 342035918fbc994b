// Turns a bearer token into who is asking: a device of one account, a share link, or nobody.
import { BatonError, PEOPLE, PHONES, type Callers } from '../core/index.ts';
import type { ServerContext } from './context.ts';
import type { DeviceKind, DeviceRow } from './store/accounts.ts';
import { isShareUsable, type ShareRow } from './store/shares.ts';
import { hashSecret, sameHash } from './tokens.ts';

export interface DeviceAuth {
  readonly accountId: string;
  readonly deviceId: string;
  /** The device's name as paired (recorded with what it does, e.g. the permission answers it gives). */
  readonly name: string;
  readonly kind: DeviceKind;
  readonly machineId: string | null;
}

// Who may call an HTTP route (docs/security.md, "Roles") is in the route table (src/core/routes.ts). A machine token is
// never among them: it speaks only the machine protocol on `/api/machine` (its daemon pairs through `POST /api/pair`).
export { PEOPLE, PHONES, type Callers };

export type TokenLookup =
  | { readonly type: 'device'; readonly device: DeviceRow }
  | { readonly type: 'revoked' }
  | { readonly type: 'share'; readonly share: ShareRow }
  | { readonly type: 'unknown' };

export function lookupToken(ctx: ServerContext, token: string): TokenLookup {
  const hash = hashSecret(token);
  const device = ctx.stores.accounts.deviceByTokenHash(hash);
  // The index found the row by hash; the constant-time compare keeps that the only thing that matters.
  if (device && sameHash(device.token_hash, hash)) return device.revoked_at === null ? { type: 'device', device } : { type: 'revoked' };
  const share = ctx.stores.shares.byTokenHash(hash);
  if (share && sameHash(share.token_hash, hash) && isShareUsable(share, ctx.now())) return { type: 'share', share };
  return { type: 'unknown' };
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match ? match[1]! : null;
}

/**
 * A device token of one of `callers`, or an error for the HTTP layer: none/unknown/revoked → 401; a share token, a
 * machine token or another kind not among `callers` → 403 (before anything is read or changed).
 */
export function authenticate(ctx: ServerContext, header: string | undefined, callers: Callers): DeviceAuth {
  const token = bearerToken(header);
  if (token === null) throw new BatonError('unauthorized', 'send `Authorization: Bearer <token>`; pair this device to get one');
  const found = lookupToken(ctx, token);
  switch (found.type) {
    case 'device': {
      const d = found.device;
      if (!(callers as readonly DeviceKind[]).includes(d.kind)) throw new BatonError('forbidden', refusalFor(d.kind, callers));
      return { accountId: d.account_id, deviceId: d.id, name: d.name, kind: d.kind, machineId: d.machine_id };
    }
    case 'revoked':
      throw new BatonError('unauthorized', 'this device’s token was revoked; pair it again');
    case 'share':
      throw new BatonError('forbidden', 'a share link only opens GET /api/shared and the events socket');
    case 'unknown':
      throw new BatonError('unauthorized', 'unknown token; pair this device again');
  }
}

function refusalFor(kind: DeviceKind, callers: Callers): string {
  if (kind === 'machine') return 'a machine token speaks only the machine protocol (the /api/machine socket); use a phone or a terminal paired with `baton pair` for this';
  return callers.length === 1 && callers[0] === 'phone'
    ? 'only a phone paired with the app can do this (notifications)'
    : `a ${kind} token cannot do this; use a ${callers.join(' or ')} token`;
}
