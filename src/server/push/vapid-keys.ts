// The server's VAPID key pair (RFC 8292): made at first start, kept in `<home>/vapid.json` (0600), reused after.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import webpush from 'web-push';
import type { Db } from '../db/db.ts';

export interface VapidKeys {
  /** base64url, uncompressed P-256 point: the `applicationServerKey` phones subscribe with. */
  readonly publicKey: string;
  readonly privateKey: string;
}

export function vapidPath(home: string): string {
  return join(home, 'vapid.json');
}

/**
 * The home's keys, made if there are none. A file that cannot be read as keys is moved aside and new keys made:
 * subscriptions bound to the old key stop working (the sender drops them) and phones turn notifications on again.
 */
/**
 * Keys every instance on a shared database uses: kept in its `server_keys` table, made by the first instance (from its
 * home's vapid.json when it has one, so moving a server onto Postgres keeps its phones' subscriptions).
 */
export function loadOrCreateSharedVapidKeys(db: Db, home: string, log: (line: string) => void): VapidKeys {
  const read = db.prepare<[string], { value: string }>('SELECT value FROM server_keys WHERE name = ?');
  const stored = read.get('vapid');
  if (stored) return JSON.parse(stored.value) as VapidKeys;
  const mine = loadOrCreateVapidKeys(home, log);
  db.prepare('INSERT INTO server_keys (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING')
    .run('vapid', JSON.stringify({ publicKey: mine.publicKey, privateKey: mine.privateKey }), Date.now());
  // Another instance may have stored its keys first: those are everyone's.
  return JSON.parse(read.get('vapid')!.value) as VapidKeys;
}

export function loadOrCreateVapidKeys(home: string, log: (line: string) => void): VapidKeys {
  const path = vapidPath(home);
  if (existsSync(path)) {
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<VapidKeys>;
      if (typeof parsed.publicKey === 'string' && typeof parsed.privateKey === 'string') {
        webpush.setVapidDetails('mailto:check@localhost', parsed.publicKey, parsed.privateKey);
        return { publicKey: parsed.publicKey, privateKey: parsed.privateKey };
      }
      throw new Error('no publicKey and privateKey');
    } catch (err) {
      const aside = `${path}.unreadable-${Date.now()}`;
      renameSync(path, aside);
      log(`push: ${path} could not be used (${(err as Error).message}); moved to ${aside}, new keys made`);
    }
  }
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const keys = webpush.generateVAPIDKeys();
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ publicKey: keys.publicKey, privateKey: keys.privateKey, createdAt: new Date().toISOString() })}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return { publicKey: keys.publicKey, privateKey: keys.privateKey };
}
