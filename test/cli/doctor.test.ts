// `baton doctor` as a child process: the agent CLIs on PATH (the fakes), which backends can resume, the
// laptop's daemon and the server; a PATH without gemini says what to install; a server that is down fails.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeJsonFileAtomic } from '../../src/machine/json-file.ts';
import { FAKES_BIN } from '../helpers/fake-env.ts';
import { BATON, pathWith, startStack, type Stack } from '../integration/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  // The laptop's home also holds a terminal token, as `baton up` leaves it.
  const { token } = stack.server.admin.issueToken(stack.server.admin.defaultAccount(), 'cli', 'terminal');
  writeJsonFileAtomic(join(stack.laptop.home, 'cli.json'), { serverUrl: stack.server.url, token });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

function doctor(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BATON, 'doctor', ...args], {
      env: { ...process.env, ...stack.fake.env, BATON_HOME: stack.laptop.home, ...env }, cwd: stack.fake.cwd, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = { stdout: '', stderr: '' };
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
    child.on('exit', (code) => resolve({ code, ...out }));
  });
}

const line = (text: string, start: string) => text.split('\n').find((l) => l.trimStart().startsWith(start)) ?? '';

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('baton doctor', () => {
  it('with every fake CLI on PATH: lists each CLI and version, which backends resume, the daemon and the server (exit 0)', async () => {
    const r = await doctor([]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(line(r.stdout, 'claude ')).toMatch(new RegExp(`claude\\s+2\\.1\\.197 \\(Claude Code\\)\\s+${FAKES_BIN}/claude$`));
    expect(line(r.stdout, 'codex ')).toContain('codex-cli 0.148.0');
    expect(line(r.stdout, 'opencode ')).toContain(`${FAKES_BIN}/opencode`);
    expect(line(r.stdout, 'gemini ')).toContain(`${FAKES_BIN}/gemini`);
    for (const b of ['claude-stream', 'codex-app-server', 'opencode-serve', 'gemini-acp']) expect(line(r.stdout, b)).toMatch(/can resume$/);
    expect(line(r.stdout, 'codex-mcp')).toMatch(/cannot resume — .*codex-app-server/);
    expect(r.stdout).toMatch(/^daemon: running as "laptop", link ready/m);
    expect(r.stdout).toContain(`server: ${stack.server.url} — reachable, token accepted`);
    // The machine's own policy, said plainly: the running daemon's folders (its home, without dot-directories).
    expect(line(r.stdout, 'folders:')).toBe(`folders: agents may work in ${JSON.stringify(stack.fake.home)}, not in dot-directories below it (the default: your home; change it with \`baton daemon --allow-root DIR\`); starts, resumes and takeovers elsewhere are refused by the daemon, whatever the server asks`);

    const json = JSON.parse((await doctor(['--json'])).stdout) as {
      providers: { provider: string; installed: boolean; version: string | null }[];
      backends: { backend: string; installed: boolean; canResume: boolean }[];
      server: { reachable: boolean; authorized: boolean };
    };
    expect(json.providers.filter((p) => p.provider !== 'acp').every((p) => p.installed && p.version)).toBe(true);
    // The generic ACP backend runs only what the machine configured; here nothing is.
    expect(json.providers.find((p) => p.provider === 'acp')).toMatchObject({ installed: false, detail: expect.stringMatching(/no ACP agent is configured/) });
    expect(json.backends.filter((b) => b.canResume).map((b) => b.backend)).toEqual(['claude-stream', 'codex-app-server', 'opencode-serve', 'gemini-acp']);
    expect(json.server).toMatchObject({ reachable: true, authorized: true });
  }, 30_000);

  it('with a PATH lacking gemini: says it is not installed and what to install; its backend cannot be used', async () => {
    const r = await doctor([], { PATH: pathWith(stack.fake.root, ['claude', 'codex', 'opencode']) });
    expect(r.code, r.stdout + r.stderr).toBe(0); // the server is fine; a missing CLI is information, not failure
    expect(line(r.stdout, 'gemini ')).toMatch(/gemini\s+not installed — install it with: npm i -g @google\/gemini-cli$/);
    expect(line(r.stdout, 'gemini-acp')).toMatch(/gemini-acp\s+not installed$/);
    // The others are still found (through the wrappers on that PATH).
    expect(line(r.stdout, 'claude ')).toContain('2.1.197');
    expect(line(r.stdout, 'claude-stream')).toMatch(/can resume$/);
  }, 30_000);

  it('with the server down: says unreachable and how to start it (exit 1)', async () => {
    const home = join(stack.fake.root, 'elsewhere');
    writeJsonFileAtomic(join(home, 'cli.json'), { serverUrl: `http://127.0.0.1:${await closedPort()}`, token: 'bt_unused' });
    const r = await doctor([], { BATON_HOME: home });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^server: http:\/\/127\.0\.0\.1:\d+ — unreachable \(ECONNREFUSED; start it with `baton up` or `baton server`\)$/m);
    expect(r.stdout).toMatch(/^daemon: not running on this home/m);
    // Not running: what `baton daemon` would allow on this home (its remembered --allow-root, or the default).
    writeJsonFileAtomic(join(home, 'daemon.json'), { serverUrl: 'http://127.0.0.1:1', token: 'bt_unused', name: 'x', allowRoots: ['/srv/work', '/opt/repos'] });
    expect(line((await doctor([], { BATON_HOME: home })).stdout, 'folders:')).toMatch(/^folders: agents may work in "\/srv\/work", "\/opt\/repos", not in dot-directories below them \(--allow-root\)/);
    expect(JSON.parse((await doctor(['--json'], { BATON_HOME: home })).stdout).server).toMatchObject({ reachable: false, authorized: false });
  }, 30_000);

  it('with nothing configured: says how to set up (exit 1)', async () => {
    const r = await doctor([], { BATON_HOME: join(stack.fake.root, 'fresh') });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^server: not configured \(run `baton up`/m);
  }, 30_000);
});
