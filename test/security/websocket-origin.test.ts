// Origin checks on WebSocket upgrades: a page on another site is refused (403, before the upgrade); our own
// origin, a configured app origin and clients without a browser (no Origin: the CLI, the daemon) get through.
// Raw socket paths on purpose: handshakes with forged Origins, below any client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { PROTOCOL_VERSION } from '../../src/core/index.ts';
import { startTestServer, type TestServer } from '../helpers/server-harness.ts';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ appOrigins: ['https://app.example'], publicUrl: 'https://baton.tailnet.ts.net' });
});
afterAll(async () => ts.stop());

type Outcome = { upgraded: true; welcome: boolean } | { upgraded: false; status: number; body: string };

/** Opens `path` with these handshake headers; says whether it upgraded (and got welcome on hello) or the status it got. */
function tryOpen(path: string, headers: Record<string, string>, hello?: Record<string, unknown>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${ts.url.replace(/^http/, 'ws')}${path}`, { headers });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ upgraded: false, status: res.statusCode ?? 0, body }));
    });
    ws.once('open', () => {
      if (!hello) {
        ws.close();
        return resolve({ upgraded: true, welcome: false });
      }
      ws.send(JSON.stringify(hello));
      ws.once('message', (d) => {
        ws.close();
        resolve({ upgraded: true, welcome: JSON.parse(d.toString()).type === 'welcome' });
      });
    });
    ws.once('error', (err) => {
      if (!String(err.message).includes('Unexpected server response')) reject(err);
    });
  });
}

const phoneHello = () => ({ type: 'hello', protocol: PROTOCOL_VERSION, token: ts.phoneToken });
const own = () => new URL(ts.url).host;

describe('the events socket', () => {
  it('refuses a page on another site with 403 before upgrading, even with a valid token on hand', async () => {
    for (const origin of ['https://evil.example', 'http://localhost:1', 'null', `https://${own()}.evil.example`]) {
      const out = await tryOpen('/api/events', { origin }, phoneHello());
      expect(out, origin).toMatchObject({ upgraded: false, status: 403 });
      expect(JSON.parse((out as { body: string }).body).error.kind).toBe('forbidden');
    }
  });

  it('lets the app served here, a configured app origin and the public URL in', async () => {
    for (const origin of [`http://${own()}`, 'https://app.example', 'https://baton.tailnet.ts.net']) {
      expect(await tryOpen('/api/events', { origin }, phoneHello()), origin).toEqual({ upgraded: true, welcome: true });
    }
  });

  it('lets a client without a browser in (no Origin header: the CLI)', async () => {
    expect(await tryOpen('/api/events', {}, phoneHello())).toEqual({ upgraded: true, welcome: true });
  });
});

describe('the machine socket', () => {
  it('follows the same rule: no Origin (a daemon) in, a foreign page out', async () => {
    expect(await tryOpen('/api/machine', {})).toEqual({ upgraded: true, welcome: false });
    expect(await tryOpen('/api/machine', { origin: 'https://evil.example' })).toMatchObject({ upgraded: false, status: 403 });
  });
});

describe('forwarded hosts', () => {
  it('counts X-Forwarded-Host as our own only when the proxy is trusted', async () => {
    const proxied = { origin: 'https://phone-facing.example', host: '127.0.0.1:1', 'x-forwarded-host': 'phone-facing.example' };
    expect(await tryOpen('/api/events', proxied, phoneHello())).toMatchObject({ upgraded: false, status: 403 });
    // Both names are the server's own (a proxy passes them through): the Host rule lets them in, the Origin rule decides.
    const trusting = await startTestServer({ trustProxy: true, allowedHosts: ['phone-facing.example', 'elsewhere.example'] });
    try {
      const open = (h: Record<string, string>) => new Promise<number | 'open'>((resolve) => {
        const ws = new WebSocket(`${trusting.url.replace(/^http/, 'ws')}/api/events`, { headers: h });
        ws.once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
        ws.once('open', () => {
          ws.close();
          resolve('open');
        });
        ws.once('error', () => {});
      });
      expect(await open(proxied)).toBe('open');
      expect(await open({ ...proxied, 'x-forwarded-host': 'elsewhere.example' })).toBe(403);
    } finally {
      await trusting.stop();
    }
  });
});
