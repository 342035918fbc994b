// The daemon's server link against a stand-in server socket: hello first, validation, durable outbox, reconnect.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { SOCKET_PATHS, type MachineDown, type MachineUp } from '../../src/core/index.ts';
import { openDaemonStore } from '../../src/machine/daemon-store.ts';
import { silentLogger } from '../../src/machine/logger.ts';
import { createServerLink, machineSocketUrl, type ServerLink } from '../../src/machine/server-link.ts';
import { startUnconfirmingServer } from './unconfirming-server.ts';

/** A stand-in for the server's machine socket that records every frame per connection. */
async function standInServer(port = 0) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port, path: SOCKET_PATHS.machine });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const connections: { sock: WebSocket; frames: MachineUp[] }[] = [];
  const waiters: (() => void)[] = [];
  wss.on('connection', (sock) => {
    const c = { sock, frames: [] as MachineUp[] };
    connections.push(c);
    sock.on('message', (d) => {
      const f = JSON.parse(d.toString()) as MachineUp;
      c.frames.push(f);
      if (f.type === 'hello') sock.send(JSON.stringify({ type: 'welcome', protocol: 1, machineId: 'm-laptop' }));
      for (const w of waiters.splice(0)) w();
    });
  });
  const addr = wss.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    url,
    port: typeof addr === 'object' && addr ? addr.port : 0,
    connections,
    /** Wait until `pred` holds over the recorded frames (woken by each new frame, with a deadline). */
    async until(pred: () => boolean, ms = 5_000) {
      const deadline = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`timed out; frames: ${JSON.stringify(connections.map((c) => c.frames))}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
    },
    close: () => new Promise<void>((r) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => r());
    }),
  };
}

let home: string;
const links: ServerLink[] = [];
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'baton-link-'));
});
afterEach(async () => {
  for (const l of links.splice(0)) await l.stop();
  rmSync(home, { recursive: true, force: true });
});

function laptopLink(serverUrl: string, onFrame: (f: MachineDown) => void = () => {}, onFatal?: (r: string) => void) {
  const store = openDaemonStore(join(home, 'daemon'));
  const link = createServerLink({
    serverUrl, store, log: silentLogger, onFrame, heartbeatMs: 50, backoff: { baseMs: 20, maxMs: 100 },
    hello: async () => ({ hello: { type: 'hello', protocol: 1, token: 'machine-token', name: 'laptop', capabilities: {}, sessions: [] }, pages: [] }),
    ...(onFatal ? { onFatal } : {}),
  });
  links.push(link);
  return { link, store };
}

const ack = (messageId: string): MachineUp => ({ type: 'ack', sessionId: 's1' as never, messageId: messageId as never });

describe('server link', () => {
  it('builds the machine socket URL from the server URL', () => {
    expect(machineSocketUrl('http://127.0.0.1:80/')).toBe('ws://127.0.0.1/api/machine');
    expect(machineSocketUrl('https://baton.example:8443/base')).toBe('wss://baton.example:8443/base/api/machine');
  });

  it('says hello first, then heartbeats', async () => {
    const server = await standInServer();
    const { link } = laptopLink(server.url);
    link.start();
    await server.until(() => (server.connections[0]?.frames.filter((f) => f.type === 'heartbeat').length ?? 0) >= 2);
    expect(server.connections[0]!.frames[0]).toMatchObject({ type: 'hello', token: 'machine-token', name: 'laptop' });
    expect(link.machineId()).toBe('m-laptop');
    await server.close();
  });

  it('ignores frames that fail the schema and passes valid ones on', async () => {
    const server = await standInServer();
    const got: MachineDown[] = [];
    const { link } = laptopLink(server.url, (f) => got.push(f));
    link.start();
    await server.until(() => link.state() === 'ready');
    const sock = server.connections[0]!.sock;
    sock.send('not json');
    sock.send(JSON.stringify({ type: 'deliver', sessionId: 's1', messageId: 'm1' })); // no text
    sock.send(JSON.stringify({ type: 'teleport' }));
    sock.send(JSON.stringify({ type: 'stop', sessionId: 's1' }));
    await server.until(() => got.length > 0);
    expect(got).toEqual([{ type: 'stop', sessionId: 's1' }]);
    await server.close();
  });

  it('queues frames while the server is away and flushes them in order after the next welcome, even across a daemon restart', async () => {
    const first = await standInServer();
    const port = first.port;
    await first.close();

    // The daemon runs while the server is down: its acks are queued on disk.
    const before = laptopLink(`http://127.0.0.1:${port}`);
    before.link.sendDurable(ack('m1'));
    before.link.sendDurable(ack('m2'));
    await before.link.stop();
    expect(before.store.outbox().map((q) => q.frame)).toEqual([ack('m1'), ack('m2')]);

    // A restarted daemon finds them and sends them, after hello, once the server is back.
    const after = laptopLink(`http://127.0.0.1:${port}`);
    after.link.start();
    after.link.sendDurable(ack('m3'));
    const server = await standInServer(port);
    await server.until(() => (server.connections.at(-1)?.frames.filter((f) => f.type === 'ack').length ?? 0) === 3);
    const frames = server.connections.at(-1)!.frames.filter((f) => f.type !== 'heartbeat');
    expect(frames.map((f) => f.type)).toEqual(['hello', 'ack', 'ack', 'ack']);
    expect(frames.slice(1)).toEqual([ack('m1'), ack('m2'), ack('m3')]);
    await server.until(() => after.store.outbox().length === 0);
    await server.close();
  });

  it('reconnects after the server drops the socket', async () => {
    const server = await standInServer();
    const { link } = laptopLink(server.url);
    link.start();
    await server.until(() => link.state() === 'ready');
    server.connections[0]!.sock.terminate();
    await server.until(() => server.connections.length === 2 && link.state() === 'ready');
    expect(server.connections[1]!.frames[0]).toMatchObject({ type: 'hello' });
    await server.close();
  });

  // 4401: an unknown or revoked token; 4403: a token of another kind (a phone's or a terminal's in daemon.json).
  it.each([4401, 4403])('stops retrying when the server refuses the token (%i) and says why', async (code) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: SOCKET_PATHS.machine });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    wss.on('connection', (s) => s.on('message', () => s.close(code, 'bad token')));
    const port = (wss.address() as { port: number }).port;
    const fatal = await new Promise<string>((resolve) => laptopLink(`http://127.0.0.1:${port}`, () => {}, resolve).link.start());
    expect(fatal).toMatch(/refused this machine's token/);
    await new Promise<void>((r) => wss.close(() => r()));
  });
});

