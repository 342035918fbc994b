// Regression: the hello a daemon really sends carries the delivered ids its supervisor reports (the daemon
// used to rebuild the reports and drop them). Real server, real daemon process, real fake claude, and a
// relay between them that loses the daemon's first ack and kills the daemon right then: the message was
// written to the agent, its ack is still in the daemon's outbox. After the restart the server must count
// it delivered, from the hello frame as it crossed the socket, not fail it as never written.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { SOCKET_PATHS, type MachineUp, type MessageRecord, type SessionRecord } from '../../src/core/index.ts';
import { createApiClient } from '../../src/cli/lib/api-client.ts';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import { writeJsonFileAtomic } from '../../src/machine/json-file.ts';
import { createFakeEnv, type FakeEnv } from '../helpers/fake-env.ts';
import { BATON, eventually } from './stack.ts';
import { databaseFor } from '../helpers/test-database.ts';

let fake: FakeEnv | null = null;
let server: RunningServer | null = null;
let relay: WebSocketServer | null = null;
let daemon: ChildProcess | null = null;
afterEach(async () => {
  daemon?.kill('SIGKILL');
  await new Promise<void>((r) => (relay ? relay.close(() => r()) : r()));
  await server?.stop();
  await fake?.cleanup();
});

it('a daemon killed after writing a message, before its ack was confirmed, says so in its next hello and the message counts as written (unanswered: its turn was lost), not failed', async () => {
  fake = await createFakeEnv();
  const env = fake;
  server = await startServer({ home: join(env.root, 'server'), ...databaseFor(join(env.root, 'server')), port: 0, log: () => {}, heartbeatTimeoutMs: 5_000 });
  const account = server.admin.defaultAccount();
  const phone = createApiClient(server.url, server.admin.issueToken(account, 'phone', 'phone').token);

  // The relay: passes frames both ways, records what the daemon sent, and on the first connection drops
  // the first ack and SIGKILLs the daemon (so the ack never reaches the server and is never confirmed).
  relay = new WebSocketServer({ host: '127.0.0.1', port: 0, path: SOCKET_PATHS.machine });
  await new Promise<void>((r) => relay!.once('listening', () => r()));
  const hellos: Extract<MachineUp, { type: 'hello' }>[] = [];
  let connection = 0;
  relay.on('connection', (fromDaemon) => {
    const mine = ++connection;
    const toServer = new WebSocket(`${server!.url.replace(/^http/, 'ws')}/api/machine`);
    const early: string[] = [];
    toServer.on('open', () => early.splice(0).forEach((f) => toServer.send(f)));
    toServer.on('message', (d) => fromDaemon.readyState === WebSocket.OPEN && fromDaemon.send(d.toString()));
    toServer.on('close', () => fromDaemon.terminate());
    fromDaemon.on('ping', (d) => toServer.readyState === WebSocket.OPEN && toServer.ping(d));
    toServer.on('pong', (d) => fromDaemon.readyState === WebSocket.OPEN && fromDaemon.pong(d));
    fromDaemon.on('message', (d) => {
      const text = d.toString();
      const frame = JSON.parse(text) as MachineUp;
      if (frame.type === 'hello') hellos.push(frame);
      if (mine === 1 && frame.type === 'ack') {
        daemon!.kill('SIGKILL');
        toServer.terminate();
        return;
      }
      if (toServer.readyState === WebSocket.OPEN) toServer.send(text);
      else early.push(text);
    });
    fromDaemon.on('close', () => toServer.terminate());
  });
  const relayUrl = `http://127.0.0.1:${(relay.address() as { port: number }).port}`;

  const home = join(env.root, 'laptop');
  // Paired already (the relay speaks only the machine socket): the daemon's config as pairing leaves it.
  writeJsonFileAtomic(join(home, 'daemon.json'), { serverUrl: relayUrl, token: server.admin.issueToken(account, 'machine', 'laptop').token, name: 'laptop' });
  const startDaemon = () => {
    daemon = spawn(process.execPath, [BATON, 'daemon', '--server', relayUrl], { env: { ...process.env, ...env.env, BATON_HOME: home }, stdio: 'ignore', cwd: env.cwd });
  };
  startDaemon();
  const machineId = await eventually(async () => (await phone.call('listMachines')).machines.find((m) => m.online)?.id, 'the laptop online');

  const { session } = await phone.call('startSession', { body: {
    machineId, provider: 'claude', backend: 'claude-stream', cwd: env.cwd, message: { clientId: 'c-first', text: 'written once' },
  } });
  // The daemon wrote the message to claude, then died with its ack.
  await eventually(async () => daemon!.exitCode !== null || daemon!.signalCode !== null, 'the relay to kill the daemon at the ack');
  const messageId = (await phone.call('listMessages', { id: session.id })).messages[0]!.id;

  startDaemon();
  const delivered = await eventually(async () => {
    const m = (await phone.call('listMessages', { id: session.id })).messages.find((x) => x.id === messageId);
    return m && m.state !== 'accepted' ? m : null;
  }, 'the message to leave accepted after the restart');
  // Written once (never failed as unwritten); its agent died with the daemon, so its turn is lost.
  expect(delivered).toMatchObject({ state: 'unanswered', failure: { code: 'turn-lost' } });
  // The frame that did it, as it crossed the socket:
  expect(hellos).toHaveLength(2);
  expect(hellos[1]!.sessions).toEqual([expect.objectContaining({ sessionId: session.id, running: false, delivered: [messageId] })]);
  // And the agent really had it once: the fake's transcript holds the text.
  const record = await env.record('claude');
  expect(record.filter((r) => r.event === 'created')).toHaveLength(1);
}, 60_000);
