// A private Baton for the core-flow specs of one engine: `baton server` and `baton daemon` as separate processes on a
// fixed port, so a spec can stop and start each — the server down, then back while its machine is not yet.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { MessageRecord, SessionRecord } from '../../src/core/records.ts';
import { routeRequest, type RouteArgs, type RouteName, type RouteResponse } from '../../src/core/index.ts';
import { fakeEnv } from '../support/world.ts';
import { freePort } from '../../test/helpers/free-port.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export interface Stack {
  readonly url: string;
  readonly tmp: string;
  readonly stateDir: string;
  /** Calls the API as the terminal (a CLI device of this stack). */
  /** A route of the table by name (as the CLI's token): its answer, or it throws on a refusal. */
  route<N extends RouteName>(name: N, ...args: RouteArgs<N>): Promise<RouteResponse<N>>;
  pairLink(): Promise<string>;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  startDaemon(): Promise<void>;
  stopDaemon(): Promise<void>;
  /** A managed claude session whose first turn was answered (so it has a resume id), then stopped: resumable. */
  resumableSession(title: string): Promise<SessionRecord>;
  session(id: string): Promise<SessionRecord>;
  messages(id: string): Promise<MessageRecord[]>;
  /** What the fake claude created and resumed (`claude-record.jsonl`). */
  claudeRecord(): Array<{ event: string; vendorId: string }>;
  close(): Promise<void>;
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | false | null>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false && v !== null) return v as T;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `directSessions`: provider-native sessions the daemon finds (a long list with no agent to start). */
export async function startStack(name: string, opts: { directSessions?: number } = {}): Promise<Stack> {
  const appDir = process.env.BATON_APP_DIR ? resolve(process.env.BATON_APP_DIR) : join(ROOT, 'dist');
  if (!existsSync(join(appDir, 'index.html'))) throw new Error(`the app is not built in ${appDir}: run \`npm run build\` first`);
  const tmp = mkdtempSync(join(tmpdir(), `baton-${name}-`));
  const served = join(tmp, 'app');
  cpSync(appDir, served, { recursive: true });
  const env = fakeEnv(ROOT, tmp);
  mkdirSync(env.BATON_FAKE_STATE_DIR!, { recursive: true });
  for (let i = 0; i < (opts.directSessions ?? 0); i++) {
    const cwd = `/work/notes-${String(i).padStart(2, '0')}`;
    const dir = join(env.CLAUDE_CONFIG_DIR!, 'projects', cwd.replace(/[/.:_ ]/g, '-'));
    mkdirSync(dir, { recursive: true });
    const vendorId = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    writeFileSync(join(dir, `${vendorId}.jsonl`), `${JSON.stringify({ type: 'user', cwd, sessionId: vendorId, message: { role: 'user', content: `Notes by hand ${i}` } })}\n`);
  }
  const serverHome = join(tmp, 'server');
  const daemonHome = join(tmp, 'daemon');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const baton = (args: string[]) => spawn(process.execPath, [join(ROOT, 'bin', 'baton.mjs'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let server: ChildProcess | null = null;
  let daemon: ChildProcess | null = null;
  let log = '';
  const capture = (child: ChildProcess, who: string) => {
    child.stdout!.on('data', (b: Buffer) => (log += `[${who}] ${b}`));
    child.stderr!.on('data', (b: Buffer) => (log += `[${who}] ${b}`));
  };
  const stop = async (child: ChildProcess | null) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };

  let cliToken = '';
  const route = async <N extends RouteName>(name: N, ...args: RouteArgs<N>): Promise<RouteResponse<N>> => {
    const { method, path, body } = routeRequest(name, ...args);
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${cliToken}`, ...(body === null ? {} : { 'content-type': 'application/json' }) },
      body,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as RouteResponse<N>;
  };
  const machines = () => route('listMachines');
  let counter = 0;

  const stack: Stack = {
    url,
    tmp,
    stateDir: env.BATON_FAKE_STATE_DIR!,
    route,
    pairLink: async () => (await route('createPairingCode', { body: { kind: 'phone' } })).link,
    async startServer() {
      server = baton(['server', '--port', String(port), '--home', serverHome, '--static', served]);
      capture(server, 'server');
      await until(`baton server on ${url}\n${log}`, async () => (await fetch(`${url}/api/health`)).ok);
    },
    stopServer: () => stop(server),
    async startDaemon() {
      const first = !existsSync(join(daemonHome, 'daemon.json'));
      const code = first ? (await route('createPairingCode', { body: { kind: 'machine' } })).code : null;
      daemon = baton(['daemon', '--server', url, '--name', 'laptop', '--home', daemonHome, ...(code ? ['--code', code] : [])]);
      capture(daemon, 'daemon');
      await until(`laptop online\n${log}`, async () => (await machines()).machines.some((m) => m.name === 'laptop' && m.online));
    },
    stopDaemon: () => stop(daemon),
    async resumableSession(title) {
      const cwd = join(tmp, `work-${++counter}`);
      mkdirSync(cwd, { recursive: true });
      // A daemon reconnecting after a server restart may still be on its backoff.
      const machineId = await until(`laptop online\n${log}`, async () => (await machines()).machines.find((m) => m.name === 'laptop' && m.online)?.id);
      const { session } = await route('startSession', { body: {
        machineId, provider: 'claude', cwd, title, message: { clientId: `e2e-${name}-${counter}`, text: 'first turn' },
      } });
      await until(`${title} answered once`, async () => (await stack.messages(session.id)).some((m) => m.role === 'user' && m.state === 'answered'));
      await until(`${title} has a resume id`, async () => (await stack.session(session.id)).vendorResumeId !== null);
      await route('stopSession', { id: session.id });
      return until(`${title} resumable`, async () => {
        const s = await stack.session(session.id);
        return s.availability.state === 'resumable' ? s : undefined;
      });
    },
    session: async (id) => (await route('getSession', { id })).session,
    messages: async (id) => (await route('listMessages', { id, query: { after: 0, limit: 200 } })).messages,
    claudeRecord() {
      const file = join(env.BATON_FAKE_STATE_DIR!, 'claude-record.jsonl');
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; vendorId: string });
    },
    async close() {
      await stop(daemon);
      await stop(server);
      rmSync(tmp, { recursive: true, force: true });
    },
  };

  await stack.startServer();
  // The terminal's token: a one-time cli code made on the server's database, paired like any device.
  const made = spawnSync(process.execPath, [join(ROOT, 'bin', 'baton.mjs'), 'pair', '--kind', 'cli', '--json', '--home', serverHome], { cwd: ROOT, env, encoding: 'utf8' });
  const { code } = JSON.parse(made.stdout) as { code: string };
  const paired = await fetch(`${url}/api/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, kind: 'cli', name: `e2e ${name}` }) });
  cliToken = ((await paired.json()) as { token: string }).token;
  await stack.startDaemon();
  return stack;
}
