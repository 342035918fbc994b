// Accounts, their devices (each with a hashed, revocable token) and one-time pairing codes.
import type { Db } from '../db/open-database.ts';
import type { DeviceRecord } from '../../core/index.ts';

export type DeviceKind = 'phone' | 'machine' | 'cli';

export interface DeviceRow {
  id: string;
  account_id: string;
  kind: DeviceKind;
  name: string;
  token_hash: string;
  machine_id: string | null;
  created_at: number;
  revoked_at: number | null;
}

export interface PairingCodeRow {
  code_hash: string;
  account_id: string;
  kind: DeviceKind;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  /** The device that asked for it (null: `baton pair` or `baton up` on the server's machine). */
  created_by: string | null;
}

export function createAccountStore(db: Db) {
  const s = {
    insertAccount: db.prepare('INSERT INTO accounts (id, created_at, is_default) VALUES (?, ?, ?)'),
    defaultAccount: db.prepare<[], { id: string }>('SELECT id FROM accounts WHERE is_default = 1 LIMIT 1'),
    accountExists: db.prepare<[string], { id: string }>('SELECT id FROM accounts WHERE id = ?'),
    insertDevice: db.prepare('INSERT INTO devices (id, account_id, kind, name, token_hash, machine_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    deviceByHash: db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE token_hash = ?'),
    device: db.prepare<[string, string], DeviceRow>('SELECT * FROM devices WHERE id = ? AND account_id = ?'),
    devices: db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE account_id = ? ORDER BY created_at, id'),
    revoke: db.prepare('UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    insertCode: db.prepare('INSERT INTO pairing_codes (code_hash, account_id, kind, created_at, expires_at, created_by) VALUES (?, ?, ?, ?, ?, ?)'),
    dropCodesBy: db.prepare('DELETE FROM pairing_codes WHERE created_by = ? AND used_at IS NULL'),
    dropUnused: db.prepare('DELETE FROM pairing_codes WHERE used_at IS NULL'),
    code: db.prepare<[string], PairingCodeRow>('SELECT * FROM pairing_codes WHERE code_hash = ?'),
    useCode: db.prepare('UPDATE pairing_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL'),
    pruneCodes: db.prepare('DELETE FROM pairing_codes WHERE expires_at < ?'),
  };
  return {
    insertAccount(id: string, now: number, isDefault: boolean): void {
      s.insertAccount.run(id, now, isDefault ? 1 : 0);
    },
    defaultAccountId: (): string | null => s.defaultAccount.get()?.id ?? null,
    accountExists: (id: string): boolean => s.accountExists.get(id) !== undefined,
    insertDevice(d: Omit<DeviceRow, 'revoked_at'>): void {
      s.insertDevice.run(d.id, d.account_id, d.kind, d.name, d.token_hash, d.machine_id, d.created_at);
    },
    deviceByTokenHash: (hash: string): DeviceRow | undefined => s.deviceByHash.get(hash),
    device: (accountId: string, id: string): DeviceRow | undefined => s.device.get(id, accountId),
    devices: (accountId: string): DeviceRow[] => s.devices.all(accountId),
    revokeDevice: (id: string, now: number): boolean => s.revoke.run(now, id).changes > 0,
    insertPairingCode(c: Omit<PairingCodeRow, 'used_at'>): void {
      s.insertCode.run(c.code_hash, c.account_id, c.kind, c.created_at, c.expires_at, c.created_by);
    },
    /** Drops the unused codes a device asked for (it was revoked); returns how many. */
    dropCodesMadeBy: (deviceId: string): number => s.dropCodesBy.run(deviceId).changes,
    /** Drops every unused code of every account (too many wrong guesses: no live code stays guessable). */
    dropUnusedCodes: (): number => s.dropUnused.run().changes,
    pairingCode: (hash: string): PairingCodeRow | undefined => s.code.get(hash),
    /** Marks a code used; false if someone used it first (one-time even under a race). */
    usePairingCode: (hash: string, now: number): boolean => s.useCode.run(now, hash).changes > 0,
    /** Drops codes that expired more than a day ago; they can never pair again anyway. */
    pruneCodes: (now: number): void => void s.pruneCodes.run(now - 24 * 3600_000),
  };
}
export type AccountStore = ReturnType<typeof createAccountStore>;

export function toDeviceRecord(row: DeviceRow, currentDeviceId: string | null): DeviceRecord {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    createdAt: row.created_at,
    revoked: row.revoked_at !== null,
    current: row.id === currentDeviceId,
  };
}
