// The real CLIs under test (installed by scripts/real-clis.sh outside the repo) and a throw-away world to run them in.
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DIR = process.env.BATON_REAL_CLIS_DIR ?? '';

/** Path of a real CLI, or a clear error when the suite was started without scripts/real-clis.sh. */
export function realCli(name: 'claude' | 'codex'): string {
  const bin = join(DIR, 'node_modules', '.bin', name);
  if (!DIR || !existsSync(bin)) throw new Error(`no real ${name} at ${bin}: run \`npm run test:real-clis\` (it installs the CLIs into a cache dir)`);
  return bin;
}

export interface Sandbox {
  readonly root: string;
  readonly home: string;
  /** A project dir whose name has `@ + #` and a space (Claude's folder rule, shell quoting). */
  readonly cwd: string;
  readonly env: Record<string, string>;
  cleanup(): void;
}

/** Fresh HOME / CLAUDE_CONFIG_DIR / CODEX_HOME, telemetry and updates off, nothing networked but loopback stubs. */
export function sandbox(extra: Record<string, string> = {}): Sandbox {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'baton-real-')));
  const home = join(root, 'home');
  const cwd = join(root, 'my@proj+1 #x');
  for (const d of [home, cwd, join(home, '.claude'), join(home, '.codex')]) mkdirSync(d, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    CLAUDE_CONFIG_DIR: join(home, '.claude'),
    CODEX_HOME: join(home, '.codex'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CONFIG_HOME: join(home, '.config'),
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    NO_COLOR: '1',
    TERM: 'dumb',
    ...extra,
  };
  return { root, home, cwd, env, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Claude's global config that lets a terminal `claude` start without its first-run dialogs (for a pty). */
export function skipClaudeOnboarding(box: Sandbox, apiKey: string): void {
  writeFileSync(join(box.env.CLAUDE_CONFIG_DIR!, '.claude.json'), JSON.stringify({
    hasCompletedOnboarding: true, theme: 'dark',
    customApiKeyResponses: { approved: [apiKey.slice(-20)], rejected: [] },
    projects: { [box.cwd]: { hasTrustDialogAccepted: true } },
  }));
}

/** Codex pointed at a loopback Responses API (no websockets, one retry by default: failures show quickly). */
export function codexUsesStub(box: Sandbox, url: string, retries = 1): void {
  writeFileSync(join(box.env.CODEX_HOME!, 'config.toml'), [
    'model_provider = "stub"', 'model = "gpt-5"', '', '[model_providers.stub]', 'name = "stub"', `base_url = "${url}/v1"`,
    'wire_api = "responses"', 'supports_websockets = false', `request_max_retries = ${retries}`, `stream_max_retries = ${retries}`, '',
  ].join('\n'));
}

export async function until<T>(check: () => T | null | undefined | false | Promise<T | null | undefined | false>, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
