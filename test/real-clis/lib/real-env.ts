// For the opt-in real-CLI suite: where the real OpenCode and Gemini CLIs are, a throw-away home, and loopback model stubs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** The versions this suite was written against (`npm run test:real-clis` installs them when none is found). */
export const VERSIONS = { opencode: 'opencode-ai@1.18.33', gemini: '@google/gemini-cli@0.61.0' } as const;
const CACHE = join(homedir(), '.cache', 'baton-real-clis');

/** `BATON_REAL_CLIS_DIR` (a prefix with node_modules/.bin; `npm run test:real-clis` sets it), else ~/.cache/baton-real-clis; installs there when missing. */
export function realCli(name: 'opencode' | 'gemini'): string {
  const prefixes = [process.env.BATON_REAL_CLIS_DIR, process.env.BATON_REAL_CLIS, CACHE].filter((p): p is string => !!p);
  for (const prefix of prefixes) {
    const bin = join(prefix, 'node_modules', '.bin', name);
    if (existsSync(bin)) return bin;
  }
  mkdirSync(CACHE, { recursive: true });
  execFileSync('npm', ['i', '--prefix', CACHE, '--no-audit', '--no-fund', VERSIONS[name]], { stdio: 'inherit' });
  return join(CACHE, 'node_modules', '.bin', name);
}

export interface Sandbox {
  readonly root: string;
  readonly home: string;
  /** A project folder whose name has the characters that broke other drivers: `my@proj+1 #x`. */
  readonly cwd: string;
  readonly env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** A throw-away HOME and XDG dirs, telemetry and updates off, nothing networked outside loopback. */
export async function sandbox(extra: Record<string, string> = {}): Promise<Sandbox> {
  const root = realpathSync(await mkdtemp(join(tmpdir(), 'baton-real-')));
  const home = join(root, 'home');
  const cwd = join(root, 'my@proj+1 #x');
  await mkdir(home, { recursive: true });
  await mkdir(cwd, { recursive: true });
  await writeFile(join(cwd, 'README.md'), '# a project\n');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home,
    XDG_DATA_HOME: join(home, '.local', 'share'), XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache'), XDG_STATE_HOME: join(home, '.local', 'state'),
    OPENCODE_DISABLE_AUTOUPDATE: '1', OPENCODE_DISABLE_SHARE: '1', GEMINI_CLI_DISABLE_AUTOUPDATER: '1', NO_COLOR: '1', ...extra,
  };
  return { root, home, cwd, env, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export type StubMode = 'ok' | 'slow' | 'bad' | 'overloaded';
export interface Stub { readonly url: string; mode: StubMode; readonly requests: string[]; close(): Promise<void> }

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/** A loopback OpenAI-compatible chat-completions server: the model OpenCode talks to in this suite. */
export async function openaiStub(): Promise<Stub> {
  const stub = { mode: 'ok' as StubMode, requests: [] as string[] };
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    stub.requests.push(`${req.method} ${req.url}`);
    if (stub.mode === 'bad') return void res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'stub says bad request', type: 'invalid_request_error' } }));
    if (stub.mode === 'overloaded') return void res.writeHead(529, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Overloaded', type: 'overloaded_error' } }));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = (delta: object, finish: string | null = null) =>
      res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
    // The title request is answered like any other: OpenCode names the session after it.
    chunk({ role: 'assistant', content: 'hel' });
    if (stub.mode === 'slow') await new Promise((resolve) => setTimeout(resolve, 30_000));
    chunk({ content: 'lo from stub' });
    chunk({}, 'stop');
    res.end('data: [DONE]\n\n');
  });
  const url = await listen(server);
  return Object.assign(stub, { url, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) });
}

/** OpenCode's config pointing its only model at the stub (`$XDG_CONFIG_HOME/opencode/opencode.json`). */
export async function pointOpencodeAt(box: Sandbox, stub: Stub): Promise<void> {
  const dir = join(box.env.XDG_CONFIG_HOME!, 'opencode');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'opencode.json'), JSON.stringify({
    $schema: 'https://opencode.ai/config.json', model: 'stub/m',
    provider: { stub: { npm: '@ai-sdk/openai-compatible', name: 'Stub', options: { baseURL: `${stub.url}/v1`, apiKey: 'x' }, models: { m: { name: 'm' } } } },
  }));
}

/** A loopback Gemini API (`GOOGLE_GEMINI_BASE_URL`): streamGenerateContent answers, the router call gets a model choice. */
export async function geminiStub(): Promise<Stub> {
  const stub = { mode: 'ok' as StubMode, requests: [] as string[] };
  const cand = (text: string, finish: boolean) => ({
    candidates: [{ content: { parts: [{ text }], role: 'model' }, ...(finish ? { finishReason: 'STOP' } : {}), index: 0 }],
    usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
  });
  const server = createServer(async (req, res) => {
    for await (const _ of req) { /* drain */ }
    const url = req.url ?? '';
    stub.requests.push(`${req.method} ${url}`);
    const json = (status: number, v: unknown) => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
    if (stub.mode === 'bad') return json(400, { error: { code: 400, message: 'stub says bad request', status: 'INVALID_ARGUMENT' } });
    if (stub.mode === 'overloaded') return json(503, { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } });
    if (url.includes(':streamGenerateContent')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(cand('hello ', false))}\n\n`);
      if (stub.mode === 'slow') await new Promise((resolve) => setTimeout(resolve, 30_000));
      return void res.end(`data: ${JSON.stringify(cand('from gemini stub', true))}\n\n`);
    }
    if (url.includes(':countTokens')) return json(200, { totalTokens: 1 });
    if (url.includes(':generateContent')) return json(200, cand('{"reasoning":"stub","model_choice":"flash"}', true));
    return json(404, {});
  });
  const url = await listen(server);
  return Object.assign(stub, { url, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) });
}

/** Whether any process of a process group is still alive. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}
