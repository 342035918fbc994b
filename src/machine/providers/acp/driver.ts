// A strict-resume driver for any ACP agent: start with session/new, resume only with session/load, authenticate when asked.
import { statSync } from 'node:fs';
import * as v from 'valibot';
import type * as acp from '@agentclientprotocol/sdk';
import { VendorIdSchema, type Backend, type BackendCapability, type Provider, type ResumeFailureCode, type VendorId } from '../../../core/index.ts';
import type { BackendDriver, DirectSessionInfo, DriverEnv, HistoryOutcome, HistoryRequest, ResumeOutcome, StartOutcome } from '../backend.ts';
import { checkVersion } from '../shared/check-version.ts';
import { describeRpcError, openAcp, type AcpAgentSpec, type AcpConnection, type Failure } from './connection.ts';
import { createAcpHandle, setAcpMode, type AcpHandleOptions } from './handle.ts';

/** What makes one ACP agent different from another; Gemini is one preset, a user-configured agent another. */
export interface AcpPreset {
  readonly backend: Backend;
  readonly provider: Provider;
  /** The command line to run (may probe the CLI once, e.g. for its ACP flag). */
  spec(): Promise<AcpAgentSpec>;
  /** Run `<command> --version` for the capability check (an agent without such a flag: false). */
  readonly hasVersionFlag: boolean;
  /** The `authenticate` method to call after `initialize`, when the agent lists it and its key is here; null: none. */
  authMethod(methods: readonly acp.AuthMethod[]): string | null;
  /** Extra environment for the capability probe, and how to clean up after it (so it leaves nothing in the user's stores). */
  probe?(): Promise<{ readonly env: Readonly<Record<string, string | undefined>>; readonly cwd: string; cleanup(): Promise<void> }>;
  /** How a failed `session/load` is typed. */
  classifyLoadError(err: acp.RequestError): ResumeFailureCode;
  /** Runs before `session/load` (it may wait, or refuse when the vendor is known to damage this session now). */
  beforeLoad?(vendorId: VendorId, cwd: string): Promise<{ ok: true } | Failure>;
  /** Runs once `session/load` succeeded (e.g. to tidy what loading left in the vendor's store). */
  afterLoad?(vendorId: VendorId): Promise<void>;
  readonly handle?: AcpHandleOptions;
  listDirect(): Promise<DirectSessionInfo[]>;
  /** A page of a session's conversation from the agent's own store; absent: this agent's store is not readable. */
  readHistory?(request: HistoryRequest): Promise<HistoryOutcome>;
}

export const noLoadSessionDetail = (name: string) => `the installed ${name} does not support session/load, so it cannot reopen a session (upgrade it)`;

