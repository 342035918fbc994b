// Routes about the account itself: pairing, devices, sync, machines, settings, health.
import type { Context } from 'hono';
import { BatonError } from '../../core/index.ts';
import type { ServerContext } from '../context.ts';
import { createPairingCode, redeemPairingCode } from '../pairing.ts';
import { toDeviceRecord } from '../store/accounts.ts';
import { toMachineRecord } from '../store/machines.ts';
import { readSyncPage } from '../sync-page.ts';
import { clientAddress, sourceKey } from './client-address.ts';
import { createFailureLimiter, createTokenBucket, refuseIfLimited, type FailureLimiter, type TokenBucket } from './rate-limit.ts';
import type { SessionService } from '../orchestrator/sessions.ts';
import type { RouteHandlers } from './register-routes.ts';

export interface RouteDeps {
  readonly ctx: ServerContext;
  /** Sessions: every change to one goes through its state machine (src/core/session). */
  readonly sessions: SessionService;
  readonly trustProxy: boolean;
  readonly version: string;
}

/** The limits docs/security.md explains (with the pairing brute-force arithmetic). */
export const RATE_LIMITS = {
  /** Wrong pairing codes per source (an IPv4 address, an IPv6 /64) per window: that source alone is refused after them. */
  pairFailuresPerClient: 10,
  /**
   * Wrong pairing codes from everyone together after which every unused code is voided (and the count starts
   * again): no code is ever exposed to more guesses than this, and nobody is locked out — a code made after
   * that pairs at once, from any source that did not guess.
   */
  pairFailuresOverall: 1_000,
  pairWindowMs: 10 * 60_000,
  /** Messages per device: a burst (an outbox flushing after a day offline), then one every two seconds. */
  sendBurst: 30,
  sendPerSecond: 0.5,
  /** Share-link reads per client address. */
  shareReadBurst: 30,
  shareReadPerSecond: 0.5,
  /** Session starts per device: each one is an agent process on a machine (25 at once used to be 25 agents). */
  startBurst: 10,
  startPerSecond: 0.1,
} as const;

export interface Limiters {
  readonly pairPerClient: FailureLimiter;
  readonly pairOverall: FailureLimiter;
  readonly sends: TokenBucket;
  readonly shareReads: TokenBucket;
  readonly starts: TokenBucket;
}

export type RateLimits = { -readonly [K in keyof typeof RATE_LIMITS]: number };

export function createLimiters(now: () => number, overrides: Partial<RateLimits> = {}): Limiters {
  const L: RateLimits = { ...RATE_LIMITS, ...overrides };
  return {
    pairPerClient: createFailureLimiter(L.pairFailuresPerClient, L.pairWindowMs, now),
    // One key only, with no window: every `pairFailuresOverall` wrong codes void the unused ones (see the route).
    pairOverall: createFailureLimiter(L.pairFailuresOverall, Number.POSITIVE_INFINITY, now),
    sends: createTokenBucket(L.sendBurst, L.sendPerSecond, now),
    shareReads: createTokenBucket(L.shareReadBurst, L.shareReadPerSecond, now),
    starts: createTokenBucket(L.startBurst, L.startPerSecond, now),
  };
}

/** The rate-limit key of the request's client: its source (an IPv4 address or an IPv6 /64), via a trusted proxy's header. */
export function clientKey(c: Context, trustProxy: boolean): string {
  return sourceKey(clientAddress(c, trustProxy));
}

type AccountRoute = 'health' | 'pair' | 'createPairingCode' | 'listDevices' | 'revokeDevice' | 'sync' | 'listMachines' | 'getSettings' | 'updateSettings';

/** `onRevoke` runs inside the revocation's transaction (the device's push subscription goes with it). */
export function accountRoutes({ ctx, trustProxy, version, sessions }: RouteDeps, limiters: Limiters, onRevoke: (deviceId: string) => void = () => {}): RouteHandlers<AccountRoute> {
  // 10 wrong codes per source per 10 minutes; every 1,000 wrong codes overall void the unused ones: 50-bit codes
  // stay out of reach, and a flood of guesses locks nobody else out (docs/security.md).
  const { pairPerClient: perClient, pairOverall: overall } = limiters;

  /**
   * So many wrong codes from so many sources that someone is guessing: every unused code dies, so none was
   * exposed to more than `pairFailuresOverall` guesses. Locking pairing instead locked the owner out with it.
   */
  function voidUnusedCodes(): void {
    overall.reset('*');
    const dropped = ctx.change(() => ctx.stores.accounts.dropUnusedCodes());
    ctx.log(`pairing: ${overall.max} wrong pairing codes since the last reset; ${dropped} unused code(s) voided so none stays guessable — make a new one with \`baton pair\``);
  }

  return {
    // The database answers too: a balancer takes an instance that lost its Postgres out of rotation (503).
    health: () => (ctx.db.prepare('SELECT 1').get(), { ok: true, version }),

    pair: async ({ c, body }) => {
      const key = clientKey(c, trustProxy);
      refuseIfLimited(perClient.waitMs(key), 'too many wrong pairing codes from this address; wait a few minutes');
      const { code, kind, name } = await body();
      try {
        const issued = redeemPairingCode(ctx, code, kind, name);
        return { token: issued.token, accountId: issued.accountId, deviceId: issued.deviceId, machineId: issued.machineId };
      } catch (err) {
        if (err instanceof BatonError && err.kind === 'pairing-failed') {
          perClient.fail(key);
          overall.fail('*');
          if (overall.waitMs('*') > 0) voidUnusedCodes();
        }
        throw err;
      }
    },

    createPairingCode: async ({ auth: a, body }) => createPairingCode(ctx, a.accountId, (await body()).kind, ctx.publicUrl(), a.deviceId),

    listDevices: ({ auth: a }) => ({ devices: ctx.stores.accounts.devices(a.accountId).map((d) => toDeviceRecord(d, a.deviceId)) }),

    revokeDevice: ({ auth: a, params }) => {
      const device = ctx.stores.accounts.device(a.accountId, params.id);
      if (!device) throw new BatonError('not-found', `no device ${params.id}`);
      // What the device made dies with it: its share links and the pairing codes it asked for and nobody used.
      const shares = ctx.change((tx) => {
        const now = ctx.now();
        ctx.stores.accounts.revokeDevice(device.id, now);
        const revokedShares = ctx.stores.shares.revokeMadeBy(device.id, now);
        ctx.stores.accounts.dropCodesMadeBy(device.id);
        onRevoke(device.id);
        tx.cursor(a.accountId);
        return revokedShares;
      });
      ctx.machines.disconnectDevice(device.id);
      ctx.phones.disconnectDevice(device.id);
      for (const id of shares) ctx.phones.disconnectShare(id);
      return null;
    },

    // The page is JSON text already (built from stored record text): sent as it is.
    sync: ({ auth: a, query, c }) => {
      const { since = 0, after, limit } = query();
      return c.body(readSyncPage(ctx, a.accountId, { since, after, limit }), 200, { 'content-type': 'application/json' });
    },

    listMachines: ({ auth: a }) => ({ machines: ctx.stores.machines.all(a.accountId).map(toMachineRecord) }),

    getSettings: ({ auth: a }) => {
      const { cursor: _cursor, ...settings } = ctx.stores.settings.get(a.accountId);
      return settings;
    },

    updateSettings: async ({ auth: a, body }) => {
      const patch = await body();
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
      return next;
    },
  };
}
