// The `baton` command as a child process, against a real server, the laptop's real daemon and the fakes.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeJsonFileAtomic } from '../../src/machine/json-file.ts';
import { BATON, eventually, startStack, type Stack } from '../integration/stack.ts';

let stack: Stack;
let cliHome: string;
beforeAll(async () => {
  stack = await startStack();
  cliHome = join(stack.fake.root, 'terminal');
  const { token } = stack.server.admin.issueToken(stack.server.admin.defaultAccount(), 'cli', 'terminal');
  writeJsonFileAtomic(join(cliHome, 'cli.json'), { serverUrl: stack.server.url, token });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `baton …` to completion; `input` is written to stdin, then stdin is closed. */
function baton(args: string[], input = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BATON, ...args], { env: { ...process.env, ...stack.fake.env, BATON_HOME: cliHome }, cwd: stack.fake.cwd });
    const out = { stdout: '', stderr: '' };
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
    child.on('exit', (code) => resolve({ code, ...out }));
    child.stdin.end(input);
  });
}

describe('baton CLI', () => {
  let id: string;
  let vendorResumeId: string;

  it('run --detach --json starts a session on this machine and prints its ids', async () => {
    const r = await baton(['run', 'claude', '--detach', '--json', '--title', 'from the terminal']);
    expect(r.code, r.stderr).toBe(0);
    ({ id, vendorResumeId } = JSON.parse(r.stdout) as { id: string; vendorResumeId: string });
    expect(id).toMatch(/\S/);
    expect(vendorResumeId).toMatch(/^[0-9a-f-]{36}$/);
  }, 60_000);

  it('sessions --json lists it with machine, status and availability', async () => {
    const r = await baton(['sessions', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(rows.find((x) => x.id === id)).toEqual({
      id, machine: 'laptop', provider: 'claude', backend: 'claude-stream', cwd: stack.fake.cwd, title: 'from the terminal',
      status: 'active', archived: false, vendorResumeId: null, availability: { state: 'live' },
    });
  });

  it('send --wait answered returns once the agent answered', async () => {
    const r = await baton(['send', id, 'hello', 'from', 'cli', '--wait', 'answered']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^answered/);
    expect((await stack.phone.messages(id)).map((m) => m.text)).toContain('echo: hello from cli');
  }, 60_000);

  it('attach on a live session shows the transcript and sends a stdin line', async () => {
    const r = await baton(['attach', id], 'typed in the terminal\n');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('agent> echo: hello from cli'); // the transcript so far
    expect(r.stdout).toContain('you> typed in the terminal');
    expect(r.stdout).toContain('agent> echo: typed in the terminal');
  }, 60_000);

  it('attach on an inactive session says so and points to baton resume (exit 1)', async () => {
    expect((await baton(['stop', id])).code).toBe(0);
    await stack.phone.waitSession(id, (s) => s.availability.state === 'resumable', 'the session to be resumable');
    const r = await baton(['attach', id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`baton resume ${id}`);
  }, 60_000);

  it('resume failure exits 1 with the reason code and sentence, and starts nothing', async () => {
    const created = (await stack.fake.record('claude')).filter((x) => x.event === 'created').length;
    await stack.fake.setFaults(['unknown-id']);
    try {
      const r = await baton(['resume', id, '--message', 'are you there?']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/resume failed: vendor-not-found: The agent no longer has this session/);
    } finally {
      await stack.fake.setFaults([]);
    }
    expect((await stack.phone.session(id)).status).toBe('inactive');
    expect((await stack.fake.record('claude')).filter((x) => x.event === 'created').length).toBe(created);
  }, 60_000);

  it('resume reopens the same vendor session, then attaches', async () => {
    const r = await baton(['resume', id, '--message', 'back again']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`same vendor session ${vendorResumeId}`);
    expect(r.stdout).toContain('agent> echo: back again');
    await eventually(async () => (await stack.phone.session(id)).status === 'active', 'the session to be live');
  }, 60_000);

  it('refuses bad usage with exit 2 and one line', async () => {
    const r = await baton(['run', 'cobol']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')[0]).toBe('baton: unknown provider "cobol" (one of claude, codex, opencode, gemini, acp)');
  });
});

describe('baton pair --code', () => {
  // Regression: the server's schema refused lower case, so a code typed as people type it failed before it was looked at.
  it('pairs this terminal with a code typed in lower case, with spaces around it', async () => {
    const { code } = stack.server.admin.createPairingCode(stack.server.admin.defaultAccount(), 'cli');
    const home = join(stack.fake.root, 'lower-case-terminal');
    const child = spawn(process.execPath, [BATON, 'pair', '--code', `  ${code.toLowerCase()} `, '--server', stack.server.url, '--json'], { env: { ...process.env, ...stack.fake.env, BATON_HOME: home } });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    expect(await new Promise((r) => child.on('exit', r)), out).toBe(0);
    expect(JSON.parse(out)).toEqual({ serverUrl: stack.server.url, paired: true });
  }, 30_000);
});
