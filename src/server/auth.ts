// Turns a bearer token into who is asking: a device of one account, a share link, or nobody.
import { BatonError } from '../core/index.ts';
import type { ServerContext } from './context.ts';
import type { DeviceKind, DeviceRow } from './store/accounts.ts';
import { isShareUsable, type ShareRow } from './store/shares.ts';
import { hashSecret, sameHash } from './tokens.ts';

export interface DeviceAuth {
  readonly accountId: string;
  readonly deviceId: string;
  readonly kind: DeviceKind;
  readonly machineId: string | null;
}

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

/** A device token or an error for the HTTP layer: none/unknown/revoked → 401, a share token → 403. */
export function authenticate(ctx: ServerContext, header: string | undefined): DeviceAuth {
  const token = bearerToken(header);
  if (token === null) throw new BatonError('unauthorized', 'send `Authorization: Bearer <token>`; pair this device to get one');
  const found = lookupToken(ctx, token);
  switch (found.type) {
    case 'device':
      return { accountId: found.device.account_id, deviceId: found.device.id, kind: found.device.kind, machineId: found.device.machine_id };
    case 'revoked':
      throw new BatonError('unauthorized', 'this device’s token was revoked; pair it again');
    case 'share':
      throw new BatonError('forbidden', 'a share link only opens GET /api/shared and the events socket');
    case 'unknown':
      throw new BatonError('unauthorized', 'unknown token; pair this device again');
  }
}
