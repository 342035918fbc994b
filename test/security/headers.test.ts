// Security headers: a strict CSP (inline scripts only by hash) on the PWA, a deny-all CSP and no-store on the API,
// the usual hardening headers everywhere, and HSTS only when the browser reached us over https.
// Raw paths on purpose: the headers of the HTTP surface itself.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, tempHome, type TestServer } from '../helpers/server-harness.ts';

const THEME_SCRIPT = "\n      try { document.documentElement.dataset.theme = 'dark'; } catch (e) {}\n    ";

function builtApp(): string {
  const dist = tempHome('baton-dist-');
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), `<!doctype html><title>Baton</title><script>${THEME_SCRIPT}</script><script type="module" src="/assets/app-1.js"></script>`);
  writeFileSync(join(dist, 'assets', 'app-1.js'), 'console.log(1)');
  writeFileSync(join(dist, 'sw.js'), 'self.addEventListener("fetch", () => {})');
  return dist;
}

/** The CSP as a map of directive → sources. */
function directives(csp: string | null): Map<string, string[]> {
  expect(csp).toBeTruthy();
  return new Map(csp!.split(';').map((d) => d.trim().split(/\s+/)).filter((p) => p[0]).map(([name, ...sources]) => [name!, sources]));
}

function expectCommonHeaders(h: Headers): void {
  expect(h.get('x-content-type-options')).toBe('nosniff');
  expect(h.get('referrer-policy')).toBe('no-referrer');
  expect(h.get('x-frame-options')).toBe('DENY');
  expect(h.get('permissions-policy')).toMatch(/camera=\(\)/);
  expect(h.get('permissions-policy')).toMatch(/microphone=\(\)/);
  expect(h.get('permissions-policy')).toMatch(/geolocation=\(\)/);
  // Regression: Chromium warns "Unrecognized feature: 'bluetooth'" on every load; the entry is gone.
  expect(h.get('permissions-policy')).not.toMatch(/bluetooth/);
}

describe('over plain http', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ staticDir: builtApp(), appOrigins: ['https://app.example'] });
  });
  afterAll(async () => ts.stop());

  it('gives the app shell a strict CSP that admits its inline script by hash only', async () => {
    for (const path of ['/', '/sessions/ses_1']) {
      const res = await fetch(`${ts.url}${path}`);
      expect(res.status).toBe(200);
      const csp = directives(res.headers.get('content-security-policy'));
      const hash = `'sha256-${createHash('sha256').update(THEME_SCRIPT).digest('base64')}'`;
      expect(csp.get('default-src')).toEqual(["'self'"]);
      expect(csp.get('script-src')).toEqual(["'self'", hash]);
      expect(csp.get('style-src')).toEqual(["'self'"]);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(csp.get('base-uri')).toEqual(["'self'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp.get('form-action')).toEqual(["'self'"]);
      // Any Baton server the user adds (served over plain http here, so http:/ws: too); the app origin as before.
      expect(csp.get('connect-src')).toEqual(["'self'", 'http:', 'ws:', 'https:', 'wss:', 'https://app.example', 'wss://app.example']);
      for (const sources of csp.values()) expect(sources.join(' ')).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expectCommonHeaders(res.headers);
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('puts the same policy on assets and the service worker', async () => {
    for (const path of ['/assets/app-1.js', '/sw.js', '/missing.js']) {
      const res = await fetch(`${ts.url}${path}`);
      expect(directives(res.headers.get('content-security-policy')).get('script-src')).toEqual(["'self'"]);
      expectCommonHeaders(res.headers);
    }
  });

  it('gives every API answer — success, refusal, unknown route, preflight — a deny-all CSP and no-store', async () => {
    const answers = [
      await fetch(`${ts.url}/api/health`),
      await fetch(`${ts.url}/api/sync`, { headers: { authorization: `Bearer ${ts.phoneToken}` } }),
      await fetch(`${ts.url}/api/sync`),
      await fetch(`${ts.url}/api/nope`),
      await fetch(`${ts.url}/api/pair`, { method: 'POST', body: '{not json' }),
      await fetch(`${ts.url}/api/sync`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 401, 404, 400, 204]);
    for (const res of answers) {
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(directives(res.headers.get('content-security-policy')).get('default-src')).toEqual(["'none'"]);
      expectCommonHeaders(res.headers);
    }
  });
});

describe('behind a trusted proxy', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ staticDir: builtApp(), trustProxy: true });
  });
  afterAll(async () => ts.stop());

  it('sends HSTS when the proxy says the browser came over https, and not otherwise', async () => {
    const https = await fetch(`${ts.url}/`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(https.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
    const api = await fetch(`${ts.url}/api/health`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(api.headers.get('strict-transport-security')).toMatch(/max-age=/);
    const http = await fetch(`${ts.url}/`, { headers: { 'x-forwarded-proto': 'http' } });
    expect(http.headers.get('strict-transport-security')).toBeNull();
  });

  it('lets an app that came over https reach other servers over https/wss only; over plain http, http/ws too', async () => {
    const secure = directives((await fetch(`${ts.url}/`, { headers: { 'x-forwarded-proto': 'https' } })).headers.get('content-security-policy'));
    expect(secure.get('connect-src')).toEqual(["'self'", 'https:', 'wss:']);
    const plain = directives((await fetch(`${ts.url}/`, { headers: { 'x-forwarded-proto': 'http' } })).headers.get('content-security-policy'));
    expect(plain.get('connect-src')).toEqual(["'self'", 'http:', 'ws:', 'https:', 'wss:']);
  });

  it('ignores X-Forwarded-Proto from anyone when the proxy is not trusted', async () => {
    const plain = await startTestServer({ staticDir: builtApp() });
    try {
      const res = await fetch(`${plain.url}/`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(res.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await plain.stop();
    }
  });
});

describe('over its own TLS', () => {
  let ts: TestServer;
  beforeAll(async () => {
    const dir = tempHome('baton-tls-');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    ts = await startTestServer({ staticDir: builtApp(), tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } });
  });
  afterAll(async () => ts.stop());

  it('sends HSTS on every answer', async () => {
    expect(ts.url).toMatch(/^https:/);
    for (const path of ['/', '/api/health']) {
      const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        request(`${ts.url}${path}`, { rejectUnauthorized: false }, (res) => {
          res.resume();
          resolve(res.headers);
        }).on('error', reject).end();
      });
      expect(headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
      expect(headers['content-security-policy']).toBeTruthy();
    }
  });
});
