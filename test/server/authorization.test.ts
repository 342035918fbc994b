// Roles (docs/security.md): every route the server registers × every kind of caller. A token's kind decides its
// routes: a phone or a terminal (CLI token) drives the account; a machine token speaks only the machine protocol and
// gets 403 on every route that takes a token; a share token only reads its link; no token, a made-up or a revoked one
// 401; another account's phone 404 on the owner's ids. Every refusal changes nothing. Who may call each route comes
// from the route table (src/core/routes.ts); the rows below make one call per route (a new route without a row fails
// the first test), and docs/api.md's "who" column says the same.
import { createECDH } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_NAMES, ROUTE_PATHS, ROUTES, routeRequest, type RouteInput, type RouteName, type RouteRequest } from '../../src/core/index.ts';
import { createApp } from '../../src/server/http/app.ts';
import { apiClient, openPhoneSocket, ScriptedMachine, startTestServer, type TestServer } from '../helpers/server-harness.ts';
import { dumpDatabase, liveSession, waitForSession } from './fixtures.ts';

let ts: TestServer;
let laptop: ScriptedMachine;
let ids: { session: string; machine: string; share: string };
let tokens: Record<Caller, string | null>;
let cli: { token: string; deviceId: string };

/**
 * Who may call a route. `people`: a phone or a CLI token. `phones`: a phone's only (notifications). `share`: a share
 * link's token as the bearer. `anyone`: no token needed, whatever the request carries.
 */
type Who = 'people' | 'phones' | 'share' | 'anyone';
type Caller = 'phone' | 'cli' | 'machine' | 'share' | 'none' | 'made-up' | 'revoked' | 'stranger';
const CALLERS: readonly Caller[] = ['phone', 'cli', 'machine', 'share', 'none', 'made-up', 'revoked', 'stranger'];

interface Row<N extends RouteName> {
  /** A well-formed request naming the owner's things; routes that use something up make a fresh one each time. */
  readonly call: () => RouteInput<N> | Promise<RouteInput<N>>;
  /** It names something of the owner's: another account gets 404 (else it answers about the caller's own account). */
  readonly names?: boolean;
}

const session = () => ({ id: ids.session });
const pushKey = () => createECDH('prime256v1').generateKeys().toString('base64url');

/** One row per route of the table (src/core/routes.ts), which says who may call it; each call's input is typed by its route. */
const ROWS: { readonly [N in RouteName]: Row<N> } = {
  health: { call: () => ({}) },
  pair: { call: () => ({ body: { code: ts.admin.createPairingCode(ts.accountId as never, 'phone').code, name: 'new phone', kind: 'phone' } }) },
  createPairingCode: { call: () => ({ body: { kind: 'phone' } }) },
  listDevices: { call: () => ({}) },
  revokeDevice: { names: true, call: () => ({ id: ts.admin.issueToken(ts.accountId as never, 'phone', 'victim').deviceId }) },
  sync: { call: () => ({ query: { since: 0 } }) },
  listMachines: { call: () => ({}) },
  getSettings: { call: () => ({}) },
  updateSettings: { call: () => ({ body: { disabledBackends: [] } }) },
  startSession: { names: true, call: () => ({ body: { machineId: ids.machine, provider: 'claude', cwd: '/work/x' } }) },
  getSession: { names: true, call: session },
  editSession: { names: true, call: () => ({ id: ids.session, body: { title: 'mine now' } }) },
  listMessages: { names: true, call: session },
  sendMessage: { names: true, call: () => ({ id: ids.session, body: { clientId: `c-${Math.random()}`, text: 'hi' } }) },
  cancelMessage: { names: true, call: () => ({ id: ids.session, messageId: 'msg_none' }) },
  archiveSession: { names: true, call: session },
  unarchiveSession: { names: true, call: session },
  stopSession: { names: true, call: session },
  interruptSession: { names: true, call: session },
  takeOverSession: { names: true, call: session },
  answerPermission: { names: true, call: () => ({ id: ids.session, permissionId: 'perm-1', body: { decision: 'allow' } }) },
  listResumeAttempts: { names: true, call: session },
  readHistory: { names: true, call: session },
  createShare: { names: true, call: () => ({ id: ids.session, body: { expiresInSeconds: 600 } }) },
  listShares: { names: true, call: session },
  revokeShare: { names: true, call: async () => ({ id: (await ts.phone.route('createShare', { id: ids.session, body: { expiresInSeconds: 600 } })).body.id }) },
  pushStatus: { call: () => ({}) },
  // Loopback http is allowed for a local push service; nothing listens there, so nothing is ever delivered.
  subscribePush: { call: () => ({ body: { endpoint: 'http://127.0.0.1:9/push', keys: { p256dh: pushKey(), auth: 'AAAAAAAAAAAAAAAAAAAAAA' } } }) },
  unsubscribePush: { call: () => ({}) },
  updatePushSettings: { call: () => ({ body: { previews: true } }) },
  testPush: { call: () => ({}) },
  readShared: { call: () => ({}) },
  readSharedByPath: { call: () => ({ token: tokens.share! }) },
};

