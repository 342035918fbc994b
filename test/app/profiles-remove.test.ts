// @vitest-environment node
// Removing a server: it finishes while its runtime still holds that server's cache open (it used to wait forever),
// and it revokes the phone's token on that server first, saying so when the server cannot be reached.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openCache } from '../../src/app/lib/cache-db.ts';
import { $activeProfileId, $profiles, pairServer, removeProfile } from '../../src/app/stores/profiles.ts';
import { createFakeApi, type Recorded } from './fake-api.ts';

it('removing the active profile finishes and deletes its cache, once its runtime lets go of it', async () => {
  const fake = createFakeApi();
  fake.handle((req) => (req.url.endsWith('/api/pair') ? { status: 201, body: { token: 't', accountId: 'acc', deviceId: 'dev' } } : undefined));
  const p = await pairServer({ server: 'http://held.test', code: 'CODE-0009', deviceName: 'P', fetch: fake.fetch });
  // Like the runtime: the connection closes only when the active profile changes.
  const db = await openCache(p.id);
  await db.put('sessions', { id: 'S1' } as never);
  const off = $activeProfileId.listen((id) => id !== p.id && db.close());
  const outcome = await Promise.race([removeProfile(p.id, { fetch: fake.fetch }).then(() => 'done'), new Promise((r) => setTimeout(() => r('still waiting'), 1_000))]);
  off();
  expect(outcome).toBe('done');
  expect($profiles.get().some((x) => x.id === p.id)).toBe(false);
  const reopened = await openCache(p.id);
  expect(await reopened.count('sessions')).toBe(0);
  reopened.close();
});

describe('the token on the server', () => {
  function server(answer: (req: Recorded) => { status: number; body?: unknown } | 'network-down') {
    const fake = createFakeApi();
    fake.handle((req) => (req.url.endsWith('/api/pair') ? { status: 201, body: { token: 'bt_phone', accountId: 'acc', deviceId: 'dev_phone' } } : answer(req)));
    return fake;
  }

  // Regression: "Remove server" forgot the token on the phone and left it working on the server.
  it('is revoked with the phone’s own token before the profile goes', async () => {
    const fake = server((req) => (req.method === 'DELETE' ? { status: 204 } : undefined as never));
    const p = await pairServer({ server: 'http://revoke.test', code: 'CODE-0010', deviceName: 'P', fetch: fake.fetch });
    expect(await removeProfile(p.id, { fetch: fake.fetch })).toEqual({ revoked: true });
    expect(fake.calls.filter((c) => c.method === 'DELETE')).toEqual([{ method: 'DELETE', url: 'http://revoke.test/api/devices/dev_phone', body: null, auth: 'Bearer bt_phone' }]);
    expect($profiles.get().some((x) => x.id === p.id)).toBe(false);
  });

  it('says so when the server cannot be reached, and removes the profile anyway', async () => {
    const fake = server(() => 'network-down');
    const p = await pairServer({ server: 'http://down.test', code: 'CODE-0011', deviceName: 'P', fetch: fake.fetch });
    const outcome = await removeProfile(p.id, { fetch: fake.fetch });
    expect(outcome).toMatchObject({ revoked: false, why: 'Could not reach the server.' });
    expect($profiles.get().some((x) => x.id === p.id)).toBe(false);
  });

  it('counts a token the server already refuses as gone', async () => {
    const fake = server(() => ({ status: 401, body: { error: { kind: 'unauthorized', message: 'this device’s token was revoked; pair it again' } } }));
    const p = await pairServer({ server: 'http://already.test', code: 'CODE-0012', deviceName: 'P', fetch: fake.fetch });
    expect(await removeProfile(p.id, { fetch: fake.fetch })).toEqual({ revoked: 'already' });
  });

  it('is not left waiting on a server that never answers (it gives up after its wait and says so)', async () => {
    const fake = createFakeApi();
    fake.handle((req) => (req.url.endsWith('/api/pair') ? { status: 201, body: { token: 'bt_x', accountId: 'acc', deviceId: 'dev_x' } } : undefined));
    const hanging = (async (input: string | URL | Request, init?: RequestInit) => (String(input).endsWith('/api/pair') ? fake.fetch(input, init) : new Promise<Response>(() => {}))) as typeof fetch;
    const p = await pairServer({ server: 'http://silent.test', code: 'CODE-0013', deviceName: 'P', fetch: hanging });
    expect(await removeProfile(p.id, { fetch: hanging, revokeWaitMs: 50 })).toMatchObject({ revoked: false, why: 'the server did not answer within 0.05 s' });
    expect($profiles.get().some((x) => x.id === p.id)).toBe(false);
  });
});
