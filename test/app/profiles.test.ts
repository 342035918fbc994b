// @vitest-environment node
// Server profiles: pairing from a link, one profile per server account, rename, remove (with its cache).
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openCache } from '../../src/app/lib/cache-db.ts';
import { $activeProfile, $profiles, pairServer, profileForServer, removeProfile, renameProfile } from '../../src/app/stores/profiles.ts';
import { createFakeApi } from './fake-api.ts';

function pairingServer(accountId = 'acc1') {
  const fake = createFakeApi();
  let n = 0;
  fake.handle((req) => (req.url.endsWith('/api/pair') ? { status: 201, body: { token: `tok-${++n}`, accountId, deviceId: `dev-${n}` } } : undefined));
  return fake;
}

describe('server profiles', () => {
  it('pairs as a phone from a link and makes that server the active profile', async () => {
    const fake = pairingServer();
    const p = await pairServer({ server: 'http://laptop.test:8080/', code: 'abcd-1234', deviceName: 'Pixel', fetch: fake.fetch });
    expect(fake.calls[0]).toMatchObject({ method: 'POST', url: 'http://laptop.test:8080/api/pair', body: { code: 'ABCD-1234', name: 'Pixel', kind: 'phone' } });
    expect(p).toMatchObject({ server: 'http://laptop.test:8080', token: 'tok-1', name: 'laptop.test:8080' });
    expect($activeProfile.get()?.id).toBe(p.id);
    expect(profileForServer('laptop.test:8080')?.id).toBe(p.id);
  });

  it('pairing the same account again replaces the token instead of adding a second profile', async () => {
    const fake = pairingServer('acc2');
    const a = await pairServer({ server: 'http://again.test', code: 'CODE-0001', deviceName: 'Pixel', fetch: fake.fetch });
    const b = await pairServer({ server: 'http://again.test', code: 'CODE-0002', deviceName: 'Pixel', fetch: fake.fetch });
    expect(b.id).toBe(a.id);
    expect(b.token).toBe('tok-2');
    expect($profiles.get().filter((p) => p.server === 'http://again.test')).toHaveLength(1);
  });

  it('refuses a malformed code before asking the server', async () => {
    const fake = pairingServer();
    await expect(pairServer({ server: 'http://x.test', code: 'no', deviceName: 'P', fetch: fake.fetch })).rejects.toThrow(/pairing code/);
    expect(fake.calls).toHaveLength(0);
  });

  it('renames, and removing a profile deletes its cache database', async () => {
    const fake = pairingServer('acc3');
    const p = await pairServer({ server: 'http://gone.test', code: 'CODE-0003', deviceName: 'P', fetch: fake.fetch });
    await renameProfile(p.id, '  Dev box ');
    expect($profiles.get().find((x) => x.id === p.id)?.name).toBe('Dev box');
    const db = await openCache(p.id);
    await db.put('sessions', { id: 'S1' } as never);
    db.close();
    await removeProfile(p.id, { fetch: fake.fetch });
    expect($profiles.get().some((x) => x.id === p.id)).toBe(false);
    const reopened = await openCache(p.id);
    expect(await reopened.count('sessions')).toBe(0);
  });
});
