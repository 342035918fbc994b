// One ACP agent process and its handshake, on the Agent Client Protocol SDK (JSON-RPC 2.0, one JSON per line on stdio).
import { Readable, Writable } from 'node:stream';
import * as acp from '@agentclientprotocol/sdk';
import type { ResumeFailureCode } from '../../../core/index.ts';
import type { DriverEnv } from '../backend.ts';
import { AgentProcess } from '../shared/agent-process.ts';
import { TIMED_OUT, withTimeout } from '../shared/with-timeout.ts';

export type Failure = { readonly ok: false; readonly code: ResumeFailureCode; readonly detail: string };
export type Json = Record<string, unknown>;

/** How to run one ACP agent: its command line and how it must be stopped. */
export interface AcpAgentSpec {
  /** Shown in failure details ("gemini did not answer …"). */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly installHint: string;
  /** Extra environment for this spawn only (e.g. a throw-away home for a capability probe). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Where notifications and agent→client requests go; swapped from the load collector to the handle. */
export interface AcpSink {
  update(notification: acp.SessionNotification): void;
  permission(params: acp.RequestPermissionRequest): Promise<acp.RequestPermissionResponse>;
}

export interface AcpConnection {
  readonly proc: AgentProcess;
  readonly agent: acp.ClientContext;
  readonly init: acp.InitializeResponse;
  readonly loadSession: boolean;
  setSink(sink: AcpSink): void;
  /** Runs one request under the start/resume deadline; failures stop the process before they are returned. */
  call<T>(method: string, params: unknown, deadline: number, classify?: (err: acp.RequestError) => ResumeFailureCode): Promise<{ ok: true; value: T } | Failure>;
  stop(): Promise<void>;
}

// Gemini exits cleanly within about a second of its stdin closing (and ignores SIGTERM before that).
const STDIN_CLOSE_GRACE_MS = 3_000;

/** Spawns the agent in `cwd` and runs `initialize`. On any failure the process is gone before this resolves. */
export async function openAcp(env: DriverEnv, spec: AcpAgentSpec, cwd: string, deadline: number): Promise<({ ok: true } & AcpConnection) | Failure> {
  const proc = new AgentProcess({
    command: spec.command, args: spec.args, cwd, env: { ...env.env, ...spec.env },
    processGroup: true, stdinCloseGraceMs: STDIN_CLOSE_GRACE_MS, rawStdout: true,
  });
  // Before a sink is set nothing is answered for us: refuse any agent request rather than leave it hanging.
  let sink: AcpSink = { update() {}, permission: async () => ({ outcome: { outcome: 'cancelled' } }) };
  const { stdin, stdout } = proc.stdio;
  const stream = acp.ndJsonStream(
    Writable.toWeb(stdin as Writable) as WritableStream<Uint8Array>,
    Readable.toWeb(stdout as Readable) as unknown as ReadableStream<Uint8Array>,
  );
  const conn = acp
    .client({ name: 'baton' })
    .onNotification('session/update', (c) => sink.update(c.params))
    .onRequest('session/request_permission', (c) => sink.permission(c.params))
    .connect(stream);
  void proc.exited.then(() => conn.close(new Error('the agent exited')));
  const stop = async () => {
    await proc.stop();
    conn.close();
  };

  async function call<T>(method: string, params: unknown, until: number, classify: (err: acp.RequestError) => ResumeFailureCode = () => 'vendor-error'): Promise<{ ok: true; value: T } | Failure> {
    const fail = async (code: ResumeFailureCode, detail: string): Promise<Failure> => {
      await stop();
      return { ok: false, code, detail };
    };
    let result: unknown;
    try {
      result = await withTimeout(conn.agent.request<T>(method, params), Math.max(0, until - Date.now()));
    } catch (err) {
      if (err instanceof acp.RequestError) return fail(classify(err), `${method} failed: ${describeRpcError(err)}`);
      // Not an answer: the connection closed, so the process is gone (or going).
      const exit = await withTimeout(proc.exited, 2_000);
      if (exit !== TIMED_OUT && exit.spawnError) return fail('dependency-missing', `${spec.command} is not installed or could not be started (${exit.spawnError}); install it with ${spec.installHint}`);
      const how = exit === TIMED_OUT ? String(err instanceof Error ? err.message : err) : proc.describeExit(exit);
      return fail('vendor-error', `${spec.name} ${how} during ${method}`);
    }
    if (result === TIMED_OUT) return fail('timeout', `${spec.name} did not answer ${method} within ${env.timeoutMs} ms`);
    return { ok: true, value: result as T };
  }

  const init = await call<acp.InitializeResponse>(
    'initialize',
    { protocolVersion: acp.PROTOCOL_VERSION, clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false } },
    deadline,
  );
  if (!init.ok) return init;
  return {
    ok: true, proc, agent: conn.agent, init: init.value, loadSession: init.value?.agentCapabilities?.loadSession === true,
    setSink: (s) => void (sink = s), call, stop,
  };
}

/** The words inside a JSON-RPC error, including Gemini's `data.details`. */
export function describeRpcError(err: { code: number; message: string; data?: unknown }): string {
  const data = err.data as { details?: unknown } | undefined;
  const details = typeof data?.details === 'string' ? data.details : data === undefined || data === null ? '' : JSON.stringify(data);
  return `${err.message} (${err.code})${details ? `: ${details}` : ''}`.slice(0, 1_500);
}
