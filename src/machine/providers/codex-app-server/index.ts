// The codex-app-server backend (the default for Codex): `codex app-server`, JSON-RPC v2 threads and turns, strict resume.
import type { BackendDriver, DriverEnv, ResumeOutcome, StartOutcome } from '../backend.ts';
import type { ResumeFailureCode } from '../../../core/index.ts';
import { AgentProcess } from '../shared/agent-process.ts';
import { resumableCapability } from '../shared/check-version.ts';
import { RpcClosedError, RpcError } from '../shared/json-rpc.ts';
import { TIMED_OUT, withTimeout } from '../shared/with-timeout.ts';
import { AppServerSession } from './app-server-session.ts';
import { listCodexRollouts, rolloutExists } from './rollouts.ts';
import { writerLockHolders } from './writer-lock.ts';
import { readCodexHistory } from './history.ts';

export const CODEX_INSTALL_HINT = 'npm i -g @openai/codex';

type Json = Record<string, any>;
type Failure = { readonly ok: false; readonly code: ResumeFailureCode; readonly detail: string };

export function createCodexAppServerDriver(env: DriverEnv): BackendDriver {
  /** Spawns app-server, initializes, then runs `open` (thread/start or thread/resume) — all inside one deadline. */
  async function openThread(cwd: string, open: (s: AppServerSession) => Promise<Failure | null>): Promise<StartOutcome> {
    const proc = new AgentProcess({ command: env.command, args: ['app-server'], cwd, env: env.env });
    const session = new AppServerSession(proc, env.timeoutMs, (id) => rolloutExists(env.env, id));
    const steps = (async (): Promise<Failure | null> => {
      await session.initialize();
      return open(session);
    })();
    let failure: Failure | null;
    try {
      const outcome = await withTimeout(steps, env.timeoutMs);
      failure = outcome === TIMED_OUT ? { ok: false, code: 'timeout', detail: `codex app-server did not answer within ${env.timeoutMs} ms` } : outcome;
    } catch (err) {
      failure = await classify(err, proc);
    }
    if (failure === null) return { ok: true, handle: session };
    steps.catch(() => {});
    // Fail closed: the process we started never outlives a failed start or resume.
    await session.stop();
    return failure;
  }

  async function classify(err: unknown, proc: AgentProcess): Promise<Failure> {
    if (err instanceof RpcError) {
      if (/no rollout found/i.test(err.message)) return { ok: false, code: 'vendor-not-found', detail: err.message };
      // Another process writes this thread (a terminal `codex resume`, another app-server).
      if (/already has an active writer/i.test(err.message)) return { ok: false, code: 'session-in-use', detail: `codex: ${err.message}` };
      // The rollout stored under this id belongs to another thread (e.g. a copied file): not our conversation.
      if (/thread source changed/i.test(err.message)) return { ok: false, code: 'vendor-id-mismatch', detail: `codex: ${err.message}` };
      return { ok: false, code: 'vendor-error', detail: `codex: ${err.message} (${err.code})` };
    }
    if (err instanceof RpcClosedError || !proc.running) {
      const exit = await proc.exited;
      if (exit.spawnError?.startsWith('ENOENT')) return { ok: false, code: 'dependency-missing', detail: `${env.command} is not installed (${CODEX_INSTALL_HINT})` };
      return { ok: false, code: 'vendor-error', detail: `codex app-server ${proc.describeExit(exit)}` };
    }
    return { ok: false, code: 'vendor-error', detail: (err as Error).message };
  }

  return {
    backend: 'codex-app-server',
    provider: 'codex',
    supportsResume: true,
    checkDependencies: () => resumableCapability({ command: env.command, env: env.env, installHint: CODEX_INSTALL_HINT }),
    start({ cwd, permissionMode }) {
      return openThread(cwd, async (session) => {
        session.useMode(permissionMode);
        const result = await session.rpc.request<Json>('thread/start', { cwd, ...session.threadModeParams() });
        const id = result?.thread?.id;
        if (typeof id !== 'string' || id.length === 0) return { ok: false, code: 'vendor-error', detail: 'thread/start returned no thread id' };
        session.bind(id, false);
        return null;
      });
    },
    resume({ vendorId, cwd, permissionMode }): Promise<ResumeOutcome> {
      return openThread(cwd, async (session) => {
        session.useMode(permissionMode);
        // `excludeTurns`: the history stays on disk (full hydration is deprecated and would only be thrown away).
        const result = await session.rpc.request<Json>('thread/resume', { threadId: vendorId, cwd, excludeTurns: true, ...session.threadModeParams() });
        const id = result?.thread?.id;
        // Strict: a different id would be a new conversation; never adopt it.
        if (id !== vendorId) {
          return { ok: false, code: 'vendor-id-mismatch', detail: `codex resumed thread ${String(id)} instead of ${vendorId}` };
        }
        session.bind(id, true);
        return null;
      });
    },
    holders: (vendorId) => writerLockHolders(env.env, vendorId).map((pid) => ({ pid, detail: `codex holds thread ${vendorId} (its writer lock)` })),
    listDirect: () => listCodexRollouts(env.env, 'codex-app-server'),
    readHistory: (request) => readCodexHistory(env.env, request),
  };
}
