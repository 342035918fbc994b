// Starts one real `baton up` (server + daemon + built app) with the fake agents first on PATH, and shares its facts with the specs.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FullConfig } from '@playwright/test';
import { DIRECT_HISTORY, DIRECT_SESSION, fakeEnv, type World } from './support/world.ts';

export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  const root = resolve(import.meta.dirname, '..');
  // BATON_APP_DIR points at another build (e.g. `vite build --outDir …`); `baton up` serves the same one.
  const appDir = process.env.BATON_APP_DIR ? resolve(process.env.BATON_APP_DIR) : join(root, 'dist');
  if (!existsSync(join(appDir, 'index.html'))) throw new Error(`the app is not built in ${appDir}: run \`npm run build\` before the e2e tests`);
  const tmp = mkdtempSync(join(tmpdir(), 'baton-e2e-'));
  // `baton up` serves a copy, so a spec can publish a "new version" (update-prompt.spec.ts) without touching the build.
  const servedApp = join(tmp, 'app');
  cpSync(appDir, servedApp, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...fakeEnv(root, tmp), BATON_APP_DIR: servedApp };
  mkdirSync(env.BATON_FAKE_STATE_DIR!, { recursive: true });
  // Gemini's fake does not advertise loadSession, so gemini sessions can start but not resume (dependency-missing).
  writeFileSync(join(env.BATON_FAKE_STATE_DIR!, 'faults'), 'no-load-session\n');
  // A session started in Claude Code itself (not by Baton): the daemon lists it as a direct session.
  const slugDir = join(env.CLAUDE_CONFIG_DIR!, 'projects', DIRECT_SESSION.cwd.replace(/[/.:_ ]/g, '-'));
  mkdirSync(slugDir, { recursive: true });
  writeFileSync(
    join(slugDir, `${DIRECT_SESSION.vendorId}.jsonl`),
    `${JSON.stringify({ type: 'user', cwd: DIRECT_SESSION.cwd, sessionId: DIRECT_SESSION.vendorId, message: { role: 'user', content: DIRECT_SESSION.title } })}\n`,
  );

  // Another one, longer, shaped as Claude Code 2.1.197 writes its transcripts (text and tool_use in separate lines).
  const longDir = join(env.CLAUDE_CONFIG_DIR!, 'projects', DIRECT_HISTORY.cwd.replace(/[^A-Za-z0-9]/g, '-'));
  mkdirSync(longDir, { recursive: true });
  const line = (type: string, content: unknown, i: number) => JSON.stringify({
    type, cwd: DIRECT_HISTORY.cwd, sessionId: DIRECT_HISTORY.vendorId, isSidechain: false, timestamp: new Date(Date.UTC(2026, 10, 1, 9, i)).toISOString(),
    message: type === 'user' ? { role: 'user', content } : { role: 'assistant', content },
  });
  const lines: string[] = [];
  for (let i = 1; i <= DIRECT_HISTORY.turns; i++) {
    lines.push(line('user', `question ${i}`, i));
    lines.push(line('assistant', [{ type: 'tool_use', id: `toolu_${i}`, name: 'Read', input: { file_path: `src/file-${i}.ts` } }], i));
    lines.push(line('user', [{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: 'ok' }], i));
    lines.push(line('assistant', [{ type: 'text', text: `answer ${i}` }], i));
  }
  writeFileSync(join(longDir, `${DIRECT_HISTORY.vendorId}.jsonl`), `${lines.join('\n')}\n`);

  const home = join(tmp, 'baton');
  const child = spawn(process.execPath, [join(root, 'bin', 'baton.mjs'), 'up', '--port', '0', '--home', home, '--no-qr', '--name', 'laptop', '--allow-root', tmp, '--start-rate', '100000'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const link = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`baton up printed no pairing link in 30 s:\n${out}`)), 30_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /(https?:\/\/\S+\/#\/pair\?\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('exit', (code) => fail(new Error(`baton up exited with ${code}:\n${out}`)));
  });
  const url = new URL(link).origin;
  const cli = JSON.parse(readFileSync(join(home, 'cli.json'), 'utf8')) as { token: string };
  const world: World = { url, pairLink: link, cliToken: cli.token, tmp, home, stateDir: env.BATON_FAKE_STATE_DIR!, root, appDir: servedApp };
  process.env.BATON_E2E_WORLD = JSON.stringify(world);

  return async () => {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  };
}