/** How docs/api.md's "who" column names each kind of caller. */
const DOCUMENTED: Readonly<Record<Who, string>> = { people: 'phone, CLI', phones: 'phone', share: 'share link', anyone: 'anyone' };

/** The table's callers in this test's words. */
function whoOf(name: RouteName): Who {
  const who = ROUTES[name].who;
  if (who === 'anyone' || who === 'share') return who;
  return who.includes('cli') ? 'people' : 'phones';
}

/** The routes the server registers, read off a Hono app built the way the server builds it. */
function registeredRoutes(): string[] {
  const app = createApp({ ctx: { now: Date.now } as never, sessions: {} as never, push: {} as never, history: {} as never, trustProxy: false, version: 'test', staticDir: null, appOrigins: [], tls: false });
  return app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`);
}

beforeAll(async () => {
  // Nothing times out while the table runs (a refusal compares the whole database before and after).
  ts = await startTestServer({ heartbeatTimeoutMs: 600_000, resumeTimeoutMs: 600_000 });
  laptop = ts.machine('laptop');
  await laptop.connect({ history: () => ({ ok: true, page: { entries: [], hasOlder: false } }) });
  const s = await liveSession(ts, laptop);
  laptop.event(s.id, 'p', { kind: 'permission-request', permissionId: 'perm-1', tool: 'Bash', input: 'ls' });
  await waitForSession(ts, s.id, (x) => x.awaitingPermission);
  const share = await ts.phone.route('createShare', { id: s.id, body: { expiresInSeconds: 3600 } });
  const revoked = ts.admin.issueToken(ts.accountId as never, 'phone', 'old phone');
  expect((await ts.phone.route('revokeDevice', { id: revoked.deviceId })).status).toBe(204);
  cli = ts.admin.issueToken(ts.accountId as never, 'cli', 'terminal');
  tokens = {
    phone: ts.phoneToken, cli: cli.token, machine: laptop.token, share: share.body.token, none: null, 'made-up': 'bt_not-a-real-token',
    revoked: revoked.token, stranger: ts.admin.issueToken(ts.admin.createAccount(), 'phone', 'stranger').token,
  };
  ids = { session: s.id, machine: laptop.machineId, share: share.body.id };
});
afterAll(async () => {
  await laptop.disconnect();
  await ts.stop();
});

/** The row's request, as the table's client makes it (method, path with params, query, JSON body). */
async function request(route: RouteName): Promise<RouteRequest> {
  const input: unknown = await ROWS[route].call();
  return routeRequest(route, input as never);
}

async function send(route: RouteName, caller: Caller) {
  const { method, path, body } = await request(route);
  return apiClient(ts.url, tokens[caller]).call(method, path, undefined, body ?? undefined);
}

async function refusedUnchanged(route: RouteName, caller: Caller, status: number, kind: string): Promise<void> {
  // Made before the dump: a fresh victim or code is not the refused call's doing.
  const { method, path, body } = await request(route);
  const before = dumpDatabase(ts.home);
  const res = await apiClient(ts.url, tokens[caller]).call(method, path, undefined, body ?? undefined);
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error.kind).toBe(kind);
  expect(dumpDatabase(ts.home)).toBe(before);
}

async function letThrough(route: RouteName, caller: Caller): Promise<void> {
  const res = await send(route, caller);
  expect([401, 403], JSON.stringify(res.body)).not.toContain(res.status);
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
}

/** What each caller gets on a route of each kind. */
function expectation(who: Who, caller: Caller, names: boolean): { through: true } | { status: number; kind: string } {
  const unauthorized = { status: 401, kind: 'unauthorized' };
  const forbidden = { status: 403, kind: 'forbidden' };
  if (who === 'anyone') return { through: true };
  if (who === 'share') {
    if (caller === 'share') return { through: true };
    if (caller === 'none') return unauthorized;
    // No device token reads a share link's route; anything else is no live link.
    if (caller === 'made-up' || caller === 'revoked') return { status: 404, kind: 'not-found' };
    return forbidden;
  }
  if (caller === 'none' || caller === 'made-up' || caller === 'revoked') return unauthorized;
  if (caller === 'machine' || caller === 'share') return forbidden;
  if (caller === 'cli' && who === 'phones') return forbidden;
  if (caller === 'stranger' && names) return { status: 404, kind: 'not-found' };
  return { through: true };
}

describe('the table', () => {
  it('has one row for every route the server registers, and no other', () => {
    expect(Object.keys(ROWS).sort()).toEqual([...ROUTE_NAMES].sort());
    expect(ROUTE_NAMES.map((n) => ROUTE_PATHS[n]).sort()).toEqual(registeredRoutes().sort());
  });

  it('says who may call each route as docs/api.md does', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../../docs/api.md'), 'utf8');
    const documented = Object.fromEntries([...doc.matchAll(/^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`?]+)[^`]*` \| ([^|]+) \|/gm)].map((m) => [`${m[1]} ${m[2]}`, m[3]!.trim()]));
    expect(documented).toEqual(Object.fromEntries(ROUTE_NAMES.map((n) => [ROUTE_PATHS[n], DOCUMENTED[whoOf(n)]])));
  });

  it('lets no machine token call any route that takes a token', () => {
    expect(ROUTE_NAMES.filter((n) => whoOf(n) !== 'anyone' && !('status' in expectation(whoOf(n), 'machine', false)))).toEqual([]);
  });
});

