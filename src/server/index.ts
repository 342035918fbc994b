// The Baton server: HTTP API, phone and machine sockets, and the PWA on one port, state in `<home>/baton.db`.
import { createAdaptorServer } from '@hono/node-server';
import { createServer as createHttpsServer } from 'node:https';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { DEFAULT_PORT, serverInfoPath } from './paths.ts';
import type { Server } from 'node:http';
import { WebSocketServer } from 'ws';
import { HOLD_LIMIT_MS, LIMITS, SOCKET_PATHS, type AccountId } from '../core/index.ts';
import { createPostgresCluster, type ClusterTimings } from './cluster/postgres-cluster.ts';
import { createContext, markMachineOffline } from './context.ts';
import type { PostgresDb } from './db/postgres.ts';
import { HomeUnusableError, openDatabase } from './db/open-database.ts';
import { storageReason } from './db/storage-error.ts';
import { createApp, misdirected } from './http/app.ts';
import { createHostCheck } from './http/host-check.ts';
import type { RateLimits } from './http/routes-account.ts';
import { originAllowed } from './http/origin-check.ts';
import { createMachineHub } from './hub/machine-hub.ts';
import { createPhoneHub, type SocketLimits } from './hub/phone-hub.ts';
import { createHistoryService } from './orchestrator/history.ts';
import { createSessionService } from './orchestrator/sessions.ts';
import * as pairing from './pairing.ts';
import { createPushService, type PushOptions, type PushService } from './push/push-service.ts';
import { createStores } from './store/index.ts';

export { DEFAULT_PORT, serverInfoPath } from './paths.ts';
export const SERVER_VERSION = '0.1.0';

export interface ServerOptions {
  home: string;
  /** 0 picks a free port; default DEFAULT_PORT. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** How long a resume may take before it fails with `timeout` (default 60 000). */
  resumeTimeoutMs?: number;
  /** No frame from a daemon for this long marks its machine offline (default 6 000). */
  heartbeatTimeoutMs?: number;
  /** The built PWA, served with SPA fallback (never for /api). */
  staticDir?: string | null;
  /** Behind a reverse proxy: take the client address from X-Forwarded-For (pairing rate limits). Links use `publicUrl`. */
  trustProxy?: boolean;
  /** Origins allowed by CORS (a PWA opened from another origin). */
  appOrigins?: string[];
  tls?: { cert: string; key: string };
  /** The URL people reach this server at, for pairing and share links; default the listening URL. */
  publicUrl?: string;
  /**
   * Host names answered besides the public URL's, localhost and this machine's own names and addresses
   * (`--allow-host`); any other Host gets 421 (DNS rebinding).
   */
  allowedHosts?: string[];
  /**
   * Keep the data in this Postgres database instead of `<home>/baton.db` (`--database`, BATON_DATABASE_URL). Several
   * servers may share one: each holds its own sockets, and they tell each other through it (src/server/cluster/).
   */
  databaseUrl?: string;
  /** With several instances on one Postgres: how long a machine lease lasts, how often they sweep (docs/scaling.md). */
  cluster?: ClusterTimings;
  /** A cap on `baton.db`'s size in bytes (`--max-db-mb`): past it writes are refused with 507, as on a full disk. */
  maxDatabaseBytes?: number;
  /** Overrides of the socket bounds (SOCKET_LIMITS: unsent bytes per socket, sockets per token). */
  socketLimits?: Partial<SocketLimits>;
  log?: (line: string) => void;
  /** Overrides of the default rate limits (docs/security.md). */
  rateLimits?: Partial<RateLimits>;
  /** Web Push: the VAPID contact, retry timings, the machine-offline grace (docs/api.md). */
  push?: PushOptions;
  /** Compress HTTP responses (br/gzip above 1 kB); turn off when a reverse proxy compresses. Default true. */
  compression?: boolean;
  /**
   * permessage-deflate on both sockets (default false). Measured in bench/socket-deflate.ts: for these small frames it
   * costs more server CPU (and, keeping its context, memory per socket) than the bytes it saves are worth
   * (docs/performance.md). 'no-context-takeover' compresses each frame alone; 'context-takeover' keeps a window per socket.
   */
  socketCompression?: false | 'no-context-takeover' | 'context-takeover';
  /**
   * How long a message sent to a session whose machine is offline is held for that machine before it fails
   * with `hold-expired` (default HOLD_LIMIT_MS, 24 h). 0 holds nothing: such a send is refused with 409.
   */
  holdMs?: number;
  /** Injected clock (tests). */
  now?: () => number;
}

