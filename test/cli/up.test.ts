// `baton up` as a real child process in a temp BATON_HOME with the fake CLIs on PATH: it prints a pairing
// link (and a QR code), a phone pairs with the printed code and sees this machine online, the terminal
// commands work against it through $BATON_HOME/cli.json, and Ctrl-C stops everything cleanly.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MachineRecord, SessionRecord } from '../../src/core/index.ts';
import { createApiClient } from '../../src/cli/lib/api-client.ts';
import { createFakeEnv, type FakeEnv } from '../helpers/fake-env.ts';
import { BATON, REPO, eventually } from '../integration/stack.ts';

interface Up {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

let fake: FakeEnv;
let home: string;
const env = () => ({ ...process.env, ...fake.env, BATON_HOME: home, BATON_DIRECT_INTERVAL_MS: '500' });

function startUp(args: string[]): Up {
  const child = spawn(process.execPath, [BATON, 'up', '--port', '0', ...args], { env: env(), cwd: fake.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const up: Up = { child, stdout: '', stderr: '', exited: new Promise((r) => child.once('exit', (code) => r(code))) };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (up.stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (up.stderr += d));
  return up;
}

/** Waits for the banner; returns the pairing link, its code and the server URL it points at. */
async function banner(up: Up): Promise<{ link: string; code: string; url: string }> {
  const line = await eventually(async () => {
    if (up.child.exitCode !== null) throw new Error(`baton up exited ${up.child.exitCode}: ${up.stderr}`);
    return /Ctrl-C stops everything/.test(up.stdout) && /^\s+(http\S+\/#\/pair\?\S+)$/m.exec(up.stdout);
  }, 'baton up to print its pairing link', 30_000);
  const link = line[1]!;
  const u = new URL(link.replace('/#/', '/'));
  return { link, code: u.searchParams.get('code')!, url: u.searchParams.get('server')! };
}

function baton(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BATON, ...args], { env: env(), cwd: fake.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
    child.on('exit', (code) => resolve({ code, ...out }));
  });
}

async function stopWithCtrlC(up: Up): Promise<number | null> {
  up.child.kill('SIGINT');
  return up.exited;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

beforeAll(async () => {
  fake = await createFakeEnv();
  home = join(fake.root, 'baton-home');
});
afterAll(async () => {
  await fake?.cleanup();
});

describe('baton up', () => {
  let first: { url: string; machineId: string; sessionId: string };

  it('serves the API, the app and this machine; a phone pairs with the printed code; Ctrl-C stops it all', async () => {
    const laptop = startUp([]);
    try {
      const { link, code, url } = await banner(laptop);
      expect(link.startsWith(`${url}/#/pair?code=`)).toBe(true);
      expect(code).toMatch(/^[A-Z0-9]{5}-[A-Z0-9]{5}$/);
      expect(laptop.stdout).toContain(`one-time code ${code}`);
      expect(laptop.stdout).toMatch(/[▀▄█]{10}/); // the QR code

      expect(await (await fetch(`${url}/api/health`)).json()).toMatchObject({ ok: true });
      // The built app is served at / (dist/ exists once `npm run build` ran).
      if (existsSync(join(REPO, 'dist/index.html'))) {
        const index = await fetch(`${url}/`);
        expect(index.headers.get('content-type')).toMatch(/text\/html/);
        expect(await index.text()).toBe(readFileSync(join(REPO, 'dist/index.html'), 'utf8'));
      }

      // The phone pairs with the printed code and sees this machine online, with the fake CLIs as capabilities.
      const paired = await fetch(`${url}/api/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, name: 'phone', kind: 'phone' }) });
      expect(paired.status).toBe(201);
      const phone = createApiClient(url, ((await paired.json()) as { token: string }).token);
      const machine = await eventually(async () => (await phone.call('listMachines')).machines.find((m) => m.online), 'this machine online');
      expect(machine.capabilities).toMatchObject({
        'claude-stream': { installed: true, canResume: true, version: expect.stringContaining('2.1.197') },
        'codex-app-server': { installed: true, canResume: true },
        'opencode-serve': { installed: true, canResume: true },
        'gemini-acp': { installed: true, canResume: true },
      });
      // The code was one-time.
      const again = await fetch(`${url}/api/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, name: 'thief', kind: 'phone' }) });
      expect(again.status).toBe(400);

      // The terminal commands find the server through $BATON_HOME/cli.json.
      expect(JSON.parse(readFileSync(join(home, 'cli.json'), 'utf8'))).toMatchObject({ serverUrl: url });
      const started = await baton(['run', 'claude', '--detach', '--json', '--title', 'up test']);
      expect(started.code, started.stderr).toBe(0);
      const { id, vendorResumeId } = JSON.parse(started.stdout) as { id: string; vendorResumeId: string };
      const listed = await baton(['sessions', '--json']);
      expect(listed.code, listed.stderr).toBe(0);
      expect((JSON.parse(listed.stdout) as { id: string }[]).find((s) => s.id === id)).toMatchObject({
        provider: 'claude', backend: 'claude-stream', title: 'up test', status: 'active', availability: { state: 'live' },
      });
      // The phone sees the terminal's session on this machine.
      const seen = (await phone.call('getSession', { id })).session;
      expect(seen).toMatchObject({ machineId: machine.id, vendorId: vendorResumeId });
      const sent = await baton(['send', id, 'hello', '--wait', 'answered']);
      expect(sent.code, sent.stderr).toBe(0);
      first = { url, machineId: machine.id, sessionId: id };
    } finally {
      expect(await stopWithCtrlC(laptop)).toBe(0);
    }
    const port = Number(new URL(first.url).port);
    expect(await portIsFree(port)).toBe(true);
    expect(existsSync(join(home, 'server.json'))).toBe(false);
    // The agent it ran was stopped with it.
    expect(await fake.livePids()).toEqual([]);
  }, 90_000);

  it('started again on the same home (--no-qr) keeps the machine, the terminal token and the session resumable', async () => {
    const laptop = startUp(['--no-qr']);
    try {
      const { url } = await banner(laptop);
      expect(laptop.stdout).not.toMatch(/[▀▄█]{10}/);
      const r = await baton(['sessions', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const row = (JSON.parse(r.stdout) as { id: string; machine: string; availability: { state: string } }[]).find((s) => s.id === first.sessionId);
      expect(row).toBeDefined();
      const cli = JSON.parse(readFileSync(join(home, 'cli.json'), 'utf8')) as { serverUrl: string; token: string };
      expect(cli.serverUrl).toBe(url);
      const api = createApiClient(url, cli.token);
      const machines = (await api.call('listMachines')).machines;
      expect(machines.map((m) => m.id)).toEqual([first.machineId]);
      await eventually(async () => (await api.call('getSession', { id: first.sessionId })).session.availability.state === 'resumable', 'the session to be resumable after the restart');
      const sent = await baton(['send', first.sessionId, 'after a restart', '--wait', 'answered']);
      expect(sent.code, sent.stderr).toBe(0);
      expect((await fake.record('claude')).map((x) => x.event)).toEqual(['created', 'resumed']);
    } finally {
      expect(await stopWithCtrlC(laptop)).toBe(0);
    }
  }, 90_000);
});
