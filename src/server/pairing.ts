// Accounts, pairing codes and device tokens: how a phone, machine or CLI gets its revocable token.
import { BatonError, LIMITS, asAccountId, type AccountId } from '../core/index.ts';
import type { ServerContext } from './context.ts';
import type { DeviceKind } from './store/accounts.ts';
import { hashSecret, newId, newPairingCode, newToken, normalizePairingCode, sameHash } from './tokens.ts';

/** The subset of the context pairing needs, so `baton pair` can use it on the database alone. */
export type PairingDeps = Pick<ServerContext, 'stores' | 'db' | 'now'> & { change: ServerContext['change'] };

export interface PairingCode {
  readonly code: string;
  readonly expiresAt: number;
  readonly link: string;
}

export interface IssuedToken {
  readonly token: string;
  readonly deviceId: string;
  readonly machineId: string | null;
}

export function createAccount(deps: PairingDeps, isDefault = false): AccountId {
  const id = newId('acc');
  deps.change(() => deps.stores.accounts.insertAccount(id, deps.now(), isDefault));
  return asAccountId(id);
}

/** The home's own account, created on first use (the single-user set-up `baton up` runs). */
export function defaultAccount(deps: PairingDeps): AccountId {
  return deps.db.transaction(() => {
    const existing = deps.stores.accounts.defaultAccountId();
    if (existing) return asAccountId(existing);
    const id = newId('acc');
    deps.stores.accounts.insertAccount(id, deps.now(), true);
    return asAccountId(id);
  }).immediate();
}

/** The link carries its server, so an app served from elsewhere (or holding several servers) pairs with this one. */
export function pairingLink(baseUrl: string, code: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return `${base}/pair?code=${encodeURIComponent(code)}&server=${encodeURIComponent(base)}`;
}

/** `createdBy`: the device that asked for it over the API (its revocation drops the code); null on the server's machine. */
export function createPairingCode(deps: PairingDeps, accountId: string, kind: DeviceKind, baseUrl: string, createdBy: string | null = null): PairingCode {
  if (!deps.stores.accounts.accountExists(accountId)) throw new BatonError('not-found', `no account ${accountId}`);
  const code = newPairingCode();
  const now = deps.now();
  const expiresAt = now + LIMITS.pairingCodeSeconds * 1000;
  deps.db.transaction(() => {
    deps.stores.accounts.pruneCodes(now);
    deps.stores.accounts.insertPairingCode({ code_hash: hashSecret(normalizePairingCode(code)), account_id: accountId, kind, created_at: now, expires_at: expiresAt, created_by: createdBy });
  }).immediate();
  return { code, expiresAt, link: pairingLink(baseUrl, code) };
}

/** A new device (and, for a machine, its machine row) with a fresh token; only the hash is kept. */
export function issueToken(deps: PairingDeps, accountId: string, kind: DeviceKind, name: string): IssuedToken {
  return deps.change((tx) => {
    if (!deps.stores.accounts.accountExists(accountId)) throw new BatonError('not-found', `no account ${accountId}`);
    const token = newToken('bt');
    const deviceId = newId('dev');
    const now = deps.now();
    let machineId: string | null = null;
    if (kind === 'machine') {
      machineId = newId('mac');
      deps.stores.machines.insert(machineId, accountId, name, now, tx.cursor(accountId));
    }
    deps.stores.accounts.insertDevice({ id: deviceId, account_id: accountId, kind, name, token_hash: hashSecret(token), machine_id: machineId, created_at: now });
    return { token, deviceId, machineId };
  });
}

/** Redeems a one-time code; a wrong, used or expired code is refused with one message, giving nothing away. */
export function redeemPairingCode(deps: PairingDeps, code: string, kind: DeviceKind, name: string): IssuedToken & { accountId: string } {
  return deps.change(() => {
    const hash = hashSecret(normalizePairingCode(code));
    const row = deps.stores.accounts.pairingCode(hash);
    const now = deps.now();
    // Found by hash (timing of the lookup says nothing about the code); the constant-time compare is the only check.
    if (!row || !sameHash(row.code_hash, hash) || row.used_at !== null || row.expires_at <= now) {
      throw new BatonError('pairing-failed', 'that pairing code is wrong, already used or expired; run `baton pair` for a new one');
    }
    if (row.kind !== kind) throw new BatonError('pairing-failed', `that pairing code is for a ${row.kind}, not a ${kind}`);
    if (!deps.stores.accounts.usePairingCode(hash, now)) throw new BatonError('pairing-failed', 'that pairing code was already used');
    return { ...issueToken(deps, row.account_id, kind, name), accountId: row.account_id };
  });
}
