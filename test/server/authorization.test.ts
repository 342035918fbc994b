// Every route, every kind of wrong caller: another account's token, a revoked token, a share-link token,
// no token and a made-up token each get 401/403/404 wherever they do not belong, and change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, openPhoneSocket, ScriptedMachine, startTestServer, type TestServer } from '../helpers/server-harness.ts';
import { dumpDatabase, liveSession, waitForSession } from './fixtures.ts';

let ts: TestServer;
let laptop: ScriptedMachine;
let ids: { session: string; machine: string; device: string; share: string; permission: string };
let tokens: { other: string; revoked: string; share: string };

beforeAll(async () => {
  ts = await startTestServer();
  laptop = ts.machine('laptop');
  await laptop.connect();
  const s = await liveSession(ts, laptop);
  laptop.event(s.id, 'p', { kind: 'permission-request', permissionId: 'perm-1', tool: 'Bash', input: 'ls' });
  await waitForSession(ts, s.id, (x) => x.awaitingPermission);
  const share = await ts.phone.post(`/api/sessions/${s.id}/shares`, { expiresInSeconds: 3600 });
  const revoked = ts.admin.issueToken(ts.accountId as never, 'phone', 'old phone');
  expect((await ts.phone.delete(`/api/devices/${revoked.deviceId}`)).status).toBe(204);
  const otherAccount = ts.admin.createAccount();
  tokens = { other: ts.admin.issueToken(otherAccount, 'phone', 'stranger').token, revoked: revoked.token, share: share.body.token };
  const devices = (await ts.phone.get('/api/devices')).body.devices;
  ids = { session: s.id, machine: laptop.machineId, device: devices.find((d: any) => d.current).id, share: share.body.id, permission: 'perm-1' };
});
afterAll(async () => {
  await laptop.disconnect();
  await ts.stop();
});

interface Route {
  readonly method: string;
  readonly path: () => string;
  readonly body?: () => unknown;
  /** `id`: names something in the owner's account, so a stranger gets 404. `account`: answers about the caller's own account. */
  readonly scope: 'id' | 'account';
}

const ROUTES: Route[] = [
  { method: 'POST', path: () => '/api/pairing-codes', body: () => ({ kind: 'phone' }), scope: 'account' },
  { method: 'GET', path: () => '/api/devices', scope: 'account' },
  { method: 'DELETE', path: () => `/api/devices/${ids.device}`, scope: 'id' },
  { method: 'GET', path: () => '/api/sync?since=0', scope: 'account' },
  { method: 'GET', path: () => '/api/machines', scope: 'account' },
  { method: 'POST', path: () => '/api/sessions', body: () => ({ machineId: ids.machine, provider: 'claude', cwd: '/work/x' }), scope: 'id' },
  { method: 'GET', path: () => `/api/sessions/${ids.session}`, scope: 'id' },
  { method: 'PATCH', path: () => `/api/sessions/${ids.session}`, body: () => ({ title: 'mine now' }), scope: 'id' },
  { method: 'GET', path: () => `/api/sessions/${ids.session}/messages`, scope: 'id' },
  { method: 'POST', path: () => `/api/sessions/${ids.session}/messages`, body: () => ({ clientId: 'x1', text: 'hi' }), scope: 'id' },
  { method: 'POST', path: () => `/api/sessions/${ids.session}/archive`, scope: 'id' },
  { method: 'POST', path: () => `/api/sessions/${ids.session}/unarchive`, scope: 'id' },
  { method: 'POST', path: () => `/api/sessions/${ids.session}/stop`, scope: 'id' },
  { method: 'POST', path: () => `/api/sessions/${ids.session}/interrupt`, scope: 'id' },
  { method: 'POST', path: () => `/api/sessions/${ids.session}/takeover`, scope: 'id' },
  { method: 'POST', path: () => `/api/sessions/${ids.session}/permissions/${ids.permission}`, body: () => ({ decision: 'allow' }), scope: 'id' },
  { method: 'GET', path: () => `/api/sessions/${ids.session}/resume-attempts`, scope: 'id' },
  { method: 'GET', path: () => '/api/settings', scope: 'account' },
  { method: 'PUT', path: () => '/api/settings', body: () => ({ disabledBackends: [] }), scope: 'account' },
  { method: 'POST', path: () => `/api/sessions/${ids.session}/shares`, body: () => ({ expiresInSeconds: 600 }), scope: 'id' },
  { method: 'GET', path: () => `/api/sessions/${ids.session}/shares`, scope: 'id' },
  { method: 'DELETE', path: () => `/api/shares/${ids.share}`, scope: 'id' },
];

