// Responses are compressed (br, else gzip) above 1 kB when the client accepts it: the API's JSON and the app's
// files, with `Vary: Accept-Encoding`; small bodies and clients that accept neither get them as they are.
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseEncoding } from '../../src/server/http/compression.ts';
import { startTestServer, tempHome, type ScriptedMachine, type TestServer } from '../helpers/server-harness.ts';

/** A GET that shows the bytes as sent (Node's fetch would decompress them). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject).end();
  });
}

function rawPost(url: string, body: unknown, token?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'accept-encoding': 'br, gzip' };
    if (token) headers.authorization = `Bearer ${token}`;
    const req = request(url, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const decode = (r: { headers: Record<string, unknown>; body: Buffer }) =>
  r.headers['content-encoding'] === 'br' ? brotliDecompressSync(r.body) : r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.body) : r.body;

const APP_JS = `export const rows = ${JSON.stringify(Array.from({ length: 400 }, (_, i) => `row ${i}`))};\n`;

let ts: TestServer;
let plain: TestServer;
let laptop: ScriptedMachine;
beforeAll(async () => {
  const dist = tempHome('baton-dist-');
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Baton</title>');
  writeFileSync(join(dist, 'assets', 'app-1234.js'), APP_JS);
  ts = await startTestServer({ staticDir: dist });
  plain = await startTestServer({ staticDir: dist, compression: false });
  laptop = ts.machine('laptop');
  await laptop.connect();
  laptop.send({ type: 'direct-sessions', sessions: Array.from({ length: 30 }, (_, i) => ({ provider: 'claude', backend: 'claude-stream', vendorResumeId: `native-${i}`, cwd: `/work/p${i}`, title: `native ${i}`, updatedAt: i })) });
  for (let i = 0; i < 100 && (await ts.phone.route('sync', { query: { since: 0 } })).body.sessions.length < 30; i++) await new Promise((r) => setTimeout(r, 20));
});
afterAll(async () => {
  await laptop?.disconnect();
  await ts?.stop();
  await plain?.stop();
});

describe('HTTP compression', () => {
  it('sends a sync page as br when accepted, gzip otherwise, identical once decoded', async () => {
    const auth = { authorization: `Bearer ${ts.phoneToken}` };
    const identity = await rawGet(`${ts.url}/api/sync?since=0`, { ...auth, 'accept-encoding': 'identity' });
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.body.length).toBeGreaterThan(8 * 1024);
    const expected = JSON.parse(identity.body.toString()) as { sessions: unknown[]; serverTime: number };
    expect(expected.sessions).toHaveLength(30);
    for (const [accept, encoding] of [['gzip, deflate, br', 'br'], ['gzip', 'gzip'], ['br;q=0, gzip;q=0.5', 'gzip']] as const) {
      const res = await rawGet(`${ts.url}/api/sync?since=0`, { ...auth, 'accept-encoding': accept });
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding'], accept).toBe(encoding);
      expect(res.headers.vary).toMatch(/Accept-Encoding/i);
      expect(res.body.length).toBeLessThan(identity.body.length / 4);
      const got = JSON.parse(decode(res).toString()) as typeof expected;
      expect({ ...got, serverTime: 0 }).toEqual({ ...expected, serverTime: 0 });
    }
  });

  it('leaves small bodies as they are (below 1 kB: nothing to gain, and a token answer stays uncompressed)', async () => {
    const res = await rawGet(`${ts.url}/api/health`, { 'accept-encoding': 'br, gzip' });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(res.body.toString())).toMatchObject({ ok: true });
  });

  it('never compresses an answer that carries a token (pairing, share links): each is far below the threshold', async () => {
    const { code } = ts.admin.createPairingCode(ts.accountId as never, 'phone');
    const paired = await rawPost(`${ts.url}/api/pair`, { code, name: 'tablet', kind: 'phone' });
    expect(paired.status).toBe(201);
    expect(paired.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(paired.body.toString()).token).toMatch(/^bt_/);
    const [sessionId] = (await ts.phone.route('sync', { query: { since: 0 } })).body.sessions.map((x: { id: string }) => x.id);
    const share = await rawPost(`${ts.url}/api/sessions/${sessionId}/shares`, { expiresInSeconds: 600 }, ts.phoneToken);
    expect(share.status).toBe(201);
    expect(share.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(share.body.toString()).token).toMatch(/^bs_/);
  });

  it('compresses the app’s files, the same bytes every time for an immutable asset', async () => {
    const a = await rawGet(`${ts.url}/assets/app-1234.js`, { 'accept-encoding': 'br' });
    const b = await rawGet(`${ts.url}/assets/app-1234.js`, { 'accept-encoding': 'br' });
    expect(a.headers['content-encoding']).toBe('br');
    expect(a.headers['cache-control']).toMatch(/immutable/);
    expect(decode(a).toString()).toBe(APP_JS);
    expect(b.body.equals(a.body)).toBe(true);
    const gz = await rawGet(`${ts.url}/assets/app-1234.js`, { 'accept-encoding': 'gzip' });
    expect(decode(gz).toString()).toBe(APP_JS);
  });

  it('is off with `compression: false` (a proxy in front compresses)', async () => {
    const res = await rawGet(`${plain.url}/assets/app-1234.js`, { 'accept-encoding': 'br, gzip' });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.toString()).toBe(APP_JS);
  });

  it('reads Accept-Encoding as a browser or a proxy writes it', () => {
    expect(chooseEncoding(undefined)).toBeNull();
    expect(chooseEncoding('identity')).toBeNull();
    expect(chooseEncoding('gzip, deflate, br, zstd')).toBe('br');
    expect(chooseEncoding('GZIP')).toBe('gzip');
    expect(chooseEncoding('br;q=0, gzip')).toBe('gzip');
    expect(chooseEncoding('*')).toBe('br');
    expect(chooseEncoding('*;q=0, gzip;q=1')).toBe('gzip');
    expect(chooseEncoding('gzip;q=0')).toBeNull();
  });
});
