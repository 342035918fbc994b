// Phones' Web Push subscriptions (one per device) and each device's notification settings.
import { DEFAULT_PUSH_SETTINGS, NOTIFICATION_KINDS, type PushSettings, type PushSettingsPatch } from '../../core/index.ts';
import type { Db } from '../db/open-database.ts';

export interface SubscriptionRow {
  device_id: string;
  account_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  vapid_public_key: string;
  created_at: number;
}

export function createSubscriptionStore(db: Db) {
  const s = {
    put: db.prepare(`INSERT INTO push_subscriptions (device_id, account_id, endpoint, p256dh, auth, vapid_public_key, created_at)
      VALUES (@device_id, @account_id, @endpoint, @p256dh, @auth, @vapid_public_key, @created_at)
      ON CONFLICT (device_id) DO UPDATE SET endpoint = excluded.endpoint, p256dh = excluded.p256dh, auth = excluded.auth,
        vapid_public_key = excluded.vapid_public_key, created_at = excluded.created_at`),
    // A browser's subscription belongs to the device that registered it last (a phone paired again, say).
    dropSameEndpoint: db.prepare('DELETE FROM push_subscriptions WHERE account_id = ? AND endpoint = ? AND device_id <> ?'),
    get: db.prepare<[string], SubscriptionRow>('SELECT * FROM push_subscriptions WHERE device_id = ?'),
    /** Subscriptions a notification may go to: devices not revoked. */
    live: db.prepare<[string], SubscriptionRow>(`SELECT p.* FROM push_subscriptions p JOIN devices d ON d.id = p.device_id
      WHERE p.account_id = ? AND d.revoked_at IS NULL ORDER BY p.device_id`),
    liveOfDevice: db.prepare<[string], SubscriptionRow>(`SELECT p.* FROM push_subscriptions p JOIN devices d ON d.id = p.device_id
      WHERE p.device_id = ? AND d.revoked_at IS NULL`),
    remove: db.prepare('DELETE FROM push_subscriptions WHERE device_id = ?'),
    removeIfEndpoint: db.prepare('DELETE FROM push_subscriptions WHERE device_id = ? AND endpoint = ?'),
    settings: db.prepare<[string], { settings: string }>('SELECT settings FROM push_settings WHERE device_id = ?'),
    putSettings: db.prepare(`INSERT INTO push_settings (device_id, account_id, settings, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (device_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`),
    removeSettings: db.prepare('DELETE FROM push_settings WHERE device_id = ?'),
  };
  const settingsOf = (deviceId: string): PushSettings => {
    const row = s.settings.get(deviceId);
    if (!row) return DEFAULT_PUSH_SETTINGS;
    const stored = JSON.parse(row.settings) as Partial<PushSettings>;
    // Kinds added after the row was written start with their default.
    return { kinds: { ...DEFAULT_PUSH_SETTINGS.kinds, ...stored.kinds }, previews: stored.previews ?? DEFAULT_PUSH_SETTINGS.previews };
  };
  return {
    put(row: SubscriptionRow): void {
      db.transaction(() => {
        s.dropSameEndpoint.run(row.account_id, row.endpoint, row.device_id);
        s.put.run(row);
      })();
    },
    get: (deviceId: string): SubscriptionRow | undefined => s.get.get(deviceId),
    live: (accountId: string): SubscriptionRow[] => s.live.all(accountId),
    liveOfDevice: (deviceId: string): SubscriptionRow | undefined => s.liveOfDevice.get(deviceId),
    remove: (deviceId: string): boolean => s.remove.run(deviceId).changes > 0,
    /** The push service said the endpoint is gone (404/410): forget it, unless the device has subscribed anew since. */
    removeIfEndpoint: (deviceId: string, endpoint: string): boolean => s.removeIfEndpoint.run(deviceId, endpoint).changes > 0,
    settings: settingsOf,
    updateSettings(deviceId: string, accountId: string, patch: PushSettingsPatch, now: number): PushSettings {
      const current = settingsOf(deviceId);
      const kinds = { ...current.kinds };
      for (const k of NOTIFICATION_KINDS) if (patch.kinds?.[k] !== undefined) kinds[k] = patch.kinds[k]!;
      const next: PushSettings = { kinds, previews: patch.previews ?? current.previews };
      s.putSettings.run(deviceId, accountId, JSON.stringify(next), now);
      return next;
    },
    removeSettings: (deviceId: string): void => void s.removeSettings.run(deviceId),
  };
}
export type SubscriptionStore = ReturnType<typeof createSubscriptionStore>;
