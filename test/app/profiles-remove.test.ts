// @vitest-environment node
// Removing the active server while its runtime still holds that server's cache open must finish (it used to wait forever).
import 'fake-indexeddb/auto';
import { expect, it } from 'vitest';
import { openCache } from '../../src/app/lib/cache-db.ts';
import { $activeProfileId, $profiles, pairServer, removeProfile } from '../../src/app/stores/profiles.ts';
import { createFakeApi } from './fake-api.ts';

it('removing the active profile finishes and deletes its cache, once its runtime lets go of it', async () => {
  const fake = createFakeApi();
  fake.handle((req) => (req.url.endsWith('/api/pair') ? { status: 201, body: { token: 't', accountId: 'acc', deviceId: 'dev' } } : undefined));
  const p = await pairServer({ server: 'http://held.test', code: 'CODE-0009', deviceName: 'P', fetch: fake.fetch });
  // Like the runtime: the connection closes only when the active profile changes.
  const db = await openCache(p.id);
  await db.put('sessions', { id: 'S1' } as never);
  const off = $activeProfileId.listen((id) => id !== p.id && db.close());
  const outcome = await Promise.race([removeProfile(p.id).then(() => 'done'), new Promise((r) => setTimeout(() => r('still waiting'), 1_000))]);
  off();
  expect(outcome).toBe('done');
  expect($profiles.get().some((x) => x.id === p.id)).toBe(false);
  const reopened = await openCache(p.id);
  expect(await reopened.count('sessions')).toBe(0);
  reopened.close();
});