describe('every route × every caller', () => {
  for (const route of ROUTE_NAMES) {
    const row = ROWS[route];
    const who = whoOf(route);
    describe(ROUTE_PATHS[route], () => {
      for (const caller of CALLERS) {
        const expected = expectation(who, caller, row.names === true);
        if ('through' in expected) {
          it(`lets ${caller} through`, async () => {
            if (caller !== 'stranger' || who === 'anyone') return letThrough(route, caller);
            // Another account answers only about its own: none of the owner's ids in what it gets.
            const res = await send(route, caller);
            expect([401, 403, 404]).not.toContain(res.status);
            for (const id of [ids.session, ids.machine, ids.share]) expect(JSON.stringify(res.body)).not.toContain(id);
          });
        } else {
          it(`refuses ${caller} with ${expected.status} ${expected.kind}, changing nothing`, () => refusedUnchanged(route, caller, expected.status, expected.kind));
        }
      }
    });
  }
});

describe('permission answers', () => {
  it('record which device answered, tell the daemon, and keep it from share viewers', async () => {
    laptop.event(ids.session, 'p2', { kind: 'permission-request', permissionId: 'perm-2', tool: 'Bash', input: 'rm -rf build' });
    await waitForSession(ts, ids.session, (x) => x.awaitingPermission);
    // The session may have been stopped or archived by the rows above: bring it back to a running agent.
    await ts.phone.route('unarchiveSession', { id: ids.session });
    const machineToken = await apiClient(ts.url, laptop.token).route('answerPermission', { id: ids.session, permissionId: 'perm-2', body: { decision: 'allow' } });
    expect(machineToken.status).toBe(403);
    const res = await apiClient(ts.url, cli.token).route('answerPermission', { id: ids.session, permissionId: 'perm-2', body: { decision: 'deny' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.message.permission).toMatchObject({ permissionId: 'perm-2', decision: 'deny', answeredBy: { deviceId: cli.deviceId, name: 'terminal' } });
    const frame = await laptop.next('permission-answer', (f) => f.permissionId === 'perm-2');
    expect(frame).toMatchObject({ decision: 'deny', answeredBy: { deviceId: cli.deviceId, name: 'terminal' } });
    // Stored: every device reads it back.
    const stored = (await ts.phone.route('listMessages', { id: ids.session })).body.messages.find((m: any) => m.permission?.permissionId === 'perm-2');
    expect(stored.permission.answeredBy).toEqual({ deviceId: cli.deviceId, name: 'terminal' });
    const shared = await apiClient(ts.url, tokens.share).route('readShared');
    const seen = shared.body.messages.find((m: any) => m.permission?.permissionId === 'perm-2');
    expect(seen.permission.decision).toBe('deny');
    expect(seen.permission.answeredBy).toBeUndefined();
  });
});

describe('sockets', () => {
  it('the events socket takes phone, CLI and share tokens, and refuses machine (4403), revoked and unknown ones (4401)', async () => {
    for (const token of [tokens.phone!, tokens.cli!]) {
      const sock = await openPhoneSocket(ts.url, { token });
      expect((await sock.next('welcome')).cursor).toBeGreaterThan(0);
      sock.close();
    }
    const viewer = await openPhoneSocket(ts.url, { shareToken: tokens.share! });
    expect((await viewer.next('welcome')).cursor).toBe(0);
    viewer.close();
    const daemon = await openPhoneSocket(ts.url, { token: laptop.token });
    expect((await daemon.next('error')).code).toBe('forbidden');
    expect(await daemon.closed).toBe(4403);
    for (const token of [tokens.revoked!, 'bt_nope']) {
      const sock = await openPhoneSocket(ts.url, { token });
      expect(await sock.closed).toBe(4401);
    }
  });

  it('the machine socket refuses phone, CLI and share tokens (4403), revoked and unknown ones (4401)', async () => {
    for (const [token, code] of [[tokens.phone, 4403], [tokens.cli, 4403], [tokens.share, 4403], [tokens.revoked, 4401], ['bt_nope', 4401]] as const) {
      const impostor = new ScriptedMachine(ts.url, token!, 'whatever');
      await expect(impostor.connect()).rejects.toThrow(new RegExp(`closed \\(${code}\\) before welcome`));
      expect(await impostor.waitClosed()).toBe(code);
    }
    expect(laptop.connected).toBe(true);
  });

  it('a revoked device is disconnected at once', async () => {
    const tablet = ts.admin.issueToken(ts.accountId as never, 'phone', 'tablet');
    const sock = await openPhoneSocket(ts.url, { token: tablet.token });
    await sock.next('welcome');
    expect((await ts.phone.route('revokeDevice', { id: tablet.deviceId })).status).toBe(204);
    expect(await sock.closed).toBe(4401);
  });
});

describe('share links', () => {
  it('open the shared session read-only, and nothing else', async () => {
    const shared = await apiClient(ts.url, null).route('readSharedByPath', { token: tokens.share! });
    expect(shared.status).toBe(200);
    expect(shared.body.session.id).toBe(ids.session);
    expect((await apiClient(ts.url, null).route('readSharedByPath', { token: ts.phoneToken })).status).toBe(404);
    expect((await apiClient(ts.url, null).route('readSharedByPath', { token: 'bs_unknown' })).status).toBe(404);
  });

  it('stop working once revoked', async () => {
    const extra = await ts.phone.route('createShare', { id: ids.session, body: { expiresInSeconds: 600 } });
    expect((await apiClient(ts.url, null).route('readSharedByPath', { token: extra.body.token })).status).toBe(200);
    expect((await ts.phone.route('revokeShare', { id: extra.body.id })).status).toBe(204);
    expect((await apiClient(ts.url, null).route('readSharedByPath', { token: extra.body.token })).status).toBe(404);
  });
});
