// The gemini-acp backend: Gemini CLI's `gemini --acp`, one preset of the generic ACP driver, with Gemini's own quirks handled.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as acp from '@agentclientprotocol/sdk';
import type { BackendDriver, DriverEnv } from '../backend.ts';
import { createAcpDriver, noLoadSessionDetail } from '../acp/driver.ts';
import { describeRpcError } from '../acp/connection.ts';
import { readGeminiChats } from './chat-store.ts';
import { loadWouldWipe, msToNextMinute, removeEmptyDuplicates } from './chat-guard.ts';
import { readGeminiHistory } from './history.ts';

const INSTALL_HINT = 'npm i -g @google/gemini-cli';
export const NO_LOAD_SESSION = noLoadSessionDetail('gemini');

// Gemini reports an unknown id as an internal error: "Invalid session identifier …" when the project has
// other chats, "No previous sessions found for this project." when it has none.
const NOT_FOUND = /invalid session identifier|session not found|no previous sessions|not found/i;
const classifyLoadError = (err: acp.RequestError) => (err.code !== -32601 && NOT_FOUND.test(describeRpcError(err)) ? 'vendor-not-found' : 'vendor-error');

/**
 * The `authenticate` method for the key this machine's environment holds, when Gemini lists it. Without
 * it, `session/load` fails "Authentication required" unless the user's settings already select a method.
 */
export function geminiAuthMethod(env: Readonly<Record<string, string | undefined>>, methods: readonly acp.AuthMethod[]): string | null {
  const listed = (id: string) => methods.some((m) => m.id === id);
  const vertex = /^(1|true)$/i.test(env.GOOGLE_GENAI_USE_VERTEXAI ?? '');
  if (vertex && (env.GOOGLE_API_KEY || env.GOOGLE_CLOUD_PROJECT) && listed('vertex-ai')) return 'vertex-ai';
  if (env.GEMINI_API_KEY && listed('gemini-api-key')) return 'gemini-api-key';
  return null;
}

/**
 * Which flag starts ACP mode: current releases take `--acp`, older ones only `--experimental-acp`.
 * Read from `--help` once per command (the flag never changes while the same CLI is installed).
 */
export async function detectAcpFlag(env: DriverEnv): Promise<string> {
  // Even `--help` leaves `projects.json.<uuid>.tmp` files in ~/.gemini (seen with 0.61): ask in a throw-away home.
  const home = await mkdtemp(join(tmpdir(), 'baton-gemini-help-'));
  return new Promise<string>((resolve) => {
    execFile(env.command, ['--help'], { env: { ...env.env, HOME: home, GEMINI_CLI_HOME: home } as NodeJS.ProcessEnv, timeout: 5_000, maxBuffer: 1 << 20 }, (_err, stdout, stderr) => {
      const help = `${stdout}\n${stderr}`;
      if (/(^|\s)--acp\b/.test(help)) resolve('--acp');
      else if (help.includes('--experimental-acp')) resolve('--experimental-acp');
      else resolve('--acp');
    });
  }).finally(() => rm(home, { recursive: true, force: true }));
}

export function createGeminiAcpDriver(env: DriverEnv): BackendDriver {
  let flag: Promise<string> | null = null;
  const spec = async () => ({ name: 'gemini', command: env.command, args: [await (flag ??= detectAcpFlag(env))], installHint: INSTALL_HINT });
  return createAcpDriver(env, {
    backend: 'gemini-acp',
    provider: 'gemini',
    spec,
    hasVersionFlag: true,
    authMethod: (methods) => geminiAuthMethod(env.env, methods),
    // `initialize` alone makes Gemini record a chat of its cwd in the user's store: probe in a throw-away
    // home and an empty folder instead, and delete both.
    async probe() {
      const home = await mkdtemp(join(tmpdir(), 'baton-gemini-probe-'));
      return { env: { HOME: home, GEMINI_CLI_HOME: home }, cwd: home, cleanup: () => rm(home, { recursive: true, force: true }) };
    },
    classifyLoadError,
    async beforeLoad(vendorId) {
      await removeEmptyDuplicates(env.env, vendorId);
      if (!(await loadWouldWipe(env.env, vendorId))) return { ok: true };
      // Avoid the same-minute wipe: wait for the minute to turn when the deadline allows, else say why not.
      const wait = msToNextMinute();
      if (wait > env.timeoutMs / 2) {
        return {
          ok: false, code: 'vendor-error',
          detail: `Gemini CLI erases a chat's history when it is reopened within the minute the chat was created (a Gemini bug), so Baton did not reopen it; try again in ${Math.ceil(wait / 1000)} s`,
        };
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
      return { ok: true };
    },
    afterLoad: (vendorId) => removeEmptyDuplicates(env.env, vendorId).then(() => undefined),
    listDirect: () => readGeminiChats(env.env),
    readHistory: (request) => readGeminiHistory(env.env, request),
  });
}
