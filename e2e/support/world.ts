// What the specs know about the running `baton up`, and the terminal-side actions they use to set up facts.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import type { MessageRecord, SessionRecord } from '../../src/core/records.ts';
import { routeRequest, type Backend, type RouteArgs, type RouteName, type RouteResponse } from '../../src/core/index.ts';

export interface World {
  readonly url: string;
  readonly pairLink: string;
  readonly cliToken: string;
  readonly tmp: string;
  readonly home: string;
  readonly stateDir: string;
  readonly root: string;
  /** The built app `baton up` serves (a copy of the build, see global-setup). */
  readonly appDir: string;
}

export const DIRECT_SESSION = { vendorId: '5d1f2c3a-7b7e-4a43-9a3e-2f1e0c9d8b71', cwd: '/work/direct-repo', title: 'Explore the repo by hand' };
/** A longer direct session (35 turns, each with a tool use), for reading its history in pages. */
export const DIRECT_HISTORY = { vendorId: '8a0c7e55-1d2b-4c3e-9f40-6b5a4d3c2e19', cwd: '/work/long-repo', title: 'question 1', turns: 35 };

export function fakeEnv(root: string, tmp: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${join(root, 'test', 'fakes', 'bin')}:${process.env.PATH}`,
    HOME: join(tmp, 'home'),
    CLAUDE_CONFIG_DIR: join(tmp, 'claude'),
    CODEX_HOME: join(tmp, 'codex'),
    XDG_DATA_HOME: join(tmp, 'xdg'),
    BATON_FAKE_STATE_DIR: join(tmp, 'fake-state'),
    // As in test/helpers/fake-env.ts: a Gemini key (the fake, like Gemini, needs one) and chats named as if two minutes old.
    GEMINI_API_KEY: 'fake-gemini-key',
    BATON_FAKE_GEMINI_CHAT_AGE_MS: '120000',
    // The specs' project folders live in `tmp`, beside the fake HOME: the daemons' policy must allow them.
    BATON_ALLOW_ROOTS: tmp,
  };
}

export function world(): World {
  const raw = process.env.BATON_E2E_WORLD;
  if (!raw) throw new Error('global setup did not run');
  return JSON.parse(raw) as World;
}

/** The terminal's API (the CLI token `baton up` wrote), for setting up facts the phone then shows. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const w = world();
  const res = await fetch(`${w.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${w.cliToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A route of the table by name (src/core/routes.ts), as the CLI's token: its answer, or it throws on a refusal. */
export function route<N extends RouteName>(name: N, ...args: RouteArgs<N>): Promise<RouteResponse<N>> {
  const req = routeRequest(name, ...args);
  return api<RouteResponse<N>>(req.method, req.path, req.body === null ? undefined : JSON.parse(req.body));
}

/** Poll until `fn` returns a value (not undefined/false), or fail with what it last saw. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const getSession = async (id: string) => (await route('getSession', { id })).session;
export const messagesOf = async (id: string) => (await route('listMessages', { id, query: { after: 0, limit: 200 } })).messages;

export async function machineId(name = 'laptop'): Promise<string> {
  return until(`machine ${name} online`, async () => {
    const { machines } = await route('listMachines');
    return machines.find((m) => m.name === name && m.online)?.id;
  });
}

let counter = 0;
/** Start a managed session; with a first message it waits until that turn is answered (so it has a resume id). */
export async function startSession(opts: { provider: 'claude' | 'codex' | 'opencode' | 'gemini'; backend?: Backend; title: string; message?: string; machine?: string }): Promise<SessionRecord> {
  const cwd = join(world().tmp, `work-${Date.now()}-${++counter}`);
  mkdirSync(cwd, { recursive: true });
  const { session } = await route('startSession', { body: {
    machineId: await machineId(opts.machine),
    provider: opts.provider,
    ...(opts.backend ? { backend: opts.backend } : {}),
    cwd,
    title: opts.title,
    ...(opts.message ? { message: { clientId: `e2e-${Date.now()}-${counter}`, text: opts.message } } : {}),
  } });
  if (opts.message) {
    await until(`first turn of ${opts.title} answered`, async () => (await messagesOf(session.id)).some((m) => m.role === 'user' && m.state === 'answered'));
    // Codex over MCP never learns a resume id (its sessions cannot be reopened): there is none to wait for.
    if (opts.backend !== 'codex-mcp') await until(`${opts.title} has a resume id`, async () => (await getSession(session.id)).vendorResumeId !== null);
  } else {
    await until(`${opts.title} live`, async () => (await getSession(session.id)).availability.state === 'live');
  }
  return getSession(session.id);
}

export async function stopAndWait(id: string): Promise<SessionRecord> {
  await route('stopSession', { id });
  return until(`session ${id} inactive`, async () => {
    const s = await getSession(id);
    return s.status === 'inactive' ? s : undefined;
  });
}

/** A fresh one-time pairing link for a phone. */
export async function newPairLink(): Promise<string> {
  return (await route('createPairingCode', { body: { kind: 'phone' } })).link;
}

/** Pair this page's phone through a pairing link, the way a user does from the QR code. */
export async function pairPhone(page: Page, link?: string): Promise<void> {
  await page.goto(link ?? (await newPairLink()));
  await page.getByRole('button', { name: 'Pair this phone' }).click();
  await expect(page.getByRole('heading', { name: 'Sessions' })).toBeVisible();
}

/** Wait until the service worker controls the page (offline navigations depend on it). */
export async function swControls(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, null, { timeout: 20_000 });
}

/** The fake agents' record of what they created and resumed (`<provider>-record.jsonl`). */
export function fakeRecord(provider: string): Array<{ event: string; vendorId: string }> {
  const file = join(world().stateDir, `${provider}-record.jsonl`);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; vendorId: string });
}

