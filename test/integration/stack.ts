// A whole Baton for integration tests: the real server in-process, the real daemon as a child process
// (`node bin/baton.mjs daemon`), the fake vendor CLIs as real processes, and an API client as the phone.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend, MachineRecord, MessageRecord, Provider, SessionRecord } from '../../src/core/index.ts';
import { BACKEND_INFO } from '../../src/core/index.ts';
import { ApiError, createApiClient, type ApiClient } from '../../src/cli/lib/api-client.ts';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import { createFakeEnv, FAKES_BIN, type FakeEnv, type FakeProvider } from '../helpers/fake-env.ts';
import { databaseFor } from '../helpers/test-database.ts';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BATON = join(REPO, 'bin/baton.mjs');

/** Poll `fn` until it returns a value (not null/undefined/false), or fail with what it last saw. */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== null && v !== undefined && v !== false) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Laptop {
  readonly home: string;
  process: ChildProcess;
  stderr: string;
  /** SIGKILL the daemon (its agents lose their parent too) and wait for it to be gone. */
  kill(): Promise<void>;
  /** Start the daemon again on the same home (already paired), optionally with a different environment. */
  restart(env?: Record<string, string>): void;
}

export interface Stack {
  readonly fake: FakeEnv;
  readonly server: RunningServer;
  readonly phone: ApiClient & Phone;
  readonly laptop: Laptop;
  machine(): Promise<MachineRecord>;
  close(): Promise<void>;
}

export interface Phone {
  startSession(provider: Provider, backend: Backend, cwd?: string): Promise<SessionRecord>;
  session(id: string): Promise<SessionRecord>;
  messages(id: string): Promise<MessageRecord[]>;
  send(id: string, text: string): Promise<MessageRecord>;
  waitMessage(sessionId: string, messageId: string, pred: (m: MessageRecord) => boolean, what: string): Promise<MessageRecord>;
  waitSession(id: string, pred: (s: SessionRecord) => boolean, what: string): Promise<SessionRecord>;
}

/** A PATH directory holding only some of the fake CLIs (a machine where the others are not installed). */
export function pathWith(root: string, providers: readonly FakeProvider[]): string {
  const dir = join(root, `bin-${providers.join('-') || 'none'}`);
  mkdirSync(dir, { recursive: true });
  // Wrappers, not symlinks: the fakes' own wrappers find their .mjs relative to $0, which a symlink would move.
  for (const p of providers) writeFileSync(join(dir, p), `#!/bin/sh\nexec "${join(FAKES_BIN, p)}" "$@"\n`, { mode: 0o755 });
  return `${dir}:${dirname(process.execPath)}:/usr/bin:/bin`;
}

export async function startStack(o: { daemonEnv?: Record<string, string> } = {}): Promise<Stack> {
  const fake = await createFakeEnv({ slowMs: 300 });
  const server = await startServer({ home: join(fake.root, 'server'), ...databaseFor(join(fake.root, 'server')), port: 0, host: '127.0.0.1', heartbeatTimeoutMs: 5_000, resumeTimeoutMs: 20_000, log: () => {},
    // One phone sends every message of a whole test file, far faster than a person could.
    rateLimits: { sendBurst: 10_000, startBurst: 10_000 } });
  const account = server.admin.defaultAccount();
  const { token } = server.admin.issueToken(account, 'phone', 'phone');
  const api = createApiClient(server.url, token);
  const laptopHome = join(fake.root, 'laptop');
  const daemonEnv = (extra: Record<string, string> = {}) => ({
    ...process.env, ...fake.env, BATON_HOME: laptopHome, BATON_DRIVER_TIMEOUT_MS: '3000', BATON_DIRECT_INTERVAL_MS: '500', ...o.daemonEnv, ...extra,
  });

  const spawnDaemon = (args: string[], env: Record<string, string | undefined>) => {
    const child = spawn(process.execPath, [BATON, 'daemon', ...args], { env, cwd: fake.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      laptop.stderr += d;
    });
    return child;
  };
  const { code } = server.admin.createPairingCode(account, 'machine');
  const laptop: Laptop = {
    home: laptopHome,
    stderr: '',
    process: null as unknown as ChildProcess,
    async kill() {
      const p = laptop.process;
      if (p.exitCode !== null || p.signalCode !== null) return;
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await gone;
    },
    restart(env) {
      laptop.process = spawnDaemon(['--server', server.url], daemonEnv(env));
    },
  };
  laptop.process = spawnDaemon(['--server', server.url, '--code', code, '--name', 'laptop'], daemonEnv());

  const phone: Phone = {
    async startSession(provider, backend, cwd = fake.cwd) {
      const machine = await stack.machine();
      const { session } = await api.call('startSession', { body: { machineId: machine.id, provider, backend, cwd } });
      return session;
    },
    session: async (id) => (await api.call('getSession', { id })).session,
    messages: async (id) => (await api.call('listMessages', { id, query: { after: 0, limit: 200 } })).messages,
    send: async (id, text) => (await api.call('sendMessage', { id, body: { clientId: `phone-${Math.random().toString(36).slice(2)}`, text } })).message,
    waitMessage: (sessionId, messageId, pred, what) =>
      eventually(async () => {
        const m = (await phone.messages(sessionId)).find((x) => x.id === messageId);
        return m && pred(m) ? m : null;
      }, what),
    waitSession: (id, pred, what) => eventually(async () => {
      const s = await phone.session(id);
      return pred(s) ? s : null;
    }, what),
  };

  const stack: Stack = {
    fake, server, laptop,
    phone: Object.assign(api, phone),
    async machine() {
      return eventually(async () => (await api.call('listMachines')).machines.find((m) => m.name === 'laptop'), 'the laptop to pair');
    },
    async close() {
      await laptop.kill();
      await server.stop();
      // Agents whose daemon was killed may still be exiting; give them a moment, then clear the sandbox.
      await eventually(async () => (await fake.livePids()).length === 0, 'fake agents to exit', 5_000).catch(() => {});
      await fake.cleanup();
    },
  };
  await eventually(async () => (await stack.machine()).online, 'the laptop to come online');
  return stack;
}

export const PROVIDER_OF = (b: Backend) => BACKEND_INFO[b].provider;

/** Start a session and take it through its first turn, so the vendor has persisted it (resumable). */
export async function liveSessionWithTurn(stack: Stack, backend: Backend, text = 'one', cwd?: string) {
  const s = await stack.phone.startSession(PROVIDER_OF(backend), backend, cwd);
  const live = await stack.phone.waitSession(s.id, (x) => x.status === 'active' && !!x.vendorId, `${backend} session to start`);
  const m = await stack.phone.send(s.id, text);
  await stack.phone.waitMessage(s.id, m.id, (x) => x.state === 'answered', `the first turn on ${backend} to be answered`);
  const resumable = await stack.phone.waitSession(s.id, (x) => x.vendorResumeId !== null, `${backend} to persist the session`);
  return { id: s.id, vendorId: live.vendorId!, vendorResumeId: resumable.vendorResumeId! };
}

/** The ApiError a request that must be refused ends with (fails if it succeeds). */
export async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected the server to refuse');
}
