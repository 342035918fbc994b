// The gemini-acp backend: `gemini --acp` over the Agent Client Protocol; resumable only when the agent advertises loadSession.
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as v from 'valibot';
import { VendorIdSchema, type BackendCapability } from '../../../core/index.ts';
import type { BackendDriver, DriverEnv, ResumeOutcome, StartOutcome } from '../backend.ts';
import { checkVersion } from '../shared/check-version.ts';
import type { RpcError } from '../shared/json-rpc.ts';
import { readGeminiChats } from './chat-store.ts';
import { detectAcpFlag, describeRpcError, openAcp } from './connection.ts';
import { createGeminiHandle } from './handle.ts';
import { readGeminiHistory } from './history.ts';

const INSTALL_HINT = 'npm i -g @google/gemini-cli';
export const NO_LOAD_SESSION = 'the installed gemini does not support session/load (upgrade @google/gemini-cli)';

// Gemini reports an unknown id as an internal error whose details say "Invalid session identifier …".
const NOT_FOUND = /invalid session identifier|session not found|no previous sessions|not found/i;
// "Method not found" (-32601) is an agent that lied about loadSession, not a missing session.
const classifyLoadError = (err: RpcError) => (err.code !== -32601 && NOT_FOUND.test(describeRpcError(err)) ? 'vendor-not-found' : 'vendor-error');

export function createGeminiAcpDriver(env: DriverEnv): BackendDriver {
  let flag: Promise<string> | null = null;
  const acpFlag = () => (flag ??= detectAcpFlag(env));
  // What the agent advertises does not change while the same CLI is installed, so one probe is enough.
  let probed: BackendCapability | null = null;

  return {
    backend: 'gemini-acp',
    provider: 'gemini',
    supportsResume: true,

    async checkDependencies(): Promise<BackendCapability> {
      if (probed) return probed;
      const version = await checkVersion({ command: env.command, env: env.env, installHint: INSTALL_HINT });
      if (!version.installed) return { installed: false, version: null, canResume: false, detail: version.detail };
      const f = await acpFlag();
      const conn = await openAcp(env, f, tmpdir(), Date.now() + Math.min(env.timeoutMs, 15_000));
      if (!conn.ok) return { installed: true, version: version.version, canResume: false, detail: `gemini ${f} did not start: ${conn.detail}` };
      await conn.stop();
      probed = conn.loadSession
        ? { installed: true, version: version.version, canResume: true, detail: null }
        : { installed: true, version: version.version, canResume: false, detail: NO_LOAD_SESSION };
      return probed;
    },

    async start({ cwd }): Promise<StartOutcome> {
      if (!isDirectory(cwd)) return { ok: false, code: 'vendor-error', detail: `the working directory ${cwd} does not exist on this machine` };
      const deadline = Date.now() + env.timeoutMs;
      const conn = await openAcp(env, await acpFlag(), cwd, deadline);
      if (!conn.ok) return conn;
      const created = await conn.call<{ sessionId?: unknown }>('session/new', { cwd, mcpServers: [] }, deadline);
      if (!created.ok) return created;
      const id = v.safeParse(VendorIdSchema, created.value?.sessionId);
      if (!id.success) {
        await conn.stop();
        return { ok: false, code: 'vendor-error', detail: `session/new gave no usable session id: ${JSON.stringify(created.value).slice(0, 300)}` };
      }
      return { ok: true, handle: createGeminiHandle(conn, id.output) };
    },

    async resume({ vendorId, cwd }): Promise<ResumeOutcome> {
      if (!isDirectory(cwd)) return { ok: false, code: 'vendor-error', detail: `the working directory ${cwd} does not exist on this machine` };
      const deadline = Date.now() + env.timeoutMs;
      const conn = await openAcp(env, await acpFlag(), cwd, deadline);
      if (!conn.ok) return conn;
      if (!conn.loadSession) {
        // Strict: without session/load the only thing this agent can do is start a new session, which would be a fork.
        await conn.stop();
        return { ok: false, code: 'dependency-missing', detail: NO_LOAD_SESSION };
      }
      const foreign = new Set<string>();
      const replay = quietWindow(REPLAY_QUIET_MS, REPLAY_MAX_MS);
      conn.setSink({
        update(sessionId) {
          replay.bump();
          if (sessionId !== vendorId) foreign.add(String(sessionId));
        },
        request(id, method) {
          void conn.peer.respondError(id, -32601, `Baton does not handle ${method} while loading a session`).catch(() => {});
        },
      });
      const loaded = await conn.call<{ sessionId?: unknown }>('session/load', { sessionId: vendorId, cwd, mcpServers: [] }, deadline, classifyLoadError);
      if (!loaded.ok) return loaded;
      // Gemini answers session/load and keeps replaying the history after it. That replay is the old
      // conversation, not new messages: let it finish (go quiet) here, where it is only checked, never forwarded.
      replay.bump();
      await replay.quiet;
      const answeredId = loaded.value?.sessionId;
      if ((answeredId !== undefined && answeredId !== vendorId) || foreign.size > 0) {
        await conn.stop();
        const got = answeredId !== undefined && answeredId !== vendorId ? String(answeredId) : [...foreign].join(', ');
        return { ok: false, code: 'vendor-id-mismatch', detail: `asked Gemini to load ${vendorId} and it loaded ${got}` };
      }
      return { ok: true, handle: createGeminiHandle(conn, vendorId) };
    },

    listDirect() {
      return readGeminiChats(env.env).catch(() => []);
    },
    readHistory: (request) => readGeminiHistory(env.env, request),
  };
}

const REPLAY_QUIET_MS = 30;
const REPLAY_MAX_MS = 1_000;

/** Resolves once `bump` was not called for `quietMs` (or `maxMs` after the first bump, whichever is first). */
function quietWindow(quietMs: number, maxMs: number): { bump(): void; quiet: Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let cap: NodeJS.Timeout | undefined;
  let done: () => void = () => {};
  const quiet = new Promise<void>((resolve) => {
    done = () => {
      clearTimeout(timer);
      clearTimeout(cap);
      resolve();
    };
  });
  return {
    quiet,
    bump() {
      clearTimeout(timer);
      timer = setTimeout(done, quietMs);
      cap ??= setTimeout(done, maxMs);
    },
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
