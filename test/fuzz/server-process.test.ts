// `baton server` as its own process under hostile request lines and WebSocket handshakes (odd request
// targets, missing or broken upgrade headers, foreign origins): it answers without a 5xx and never exits.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServerProcess, tempHome, type ServerProcess } from '../helpers/server-harness.ts';
import { segmentArb } from './http-case.ts';
import { exchange, statusOf } from './raw-socket.ts';
import { check, timeLimit } from './seed.ts';
import { SOCKET_PATHS } from './socket-client.ts';

let proc: ServerProcess;
beforeAll(async () => {
  proc = await startServerProcess(tempHome('baton-fuzz-proc-'));
});
afterAll(async () => {
  await proc?.kill();
});

const targetArb = fc.oneof(
  fc.constantFrom(...SOCKET_PATHS),
  fc.constantFrom(...SOCKET_PATHS).map((p) => `${p}?x=%zz`),
  fc.constantFrom('//:.', '//', '///api/machine', '*', 'http://x/api/machine', 'http://[::1/api/events', '/api/machine/..', '/api/events/../machine',
    '/api//machine', '/API/MACHINE', '/%zz', '/api/%', '?', '/api/machine#x', '//x:99999/api/events'),
  fc.array(segmentArb.map((s) => ('raw' in s ? s.raw : s.pool)), { maxLength: 4 }).map((segs) => `/${segs.join('/')}`),
);
const headerArb = fc.record({
  upgrade: fc.constantFrom('websocket', 'WebSocket', 'h2c', '', null),
  connection: fc.constantFrom('Upgrade', 'keep-alive, Upgrade', 'close', null),
  key: fc.constantFrom('dGhlIHNhbXBsZSBub25jZQ==', 'short', '', null),
  version: fc.constantFrom('13', '8', 'x', null),
  origin: fc.constantFrom(null, 'null', 'http://evil.example', 'http://127.0.0.1', '::::', 'file://'),
});

it('odd request targets and broken handshakes never take the process down or get a 5xx', async () => {
  await check(fc.record({ method: fc.constantFrom('GET', 'POST', 'OPTIONS'), target: targetArb, headers: headerArb }), 150, async (c) => {
    const lines = [`${c.method} ${c.target} HTTP/1.1`, `Host: ${new URL(proc.url).host}`];
    if (c.headers.upgrade !== null) lines.push(`Upgrade: ${c.headers.upgrade}`);
    if (c.headers.connection !== null) lines.push(`Connection: ${c.headers.connection}`);
    if (c.headers.key !== null) lines.push(`Sec-WebSocket-Key: ${c.headers.key}`);
    if (c.headers.version !== null) lines.push(`Sec-WebSocket-Version: ${c.headers.version}`);
    if (c.headers.origin !== null) lines.push(`Origin: ${c.headers.origin}`);
    const reply = await exchange(proc.url, `${lines.join('\r\n')}\r\n\r\n`);
    const status = statusOf(reply);
    if (status !== null && status >= 500) throw new Error(`a ${status} for ${lines[0]}:\n${reply.slice(0, 300)}`);
    // Let an exception on the server's side (if any) take effect before looking.
    await new Promise((r) => setTimeout(r, 5));
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`the server exited after ${lines.join(' | ')}:\n${proc.output().slice(-1500)}`);
  });
  expect((await fetch(`${proc.url}/api/health`)).status).toBe(200);
}, timeLimit(30_000));
