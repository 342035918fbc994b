// Routes about the account itself: pairing, devices, sync, machines, settings, health.
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, Hono } from 'hono';
import {
  BatonError, CreatePairingCodeSchema, PairRequestSchema, SettingsPatchSchema, SyncQuerySchema,
} from '../../core/index.ts';
import { authenticate, type DeviceAuth } from '../auth.ts';
import type { ServerContext } from '../context.ts';
import { createPairingCode, redeemPairingCode } from '../pairing.ts';
import { toDeviceRecord } from '../store/accounts.ts';
import { toMachineRecord } from '../store/machines.ts';
import { readSyncPage } from '../sync-page.ts';
import { readBody, readQuery } from './input.ts';
import { createFailureLimiter, createTokenBucket, refuseIfLimited, type FailureLimiter, type TokenBucket } from './rate-limit.ts';
import type { SessionService } from '../orchestrator/sessions.ts';

export interface RouteDeps {
  readonly ctx: ServerContext;
  /** Sessions: every change to one goes through its state machine (src/core/session). */
  readonly sessions: SessionService;
  readonly trustProxy: boolean;
  readonly version: string;
}

/** The limits docs/security.md explains (with the pairing brute-force arithmetic). */
export const RATE_LIMITS = {
  /** Wrong pairing codes per client address per window, and for everyone together. */
  pairFailuresPerClient: 10,
  pairFailuresOverall: 100,
  pairWindowMs: 10 * 60_000,
  /** Messages per device: a burst (an outbox flushing after a day offline), then one every two seconds. */
  sendBurst: 30,
  sendPerSecond: 0.5,
  /** Share-link reads per client address. */
  shareReadBurst: 30,
  shareReadPerSecond: 0.5,
} as const;

export interface Limiters {
  readonly pairPerClient: FailureLimiter;
  readonly pairOverall: FailureLimiter;
  readonly sends: TokenBucket;
  readonly shareReads: TokenBucket;
}

export type RateLimits = { -readonly [K in keyof typeof RATE_LIMITS]: number };

export function createLimiters(now: () => number, overrides: Partial<RateLimits> = {}): Limiters {
  const L: RateLimits = { ...RATE_LIMITS, ...overrides };
  return {
    pairPerClient: createFailureLimiter(L.pairFailuresPerClient, L.pairWindowMs, now),
    // One key only: nothing can push it out of the map, so no flood of addresses resets the global count.
    pairOverall: createFailureLimiter(L.pairFailuresOverall, L.pairWindowMs, now),
    sends: createTokenBucket(L.sendBurst, L.sendPerSecond, now),
    shareReads: createTokenBucket(L.shareReadBurst, L.shareReadPerSecond, now),
  };
}

export function clientKey(c: Context, trustProxy: boolean): string {
  const forwarded = trustProxy ? c.req.header('x-forwarded-for')?.split(',')[0]?.trim() : undefined;
  if (forwarded) return forwarded;
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Machine tokens drive the machine socket; managing devices and pairing is for people's devices. */
function requirePerson(a: DeviceAuth): void {
  if (a.kind === 'machine') throw new BatonError('forbidden', 'a machine token cannot manage devices or pairing');
}

/** `onRevoke` runs inside the revocation's transaction (the device's push subscription goes with it). */
export function accountRoutes(app: Hono, { ctx, trustProxy, version, sessions }: RouteDeps, limiters: Limiters, onRevoke: (deviceId: string) => void = () => {}): void {
  const auth = (c: Context) => authenticate(ctx, c.req.header('authorization'));
  // 10 wrong codes per address and 100 overall per 10 minutes: 50-bit codes stay out of reach (docs/security.md).
  const { pairPerClient: perClient, pairOverall: overall } = limiters;

  app.get('/api/health', (c) => c.json({ ok: true, version }));

  app.post('/api/pair', async (c) => {
    const key = clientKey(c, trustProxy);
    refuseIfLimited(Math.max(perClient.waitMs(key), overall.waitMs('*')), 'too many wrong pairing codes; wait a few minutes');
    const body = await readBody(c, PairRequestSchema);
    try {
      const issued = redeemPairingCode(ctx, body.code, body.kind, body.name);
      return c.json({ token: issued.token, accountId: issued.accountId, deviceId: issued.deviceId, machineId: issued.machineId }, 201);
    } catch (err) {
      if (err instanceof BatonError && err.kind === 'pairing-failed') {
        perClient.fail(key);
        overall.fail('*');
      }
      throw err;
    }
  });

  app.post('/api/pairing-codes', async (c) => {
    const a = auth(c);
    requirePerson(a);
    const body = await readBody(c, CreatePairingCodeSchema);
    return c.json(createPairingCode(ctx, a.accountId, body.kind, ctx.publicUrl()), 201);
  });

  app.get('/api/devices', (c) => {
    const a = auth(c);
    return c.json({ devices: ctx.stores.accounts.devices(a.accountId).map((d) => toDeviceRecord(d, a.deviceId)) });
  });

  app.delete('/api/devices/:id', (c) => {
    const a = auth(c);
    requirePerson(a);
    const device = ctx.stores.accounts.device(a.accountId, c.req.param('id'));
    if (!device) throw new BatonError('not-found', `no device ${c.req.param('id')}`);
    ctx.change((tx) => {
      ctx.stores.accounts.revokeDevice(device.id, ctx.now());
      onRevoke(device.id);
      tx.cursor(a.accountId);
    });
    ctx.machines.disconnectDevice(device.id);
    ctx.phones.disconnectDevice(device.id);
    return c.body(null, 204);
  });

  app.get('/api/sync', (c) => {
    const a = auth(c);
    const { since = 0, after, limit } = readQuery(c, SyncQuerySchema);
    return c.body(readSyncPage(ctx, a.accountId, { since, after, limit }), 200, { 'content-type': 'application/json' });
  });

  app.get('/api/machines', (c) => {
    const a = auth(c);
    return c.json({ machines: ctx.stores.machines.all(a.accountId).map(toMachineRecord) });
  });

  app.get('/api/settings', (c) => {
    const a = auth(c);
    const { cursor: _cursor, ...settings } = ctx.stores.settings.get(a.accountId);
    return c.json(settings);
  });

  app.put('/api/settings', async (c) => {
    const a = auth(c);
    const patch = await readBody(c, SettingsPatchSchema);
    const next = ctx.change((tx) => {
      const { cursor: _cursor, ...current } = ctx.stores.settings.get(a.accountId);
      const merged = { ...current, ...patch };
      const cursor = tx.cursor(a.accountId);
      ctx.stores.settings.put(a.accountId, merged, cursor);
      // Availability of every session may change with the disabled backends.
      ctx.stores.sessions.touchAccount(a.accountId, cursor);
      return merged;
    });
    // A backend disabled now blocks its sessions for good: messages held for them end at once.
    sessions.recheckHolds(a.accountId);
    return c.json(next);
  });
}
