// Plain tests for bugs the fuzz tests found, so each stays fixed even if the fuzzers stop generating its input.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, startTestServer, tempHome, type TestServer } from '../helpers/server-harness.ts';
import { exchange } from './raw-socket.ts';
import { sendRaw } from './raw-http.ts';

describe('the PWA files', () => {
  let ts: TestServer;
  let dir: string;
  const logs: string[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-fuzz-regress-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Baton</title>');
    ts = await startTestServer({ staticDir: dir, log: (l) => logs.push(l) });
  });
  afterAll(async () => {
    await ts.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // Regression: a path with a malformed percent escape threw URIError in the static handler: a 500 and an "internal error" log.
  it.each(['/%', '/%zz', '/%E0%A4%A', '/assets/%'])('answers %s with a 400, not a 500', async (path) => {
    const res = await sendRaw(ts.url, { method: 'GET', path, headers: {}, body: null, chunked: false });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/malformed/);
    expect(logs.filter((l) => l.includes('internal error'))).toEqual([]);
  });

  it('still serves the app shell for a well-formed escaped client route', async () => {
    const res = await sendRaw(ts.url, { method: 'GET', path: '/shared/%41bc', headers: {}, body: null, chunked: false });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<title>Baton</title>');
  });
});

describe('the WebSocket upgrade', () => {
  // Regression: an upgrade request whose target is no URL path (`GET //:. HTTP/1.1`) made `new URL` throw in the
  // server's 'upgrade' listener: an uncaught exception that ended the `baton server` process, with no token needed.
  it('survives an upgrade request for `//:.` and keeps serving', async () => {
    const proc = await startServerProcess(tempHome('baton-fuzz-regress-'));
    try {
      const handshake = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13';
      await exchange(proc.url, `GET //:. HTTP/1.1\r\nHost: ${new URL(proc.url).host}\r\n${handshake}\r\n\r\n`);
      await new Promise((r) => setTimeout(r, 100));
      expect(proc.child.exitCode).toBeNull();
      expect((await fetch(`${proc.url}/api/health`)).status).toBe(200);
    } finally {
      await proc.kill();
    }
  });
});
