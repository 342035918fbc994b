// A sandbox for tests that run the fake vendor CLIs: temp HOME and vendor dirs, PATH with test/fakes/bin first,
// BATON_FAKE_STATE_DIR, and helpers to read the fakes' record, flip faults and find processes left running.
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FAKES_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../fakes/bin');

export type FakeProvider = 'claude' | 'codex' | 'opencode' | 'gemini';
export type FakeFault =
  | 'unknown-id' | 'other-id' | 'crash-on-resume' | 'hang' | 'slow-start' | 'permission' | 'crash-on-turn' | 'no-load-session'
  | 'auth-failed' | 'api-retry' | 'vendor-gave-up' | 'slow-turn' | 'init-other-id' | 'registry-lag';

/** One line of `<provider>-record.jsonl`, written by a fake whenever it creates, resumes or refuses a vendor session. */
export interface RecordLine {
  /** Besides the session's life: what the user's answers and modes reached the vendor as (`permission-allowed`, `permission-mode`, …). */
  readonly event: 'created' | 'resumed' | 'resume-refused' | 'permission-allowed' | 'permission-mode' | 'turn-mode' | 'prompt-agent';
  readonly vendorId: string;
  readonly cwd: string;
  readonly pid: number;
  readonly at: number;
  /** On `resumed` under the `other-id` fault: the id that was asked for. */
  readonly requested?: string;
}

export interface FakeEnv {
  /** Root temp dir; everything below is removed by cleanup(). */
  readonly root: string;
  readonly home: string;
  readonly stateDir: string;
  /** A project dir to run agents in (realpath, so it matches what the fakes see as process.cwd()), inside `home`: the daemon's default policy allows it. */
  readonly cwd: string;
  /** The environment to hand to drivers / the daemon. */
  readonly env: Record<string, string>;
  record(provider: FakeProvider): Promise<RecordLine[]>;
  /** Replaces the faults file (fakes re-read it at every start and before each resume). */
  setFaults(faults: readonly FakeFault[] | readonly string[]): Promise<void>;
  /** Pids of processes still running with this sandbox's BATON_FAKE_STATE_DIR (Linux /proc). */
  livePids(): Promise<number[]>;
  cleanup(): Promise<void>;
}

export interface FakeEnvOptions {
  /** BATON_FAKE_SLOW_MS for the `slow-start` fault (the fakes default to 1500). */
  readonly slowMs?: number;
  /** Extra variables, e.g. BATON_FAKE_FAULTS. */
  readonly extraEnv?: Record<string, string>;
}

export async function createFakeEnv(options: FakeEnvOptions = {}): Promise<FakeEnv> {
  const root = realpathSync(await mkdtemp(join(tmpdir(), 'baton-fake-')));
  const home = join(root, 'home');
  const stateDir = join(root, 'state');
  const cwd = join(home, 'project');
  await Promise.all([home, stateDir, cwd].map((d) => mkdir(d, { recursive: true })));
  const env: Record<string, string> = {
    PATH: `${FAKES_BIN}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    CLAUDE_CONFIG_DIR: join(home, '.claude'),
    CODEX_HOME: join(home, '.codex'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    BATON_FAKE_STATE_DIR: stateDir,
    // A Gemini user's key, as most have it (the fake, like the real CLI, refuses to start a session without one).
    GEMINI_API_KEY: 'fake-gemini-key',
    // New fake Gemini chats are named as if made two minutes ago, so a quick resume is not Gemini's same-minute bug.
    BATON_FAKE_GEMINI_CHAT_AGE_MS: '120000',
    ...(options.slowMs !== undefined ? { BATON_FAKE_SLOW_MS: String(options.slowMs) } : {}),
    ...options.extraEnv,
  };
  return {
    root, home, stateDir, cwd, env,
    record: (provider) => readRecord(stateDir, provider),
    setFaults: (faults) => writeFile(join(stateDir, 'faults'), faults.join(',')),
    livePids: () => pidsWithEnv(`BATON_FAKE_STATE_DIR=${stateDir}`),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

export async function readRecord(stateDir: string, provider: FakeProvider): Promise<RecordLine[]> {
  let text: string;
  try {
    text = await readFile(join(stateDir, `${provider}-record.jsonl`), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l.trim().length > 0).map((l) => JSON.parse(l) as RecordLine);
}

/** Processes of this user whose environment contains exactly `entry` (e.g. `KEY=value`). */
export async function pidsWithEnv(entry: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const environ = await readFile(`/proc/${name}/environ`, 'utf8');
      if (environ.split('\0').includes(entry)) pids.push(Number(name));
    } catch {
      // not ours, or gone
    }
  }
  return pids;
}

/** Polls `check` until it returns a truthy value or the deadline passes (for state that has no event to await). */
export async function eventually<T>(check: () => T | Promise<T>, what: string, timeoutMs = 5000, everyMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
