// The same port serves the built PWA (with SPA fallback, never for /api) and allows CORS only for configured origins.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, tempHome, type TestServer } from '../helpers/server-harness.ts';

let ts: TestServer;
beforeAll(async () => {
  const dist = tempHome('baton-dist-');
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Baton</title>');
  writeFileSync(join(dist, 'assets', 'app-1234.js'), 'console.log(1)');
  ts = await startTestServer({ staticDir: dist, appOrigins: ['https://app.example'] });
});
afterAll(async () => ts.stop());

describe('the PWA', () => {
  it('serves files, and the app shell for client routes', async () => {
    const asset = await fetch(`${ts.url}/assets/app-1234.js`);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    for (const path of ['/', '/sessions/ses_1', '/pair?code=ABCDE-FGHJK']) {
      const res = await fetch(`${ts.url}${path}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<title>Baton</title>');
    }
    expect((await fetch(`${ts.url}/missing.js`)).status).toBe(404);
    expect((await fetch(`${ts.url}/../../etc/passwd`)).status).not.toBe(500);
  });

  it('never answers /api with the app shell', async () => {
    const res = await fetch(`${ts.url}/api/nope`);
    expect(res.status).toBe(404);
    expect((await res.json()).error.kind).toBe('not-found');
  });
});

describe('CORS', () => {
  it('allows a configured app origin and no other', async () => {
    const preflight = await fetch(`${ts.url}/api/sync`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const stranger = await fetch(`${ts.url}/api/health`, { headers: { origin: 'https://evil.example' } });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });
});
