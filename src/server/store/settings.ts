// Per-account settings (disabled backends, which Codex backend new sessions use).
import type { Db } from '../db/open-database.ts';
import type { Backend, SettingsRecord } from '../../core/index.ts';

const DEFAULTS: SettingsRecord = { disabledBackends: [], codexBackend: 'codex-app-server' };

export function createSettingsStore(db: Db) {
  const s = {
    get: db.prepare<[string], { disabled_backends: string; codex_backend: SettingsRecord['codexBackend']; cursor: number }>(
      'SELECT * FROM settings WHERE account_id = ?',
    ),
    put: db.prepare(`INSERT INTO settings (account_id, disabled_backends, codex_backend, cursor) VALUES (?, ?, ?, ?)
      ON CONFLICT (account_id) DO UPDATE SET disabled_backends = excluded.disabled_backends, codex_backend = excluded.codex_backend, cursor = excluded.cursor`),
  };
  return {
    get(accountId: string): SettingsRecord & { cursor: number } {
      const row = s.get.get(accountId);
      if (!row) return { ...DEFAULTS, cursor: 0 };
      return { disabledBackends: JSON.parse(row.disabled_backends) as Backend[], codexBackend: row.codex_backend, cursor: row.cursor };
    },
    put(accountId: string, settings: SettingsRecord, cursor: number): void {
      s.put.run(accountId, JSON.stringify([...new Set(settings.disabledBackends)]), settings.codexBackend, cursor);
    },
  };
}
export type SettingsStore = ReturnType<typeof createSettingsStore>;
