// Regression: no Host allowlist, so a page on a DNS-rebinding domain (evil.example resolving to 127.0.0.1 or the
// LAN address) could read the API and the app as if it were same-origin. Now every request and socket handshake
// names a host the server answers for — its public URL, localhost, this machine's own names and addresses,
// `--allow-host` names — or gets 421 before any route sees it.
// Raw paths on purpose: requests with a forged Host, below the typed client.
import { request } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createHostCheck, hostOf } from '../../src/server/http/host-check.ts';
import { startTestServer, type TestServer } from '../helpers/server-harness.ts';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ publicUrl: 'https://baton.example.net', allowedHosts: ['proxy-name.internal'] });
});
afterAll(async () => ts.stop());

/** GET with an explicit Host header (fetch would not let a test choose it). */
function getWithHost(path: string, host: string, extra: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const { port } = new URL(ts.url);
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host, authorization: `Bearer ${ts.phoneToken}`, ...extra }, agent: false }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    r.on('error', reject);
    r.end();
  });
}

describe('HTTP', () => {
  it('answers a rebinding host with 421 and a sentence, before the route reads anything', async () => {
    const port = new URL(ts.url).port;
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.evil.example:${port}`, 'baton.example.net.evil.example']) {
      const res = await getWithHost('/api/machines', host);
      expect(res.status, host).toBe(421);
      expect(res.body.error.kind).toBe('misdirected');
      expect(res.body.error.message).toMatch(/does not answer for the host .*--allow-host/);
    }
    // The app's files too, not only the API.
    expect((await getWithHost('/', `evil.example:${port}`)).status).toBe(421);
  });

  it('answers its own names: loopback, localhost, the public URL, --allow-host, this machine’s name and addresses', async () => {
    const port = new URL(ts.url).port;
    const own = Object.values(networkInterfaces()).flat().filter((a) => a && !a.internal).map((a) => (a!.family === 'IPv6' ? `[${a!.address.split('%')[0]}]` : a!.address));
    const hosts = [`127.0.0.1:${port}`, `localhost:${port}`, `app.localhost:${port}`, `[::1]:${port}`, 'baton.example.net', 'baton.example.net:443', 'proxy-name.internal', `${hostname()}:${port}`, ...own.map((a) => `${a}:${port}`)];
    for (const host of hosts) expect((await getWithHost('/api/machines', host)).status, host).toBe(200);
  });

  it('behind a trusted proxy, the name the browser used (X-Forwarded-Host) must be one of ours too', async () => {
    const proxied = await startTestServer({ trustProxy: true, publicUrl: 'https://baton.example.net' });
    try {
      const { port } = new URL(proxied.url);
      const ask = (fwd: string) => new Promise<number>((resolve, reject) => {
        const r = request({ host: '127.0.0.1', port, path: '/api/health', headers: { host: `127.0.0.1:${port}`, 'x-forwarded-host': fwd }, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        r.on('error', reject);
        r.end();
      });
      expect(await ask('baton.example.net')).toBe(200);
      expect(await ask('evil.example')).toBe(421);
    } finally {
      await proxied.stop();
    }
  });
});

describe('sockets', () => {
  const open = (path: string, host: string) => new Promise<number | 'open'>((resolve) => {
    const ws = new WebSocket(`${ts.url.replace(/^http/, 'ws')}${path}`, { headers: { host } });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('error', () => {});
  });

  it('refuses the upgrade for a foreign host (421), on both sockets', async () => {
    expect(await open('/api/events', 'evil.example')).toBe(421);
    expect(await open('/api/machine', 'evil.example')).toBe(421);
    expect(await open('/api/events', `127.0.0.1:${new URL(ts.url).port}`)).toBe('open');
  });
});

describe('the rule', () => {
  const check = createHostCheck({ publicUrl: () => 'https://phone.example:8443/baton', bindHost: '192.0.2.10', allowedHosts: ['Extra.Example.'], trustProxy: false });
  it.each([
    ['phone.example:8443', true], ['phone.example', true], ['extra.example', true], ['192.0.2.10:7447', true], ['[::ffff:127.0.0.1]:1', true],
    ['127.9.9.9', true], ['foo.localhost', true], ['phone.example.attacker.test', false], ['', false], ['[::1', false], ['a b', false], ['0.0.0.0', false],
  ])('%s → allowed %s', (host, ok) => {
    expect(check.foreignHost({ host }) === null).toBe(ok);
  });
  it('reads Host forms people and proxies send', () => {
    expect(hostOf('Example.COM.:80')).toBe('example.com');
    expect(hostOf('[2001:db8::1]:7447')).toBe('2001:db8::1');
    expect(hostOf('2001:db8::1')).toBe('2001:db8::1');
  });
});