export function createAcpDriver(env: DriverEnv, preset: AcpPreset): BackendDriver {
  // What the agent advertises does not change while the same CLI is installed, so one probe is enough.
  let probed: BackendCapability | null = null;

  /** Opens the agent in `cwd` and authenticates when it asks for it and its key is here. */
  async function open(cwd: string, deadline: number): Promise<({ ok: true } & AcpConnection) | Failure> {
    const spec = await preset.spec();
    const conn = await openAcp(env, spec, cwd, deadline);
    if (!conn.ok) return conn;
    const method = preset.authMethod(conn.init.authMethods ?? []);
    if (method !== null) {
      const authed = await conn.call('authenticate', { methodId: method }, deadline);
      if (!authed.ok) return { ...authed, detail: `${spec.name} refused to log in with ${method}: ${authed.detail}` };
    }
    return conn;
  }

  return {
    backend: preset.backend,
    provider: preset.provider,
    supportsResume: true,

    async checkDependencies(): Promise<BackendCapability> {
      if (probed) return probed;
      const spec = await preset.spec();
      // The probe must not write into the user's own stores (Gemini's `initialize` alone records a chat of the cwd).
      const probe = preset.probe ? await preset.probe() : null;
      try {
        let version: string | null = null;
        if (preset.hasVersionFlag) {
          const r = await checkVersion({ command: spec.command, env: { ...env.env, ...probe?.env }, installHint: spec.installHint });
          if (!r.installed) return { installed: false, version: null, canResume: false, detail: r.detail };
          version = r.version;
        }
        const conn = await openAcp(env, { ...spec, env: { ...spec.env, ...probe?.env } }, probe?.cwd ?? process.cwd(), Date.now() + Math.min(env.timeoutMs, 15_000));
        if (!conn.ok) {
          const missing = conn.code === 'dependency-missing';
          return { installed: !missing, version, canResume: false, detail: missing ? conn.detail : `${spec.name} did not start: ${conn.detail}` };
        }
        await conn.stop();
        const info = conn.init.agentInfo;
        version ??= info ? `${info.name} ${info.version}` : `ACP protocol ${conn.init.protocolVersion}`;
        probed = conn.loadSession
          ? { installed: true, version, canResume: true, detail: null }
          : { installed: true, version, canResume: false, detail: noLoadSessionDetail(spec.name) };
        return probed;
      } finally {
        await probe?.cleanup();
      }
    },

    async start({ cwd, permissionMode }): Promise<StartOutcome> {
      if (!isDirectory(cwd)) return { ok: false, code: 'vendor-error', detail: `the working directory ${cwd} does not exist on this machine` };
      const deadline = Date.now() + env.timeoutMs;
      const conn = await open(cwd, deadline);
      if (!conn.ok) return conn;
      const created = await conn.call<{ sessionId?: unknown }>('session/new', { cwd, mcpServers: [] }, deadline);
      if (!created.ok) return created;
      const id = v.safeParse(VendorIdSchema, created.value?.sessionId);
      if (!id.success) {
        await conn.stop();
        return { ok: false, code: 'vendor-error', detail: `session/new gave no usable session id: ${JSON.stringify(created.value).slice(0, 300)}` };
      }
      const moded = await applyMode(conn, id.output, permissionMode);
      if (!moded.ok) return moded;
      return { ok: true, handle: createAcpHandle(conn, id.output, preset.handle) };
    },

    async resume({ vendorId, cwd, permissionMode }): Promise<ResumeOutcome> {
      if (!isDirectory(cwd)) return { ok: false, code: 'vendor-error', detail: `the working directory ${cwd} does not exist on this machine` };
      const ready = (await preset.beforeLoad?.(vendorId, cwd)) ?? { ok: true };
      if (!ready.ok) return ready;
      const deadline = Date.now() + env.timeoutMs;
      const conn = await open(cwd, deadline);
      if (!conn.ok) return conn;
      if (!conn.loadSession) {
        // Strict: without session/load the only thing this agent can do is start a new session, which would be a fork.
        await conn.stop();
        return { ok: false, code: 'dependency-missing', detail: noLoadSessionDetail((await preset.spec()).name) };
      }
      const foreign = new Set<string>();
      const replay = quietWindow(REPLAY_QUIET_MS, REPLAY_MAX_MS);
      conn.setSink({
        update({ sessionId }) {
          replay.bump();
          if (sessionId !== vendorId) foreign.add(String(sessionId));
        },
        permission: async () => ({ outcome: { outcome: 'cancelled' } }),
      });
      const loaded = await conn.call<{ sessionId?: unknown } | null>('session/load', { sessionId: vendorId, cwd, mcpServers: [] }, deadline, preset.classifyLoadError);
      if (!loaded.ok) return loaded;
      // Agents answer session/load and may keep replaying the history after it. That replay is the old
      // conversation, not new messages: let it finish (go quiet) here, where it is only checked, never forwarded.
      replay.bump();
      await replay.quiet;
      const answeredId = loaded.value?.sessionId;
      if ((answeredId !== undefined && answeredId !== vendorId) || foreign.size > 0) {
        await conn.stop();
        const got = answeredId !== undefined && answeredId !== vendorId ? String(answeredId) : [...foreign].join(', ');
        return { ok: false, code: 'vendor-id-mismatch', detail: `asked the agent to load ${vendorId} and it loaded ${got}` };
      }
      await preset.afterLoad?.(vendorId);
      const moded = await applyMode(conn, vendorId, permissionMode);
      if (!moded.ok) return moded;
      return { ok: true, handle: createAcpHandle(conn, vendorId, preset.handle) };
    },

    readHistory(request) {
      if (preset.readHistory) return preset.readHistory(request);
      return Promise.resolve({ ok: false, code: 'vendor-error', detail: `Baton cannot read this ACP agent's own session store; open the session with the agent itself` });
    },

    listDirect() {
      return preset.listDirect().catch(() => []);
    },
  };
}

/** The chosen mode, set before the first prompt; an agent that refuses it fails the start (never runs in another mode). */
async function applyMode(conn: AcpConnection, sessionId: VendorId, mode: string | undefined): Promise<{ ok: true } | Failure> {
  if (!mode) return { ok: true };
  try {
    await setAcpMode(conn, sessionId, mode);
    return { ok: true };
  } catch (err) {
    await conn.stop();
    return { ok: false, code: 'vendor-error', detail: refusedModeDetail(mode, err) };
  }
}

/** Why the agent refused a mode, in its own words (Gemini puts them in `data.details`), and what to do about a folder it does not trust. */
export function refusedModeDetail(mode: string, err: unknown): string {
  const words = isRpcError(err) ? describeRpcError(err) : err instanceof Error ? err.message : String(err);
  const fix = /untrusted folder/i.test(words) ? ' — trust this folder in the agent first (Gemini: run `gemini` in it once and choose to trust it), or choose another mode' : '';
  return `the agent refused permission mode ${mode}: ${words}${fix}`.slice(0, 2_000);
}

const isRpcError = (err: unknown): err is { code: number; message: string; data?: unknown } =>
  typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number' && typeof (err as { message?: unknown }).message === 'string';

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

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