export interface ServerAdmin {
  /** The home's own account; created on first call. */
  defaultAccount(): AccountId;
  createAccount(): AccountId;
  createPairingCode(accountId: AccountId, kind: 'phone' | 'machine' | 'cli'): { code: string; expiresAt: number; link: string };
  issueToken(accountId: AccountId, kind: 'phone' | 'machine' | 'cli', name: string): { token: string; deviceId: string; machineId: string | null };
}

export interface RunningServer {
  url: string;
  port: number;
  admin: ServerAdmin;
  /** The push service (tests wait on its sender). */
  push: PushService;
  stop(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => console.error(line));
  const now = options.now ?? Date.now;
  const db = openDatabase(options.home, {
    ...(options.maxDatabaseBytes !== undefined ? { maxBytes: options.maxDatabaseBytes } : {}),
    ...(options.databaseUrl !== undefined ? { url: options.databaseUrl } : {}),
  });
  const stores = createStores(db);
  let url = '';
  const ctx = createContext({
    db, stores, now, log,
    resumeTimeoutMs: options.resumeTimeoutMs ?? 60_000,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 6_000,
    publicUrl: () => options.publicUrl ?? url,
  });

  const cluster = db.shared ? createPostgresCluster(ctx, db as PostgresDb, options.cluster) : null;
  if (cluster) ctx.cluster = cluster;
  const sessions = createSessionService(ctx, { holdMs: options.holdMs ?? HOLD_LIMIT_MS });
  const history = createHistoryService(ctx);
  const machineHub = createMachineHub(ctx, sessions.machineEvents, history);
  const phoneHub = createPhoneHub(ctx, options.socketLimits);
  ctx.machines = machineHub;
  ctx.phones = {
    changed: phoneHub.changed,
    message: phoneHub.message,
    // A revocation closes the device's sockets on every instance, a share's viewers too.
    disconnectDevice(deviceId) {
      phoneHub.disconnectDevice(deviceId);
      ctx.cluster.disconnectDevice(deviceId);
    },
    disconnectShare(shareId) {
      phoneHub.disconnectShare(shareId);
      ctx.cluster.disconnectShare(shareId);
    },
  };
  // Notifications follow committed changes from here on, the start-up ones below included.
  const push = createPushService(ctx, options.home, phoneHub, options.push);

  try {
    // No daemon is connected to a process that just started: whatever the database says, they are offline. Not so
    // when other instances share the database: theirs are online, and a dead one's machines are swept once their
    // leases run out.
    if (!db.shared) ctx.change((tx) => {
      for (const m of stores.machines.staleOnline()) markMachineOffline(ctx, tx, m, stores.machines.byId(m.id)!.last_seen_at ?? now());
    });
    sessions.restore();
    cluster?.attach({ machineHub, phoneHub, history, machineEvents: sessions.machineEvents, sweepDeadlines: (before) => {
      sessions.sweepDeadlines(before);
      push.poll();
    } });
  } catch (e) {
    cluster?.stop();
    // A disk that is full or read-only now: say which file, once, instead of a stack trace.
    const why = storageReason(e, db);
    sessions.stop();
    push.stop();
    db.close();
    if (why) throw new HomeUnusableError(db.name, `${why}; free space there (or fix the disk), then start again`);
    throw e;
  }