// Regression: a frame counted as sent once the socket had written it was lost when the connection died with
// it in flight (e.g. the server crashed before reading it: an agent's turn-end never arrived, so the message
// stayed "delivered" forever). Now a frame leaves the outbox only when a pong confirms the server applied it.
describe('server link confirmation', () => {
  it('sends again, on the next connection, the frames the server never confirmed', async () => {
    // The first server "crashes" before it answers any ping.
    const server = await startUnconfirmingServer();
    const { connections } = server;
    const until = async (pred: () => boolean, what: string) => {
      const deadline = Date.now() + 5_000;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const acks = (i: number) => connections[i]?.frames.filter((f) => f.type === 'ack') ?? [];
    try {
      const { link, store } = laptopLink(server.url);
      link.start();
      await until(() => link.state() === 'ready', 'the link to be ready');
      link.sendDurable(ack('m1'));
      link.sendDurable(ack('m2'));
      await until(() => acks(0).length === 2, 'the first server to read both acks');
      expect(store.outbox()).toHaveLength(2); // written, but nobody confirmed them

      server.confirm();
      connections[0]!.sock.terminate();
      await until(() => acks(1).length === 2, 'the acks again on the next connection');
      expect(acks(1)).toEqual([ack('m1'), ack('m2')]);
      await until(() => store.outbox().length === 0, 'the confirmed frames to leave the outbox');
    } finally {
      await server.close();
    }
  });
});