const CALLERS = [
  { who: 'no token', token: () => null, status: 401, kind: 'unauthorized' },
  { who: 'a made-up token', token: () => 'bt_not-a-real-token', status: 401, kind: 'unauthorized' },
  { who: 'a revoked token', token: () => tokens.revoked, status: 401, kind: 'unauthorized' },
  { who: 'a share-link token', token: () => tokens.share, status: 403, kind: 'forbidden' },
] as const;

describe('every authenticated route', () => {
  for (const route of ROUTES) {
    describe(`${route.method} ${route.path.toString().replace(/^\(\) => /, '')}`, () => {
      for (const caller of CALLERS) {
        it(`refuses ${caller.who} with ${caller.status} and changes nothing`, async () => {
          const before = dumpDatabase(ts.home);
          const res = await apiClient(ts.url, caller.token()).call(route.method, route.path(), route.body?.());
          expect(res.status).toBe(caller.status);
          expect(res.body.error.kind).toBe(caller.kind);
          expect(dumpDatabase(ts.home)).toBe(before);
        });
      }
      it(route.scope === 'id' ? 'answers another account with 404, changing nothing' : 'answers another account only about its own account', async () => {
        const before = dumpDatabase(ts.home);
        const res = await apiClient(ts.url, tokens.other).call(route.method, route.path(), route.body?.());
        const text = JSON.stringify(res.body);
        if (route.scope === 'id') {
          expect(res.status).toBe(404);
          expect(res.body.error.kind).toBe('not-found');
          expect(dumpDatabase(ts.home)).toBe(before);
        } else {
          expect(res.status).toBeLessThan(300);
          for (const id of [ids.session, ids.machine, ids.device]) expect(text).not.toContain(id);
        }
      });
    });
  }
});

describe('share links', () => {
  it('open the shared session read-only, and nothing else', async () => {
    const shared = await apiClient(ts.url, null).get(`/api/shared/${tokens.share}`);
    expect(shared.status).toBe(200);
    expect(shared.body.session.id).toBe(ids.session);
    expect((await apiClient(ts.url, null).get(`/api/shared/${ts.phoneToken}`)).status).toBe(404);
    expect((await apiClient(ts.url, null).get('/api/shared/bs_unknown')).status).toBe(404);
  });

  it('stop working once revoked', async () => {
    const extra = await ts.phone.post(`/api/sessions/${ids.session}/shares`, { expiresInSeconds: 600 });
    expect((await apiClient(ts.url, null).get(`/api/shared/${extra.body.token}`)).status).toBe(200);
    expect((await ts.phone.delete(`/api/shares/${extra.body.id}`)).status).toBe(204);
    expect((await apiClient(ts.url, null).get(`/api/shared/${extra.body.token}`)).status).toBe(404);
  });
});

describe('sockets', () => {
  it('the events socket refuses revoked and unknown tokens, and accepts a share token read-only', async () => {
    for (const token of [tokens.revoked, 'bt_nope']) {
      const sock = await openPhoneSocket(ts.url, { token });
      expect(await sock.closed).toBe(4401);
    }
    const viewer = await openPhoneSocket(ts.url, { shareToken: tokens.share });
    expect((await viewer.next('welcome')).cursor).toBe(0);
    viewer.close();
  });

  it('the machine socket refuses phone, revoked and share tokens with 4401', async () => {
    for (const token of [ts.phoneToken, tokens.revoked, tokens.share]) {
      const impostor = new ScriptedMachine(ts.url, token, 'whatever');
      await expect(impostor.connect()).rejects.toThrow(/closed \(4401\) before welcome/);
      expect(await impostor.waitClosed()).toBe(4401);
    }
  });

  it('a revoked device is disconnected at once', async () => {
    const tablet = ts.admin.issueToken(ts.accountId as never, 'phone', 'tablet');
    const sock = await openPhoneSocket(ts.url, { token: tablet.token });
    await sock.next('welcome');
    expect((await ts.phone.delete(`/api/devices/${tablet.deviceId}`)).status).toBe(204);
    expect(await sock.closed).toBe(4401);
  });
});