  const host = options.host ?? '127.0.0.1';
  const hosts = createHostCheck({ publicUrl: () => ctx.publicUrl(), bindHost: host, allowedHosts: options.allowedHosts ?? [], trustProxy: options.trustProxy ?? false });
  const app = createApp({ ctx, sessions, push, history, hosts, trustProxy: options.trustProxy ?? false, version: SERVER_VERSION, staticDir: options.staticDir ?? null, appOrigins: options.appOrigins ?? [], tls: options.tls !== undefined, rateLimits: options.rateLimits, compression: options.compression ?? true });
  const server = (options.tls
    ? createAdaptorServer({ fetch: app.fetch, createServer: createHttpsServer, serverOptions: { cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) } })
    : createAdaptorServer({ fetch: app.fetch })) as Server;

  const wss = new WebSocketServer({
    noServer: true, maxPayload: LIMITS.wsFrameBytes,
    perMessageDeflate: options.socketCompression
      ? { threshold: 256, serverNoContextTakeover: options.socketCompression === 'no-context-takeover', clientNoContextTakeover: options.socketCompression === 'no-context-takeover' }
      : false,
  });
  // The machine hub answers daemons' pings itself: a pong confirms the frames before it were stored.
  const machineWss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.wsFrameBytes, autoPong: false });
  const originRule = { appOrigins: options.appOrigins ?? [], publicUrl: () => ctx.publicUrl(), trustProxy: options.trustProxy ?? false };
  server.on('upgrade', (req, socket, head) => {
    const path = upgradePath(req.url);
    const hub = path === SOCKET_PATHS.machine ? machineHub : path === SOCKET_PATHS.events ? phoneHub : null;
    if (!hub) {
      socket.destroy();
      return;
    }
    const foreign = hosts.foreignHost(req.headers);
    if (foreign !== null) {
      const body = JSON.stringify({ error: { kind: 'misdirected', message: misdirected(foreign).message } });
      socket.end(`HTTP/1.1 421 Misdirected Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    if (!originAllowed(req, originRule)) {
      // Before the upgrade: a page on another site never gets a socket to say hello on.
      const body = JSON.stringify({ error: { kind: 'forbidden', message: `origin ${String(req.headers.origin)} may not open this socket` } });
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    (hub === machineHub ? machineWss : wss).handleUpgrade(req, socket, head, (ws) => hub.accept(ws));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  // A wildcard bind is reachable on loopback; the CLI prints the LAN addresses for phones.
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  url = `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`;
  const infoPath = serverInfoPath(options.home);
  // On Postgres nothing else may have made the home yet (the database is elsewhere, the push keys in it).
  mkdirSync(options.home, { recursive: true, mode: 0o700 });
  writeFileSync(infoPath, `${JSON.stringify({ url, pid: process.pid })}\n`);

  const admin: ServerAdmin = {
    defaultAccount: () => pairing.defaultAccount(ctx),
    createAccount: () => pairing.createAccount(ctx),
    createPairingCode: (accountId, kind) => pairing.createPairingCode(ctx, accountId, kind, ctx.publicUrl()),
    issueToken: (accountId, kind, name) => pairing.issueToken(ctx, accountId, kind, name),
  };

  let stopped: Promise<void> | null = null;
  return {
    url,
    port,
    admin,
    push,
    stop() {
      stopped ??= (async () => {
        cluster?.stop();
        sessions.stop();
        push.stop();
        machineHub.close();
        phoneHub.close();
        wss.close();
        machineWss.close();
        server.closeAllConnections?.();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        try {
          const info = JSON.parse(readFileSync(infoPath, 'utf8')) as { pid?: number };
          if (info.pid === process.pid) rmSync(infoPath, { force: true });
        } catch {
          // already gone
        }
        db.close();
      })();
      return stopped;
    },
  };
}

/** The path an upgrade request asks for, or null when its target is no URL path (`//:.` made `new URL` throw and crash the process). */
function upgradePath(target: string | undefined): string | null {
  try {
    return new URL(target ?? '/', 'http://x').pathname;
  } catch {
    return null;
  }
}
