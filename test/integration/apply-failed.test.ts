// A frame the server could not store (here: SQLite refusing the write, as on a full disk) is not confirmed
// to the daemon: it stays in the daemon's outbox and is sent again until it is stored. One that keeps
// failing is parked after PARK_AFTER, so the frames behind it flow. Real server, real daemon link and store.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Backend, MessageRecord, SessionRecord } from '../../src/core/index.ts';
import { createApiClient, type ApiClient } from '../../src/cli/lib/api-client.ts';
import { createDaemon, type Daemon } from '../../src/machine/daemon.ts';
import { openDaemonStore, type DaemonStore } from '../../src/machine/daemon-store.ts';
import { silentLogger } from '../../src/machine/logger.ts';
import type { BackendDriver } from '../../src/machine/providers/backend.ts';
import { createMemoryDriver, createMemoryVendor } from '../../src/machine/providers/memory-driver.ts';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import { eventually } from './stack.ts';
import { databaseFor } from '../helpers/test-database.ts';

let root: string;
let server: RunningServer;
let daemon: Daemon | null = null;
let phone: ApiClient;
let db: Database.Database;
beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'baton-apply-'));
  server = await startServer({ home: join(root, 'server'), ...databaseFor(join(root, 'server')), port: 0, log: () => {} });
  phone = createApiClient(server.url, server.admin.issueToken(server.admin.defaultAccount(), 'phone', 'phone').token);
  // A second connection to the server's database, to make its writes fail the way a full disk does.
  db = new Database(join(root, 'server', 'baton.db'));
});
afterEach(async () => {
  await daemon?.stop();
  daemon = null;
  store?.close();
  db.close();
  await server.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Every write that marks a message delivered fails inside the server's transaction, until healed. */
const diskFull = () => db.exec(`CREATE TRIGGER disk_full BEFORE UPDATE OF state ON messages WHEN NEW.state = 'delivered'
  BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
const heal = () => db.exec('DROP TRIGGER disk_full');

let store: DaemonStore;

async function laptop(parkAfter?: { failures: number; ms: number }) {
  store = openDaemonStore(join(root, 'laptop', 'daemon'));
  const drivers = new Map<Backend, BackendDriver>([['claude-stream', createMemoryDriver('claude-stream', createMemoryVendor())]]);
  const token = server.admin.issueToken(server.admin.defaultAccount(), 'machine', 'laptop').token;
  daemon = createDaemon({
    home: join(root, 'laptop'), serverUrl: server.url, token, name: 'laptop', drivers, store, log: process.env.DBG ? { info: (l: string) => console.log('I', Date.now() % 100000, l), warn: (l: string) => console.log('W', Date.now() % 100000, l), error: (l: string) => console.log('E', Date.now() % 100000, l) } as never : silentLogger, controlSocket: false, heartbeatMs: 200,
    ...(parkAfter ? { parkAfter } : {}),
  });
  await daemon.start();
  const machines = await eventually(async () => {
    const m = (await phone.call('listMachines')).machines.find((x) => x.online && x.capabilities);
    return m ?? null;
  }, 'the laptop online');
  return machines.id;
}

async function startWithMessage(machineId: string): Promise<{ session: SessionRecord; messageId: string }> {
  const { session } = await phone.call('startSession', { body: {
    machineId, provider: 'claude', backend: 'claude-stream', cwd: '/work', message: { clientId: 'c-1', text: 'hello' },
  } });
  const messageId = (await phone.call('listMessages', { id: session.id })).messages[0]!.id;
  return { session, messageId };
}
const messageOf = async (sessionId: string, id: string) => (await phone.call('listMessages', { id: sessionId })).messages.find((m) => m.id === id)!;

it('an ack the server failed to store stays queued on the daemon and is stored once the server can write again', async () => {
  diskFull();
  const machineId = await laptop();
  const { session, messageId } = await startWithMessage(machineId);
  // The daemon wrote the message and sent its ack; the server refused to store it twice (on two
  // connections), confirmed nothing, and the ack is still first in the daemon's outbox.
  const ack = await eventually(async () => store.outbox().find((q) => q.frame.type === 'ack' && q.failures >= 2), 'the server to refuse the ack twice');
  expect(ack.frame).toMatchObject({ type: 'ack', messageId });
  expect((await messageOf(session.id, messageId)).state).toBe('accepted');

  heal();
  await eventually(async () => (await messageOf(session.id, messageId)).state === 'answered', 'the re-sent ack (and the turn after it) to be stored');
  await eventually(async () => daemon!.status().queuedFrames === 0, 'the outbox to be confirmed');
  expect(daemon!.status().parkedFrames).toBe(0);
}, 30_000);

it('a frame that keeps failing is parked after PARK_AFTER, and the frames behind it are stored', async () => {
  // This one agent event can never be stored (a server bug, say); nothing will make the daemon send it anew.
  db.exec(`CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.text = 'echo: hello' BEGIN SELECT RAISE(ABORT, 'cannot store this one'); END`);
  const machineId = await laptop({ failures: 2, ms: 0 });
  const { session, messageId } = await startWithMessage(machineId);
  await eventually(async () => daemon!.status().parkedFrames === 1, 'the poisoned event to be parked');
  expect(store.parked()[0]).toMatchObject({ failures: 2, frame: { type: 'agent-event', event: { kind: 'text', text: 'echo: hello' } }, lastError: expect.stringContaining('cannot store this one') });
  // Behind it the turn's end, stored: the message is answered, and the outbox drains.
  await eventually(async () => (await messageOf(session.id, messageId)).state === 'answered', 'the frames behind the parked one');
  await eventually(async () => daemon!.status().queuedFrames === 0, 'the rest of the outbox to be confirmed');
}, 30_000);