export function setFaults(faults: string[]): void {
  writeFileSync(join(world().stateDir, 'faults'), `${faults.join('\n')}\n`);
}

/** A second machine: `baton daemon --server … --code …` as its own process, with its own home. */
export async function startSecondMachine(name: string): Promise<ChildProcess> {
  const w = world();
  const { code } = await route('createPairingCode', { body: { kind: 'machine' } });
  const child = spawn(process.execPath, [join(w.root, 'bin', 'baton.mjs'), 'daemon', '--server', w.url, '--code', code, '--name', name, '--home', join(w.tmp, `home-${name}`)], {
    env: fakeEnv(w.root, w.tmp),
    stdio: 'ignore',
  });
  await machineId(name);
  return child;
}

/**
 * Send many messages to a session as the terminal would, fast. The server allows a device a burst of 30
 * sends, then one every two seconds; a long transcript is fed by short-lived CLI devices of 25 sends each,
 * revoked afterwards.
 */
export async function feedMessages(sessionId: string, texts: readonly string[]): Promise<void> {
  const w = world();
  for (let at = 0, batch = 0; at < texts.length; at += 25, batch++) {
    const { code } = await route('createPairingCode', { body: { kind: 'cli' } });
    const paired = await fetch(`${w.url}/api/pair`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, name: `e2e feeder ${batch}`, kind: 'cli' }),
    });
    if (!paired.ok) throw new Error(`pairing a feeder → ${paired.status} ${await paired.text()}`);
    const { token, deviceId } = (await paired.json()) as { token: string; deviceId: string };
    for (const [i, text] of texts.slice(at, at + 25).entries()) {
      const res = await fetch(`${w.url}/api/sessions/${sessionId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: `feed-${sessionId}-${at + i}`, text }),
      });
      if (!res.ok) throw new Error(`feeding message ${at + i} → ${res.status} ${await res.text()}`);
    }
    await route('revokeDevice', { id: deviceId });
  }
}
