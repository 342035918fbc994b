// Random paths and methods anywhere on the server (the API and the PWA's static files, SPA fallback
// included): never a 5xx; under /api every refusal is a JSON `{error: {kind, message}}` and changes nothing.
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ERROR_KINDS } from '../../src/core/index.ts';
import { describeChanges, diffSnapshots } from './db-snapshot.ts';
import { segmentArb } from './http-case.ts';
import { sendRaw } from './raw-http.ts';
import { check, timeLimit } from './seed.ts';
import { buildWorld, type World } from './world.ts';

let w: World;
let staticDir: string;
beforeAll(async () => {
  staticDir = mkdtempSync(join(tmpdir(), 'baton-fuzz-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Baton</title><script>globalThis.x = 1</script>');
  mkdirSync(join(staticDir, 'assets'));
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'export {}');
  w = await buildWorld({ staticDir });
});
afterAll(async () => {
  await w?.stop();
  rmSync(staticDir, { recursive: true, force: true });
});

const wordArb = fc.constantFrom('api', 'sessions', 'shares', 'shared', 'devices', 'machine', 'events', 'assets', 'app.js', 'index.html', 'sw.js', 'pair', 'API');

it('any path and method: never a 5xx; /api refusals are JSON errors that change nothing', async () => {
  const segments = fc.array(fc.oneof(segmentArb.map((s) => ('raw' in s ? s.raw : s.pool)), wordArb), { minLength: 0, maxLength: 5 });
  const arb = fc.record({
    api: fc.boolean(),
    segments,
    method: fc.constantFrom('GET', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
    token: fc.constantFrom(null, w.a.phoneToken, w.b.phoneToken, w.a.shareToken),
    query: fc.option(fc.string({ unit: 'grapheme-ascii', maxLength: 20 }).map((q) => `?${encodeURIComponent(q)}`), { nil: '' }),
  });
  await check(arb, 500, async (c) => {
    const path = `${c.api ? '/api' : ''}/${c.segments.join('/')}${c.query}`;
    const before = w.db.snapshot();
    const res = await sendRaw(w.ts.url, { method: c.method, path, headers: c.token ? { authorization: `Bearer ${c.token}` } : {}, body: null, chunked: false });
    const changes = diffSnapshots(before, w.db.snapshot());
    const what = `${c.method} ${path} → ${res.status} ${res.text.slice(0, 200)}`;
    if (res.status >= 500) throw new Error(`a 5xx: ${what}\n${w.logs.join('\n')}`);
    if (res.status >= 400 && changes.length > 0) throw new Error(`a refusal changed the database: ${what}: ${describeChanges(changes)}`);
    if (c.method === 'GET' && changes.length > 0) throw new Error(`a GET changed the database: ${what}: ${describeChanges(changes)}`);
    // Where the request lands once the URL is normalized (`/api/../sw.js` is a file, not an API call).
    const landed = URL.canParse(`http://x${path}`) ? new URL(`http://x${path}`).pathname : path;
    if (/^\/api(\/|$)/.test(landed) && res.status >= 400 && c.method !== 'HEAD') {
      const body = JSON.parse(res.text) as { error?: { kind?: keyof typeof ERROR_KINDS; message?: string } };
      if (!body.error?.kind || ERROR_KINDS[body.error.kind] !== res.status || !body.error.message) throw new Error(`not a JSON error: ${what}`);
    }
  });
  expect((await w.a.phone.route('health')).status).toBe(200);
  expect(w.logs.filter((l) => l.includes('internal error'))).toEqual([]);
}, timeLimit(30_000));
