// Pairing codes made straight on a home's database (for `baton pair`), with or without a server running.
import { existsSync, readFileSync } from 'node:fs';
import { createContext } from './context.ts';
import { openDatabase } from './db/open-database.ts';
import { DEFAULT_PORT, serverInfoPath } from './paths.ts';
import { createPairingCode, defaultAccount, type PairingCode } from './pairing.ts';
import { createStores } from './store/index.ts';

export interface LocalPairing {
  /** Whether `<home>/server.json` names a live process. */
  readonly serverRunning: boolean;
  createCode(kind: 'phone' | 'machine' | 'cli'): PairingCode;
  close(): void;
}

/** `databaseUrl`: the server keeps its data in Postgres (`baton server --database`), not in `<home>/baton.db`. */
export function openPairingDatabase(home: string, publicUrl?: string, databaseUrl?: string): LocalPairing {
  const db = openDatabase(home, databaseUrl !== undefined ? { url: databaseUrl } : {});
  const info = readServerInfo(home);
  const serverRunning = info !== null && isAlive(info.pid);
  const baseUrl = publicUrl ?? info?.url ?? `http://127.0.0.1:${DEFAULT_PORT}`;
  const ctx = createContext({
    db, stores: createStores(db), now: Date.now, log: () => {}, resumeTimeoutMs: 0, heartbeatTimeoutMs: 0, publicUrl: () => baseUrl,
  });
  return {
    serverRunning,
    createCode: (kind) => createPairingCode(ctx, defaultAccount(ctx), kind, baseUrl),
    close: () => db.close(),
  };
}

function readServerInfo(home: string): { url: string; pid: number } | null {
  const path = serverInfoPath(home);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { url: string; pid: number };
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
