// One `gemini --acp` process and its Agent Client Protocol handshake (JSON-RPC 2.0, one JSON per line on stdio).
import { execFile } from 'node:child_process';
import type { ResumeFailureCode } from '../../../core/index.ts';
import type { DriverEnv } from '../backend.ts';
import { AgentProcess } from '../shared/agent-process.ts';
import { JsonRpcPeer, RpcClosedError, RpcError } from '../shared/json-rpc.ts';
import { TIMED_OUT, withTimeout } from '../shared/with-timeout.ts';

export const ACP_PROTOCOL_VERSION = 1;
type Json = Record<string, unknown>;
export type Failure = { readonly ok: false; readonly code: ResumeFailureCode; readonly detail: string };

/** Where notifications and agent→client requests go; swapped from the load collector to the handle. */
export interface AcpSink {
  update(sessionId: unknown, update: Json): void;
  request(id: number | string, method: string, params: Json): void;
}

export interface AcpConnection {
  readonly proc: AgentProcess;
  readonly peer: JsonRpcPeer;
  readonly loadSession: boolean;
  setSink(sink: AcpSink): void;
  /** Runs one request under the start/resume deadline; failures stop the process before they are returned. */
  call<T>(method: string, params: unknown, deadline: number, classify?: (err: RpcError) => ResumeFailureCode): Promise<{ ok: true; value: T } | Failure>;
  stop(): Promise<void>;
}

/**
 * Which flag starts ACP mode: current releases take `--acp`, older ones only `--experimental-acp`.
 * Read from `--help` once per command (the flag never changes while the same CLI is installed).
 */
export function detectAcpFlag(env: DriverEnv): Promise<string> {
  return new Promise((resolve) => {
    execFile(env.command, ['--help'], { env: env.env as NodeJS.ProcessEnv, timeout: 5_000, maxBuffer: 1 << 20 }, (_err, stdout, stderr) => {
      const help = `${stdout}\n${stderr}`;
      if (/(^|\s)--acp\b/.test(help)) resolve('--acp');
      else if (help.includes('--experimental-acp')) resolve('--experimental-acp');
      else resolve('--acp');
    });
  });
}

/** Spawns the agent in `cwd` and runs `initialize`. On any failure the process is gone before this resolves. */
export async function openAcp(env: DriverEnv, flag: string, cwd: string, deadline: number): Promise<({ ok: true } & AcpConnection) | Failure> {
  const proc = new AgentProcess({ command: env.command, args: [flag], cwd, env: env.env });
  const peer = new JsonRpcPeer(proc, { withVersionField: true });
  // Before a sink is set nothing is answered for us: refuse any agent request rather than leave it hanging.
  let sink: AcpSink = {
    update() {},
    request: (id) => void peer.respondError(id, -32601, 'the client is not ready').catch(() => {}),
  };
  peer.onNotification((method, params) => {
    if (method === 'session/update' && typeof params.update === 'object' && params.update !== null) sink.update(params.sessionId, params.update as Json);
  });
  peer.onRequest((id, method, params) => sink.request(id, method, params));
  const stop = async () => {
    peer.close('stopped by Baton');
    await proc.stop();
  };

  async function call<T>(method: string, params: unknown, until: number, classify: (err: RpcError) => ResumeFailureCode = () => 'vendor-error'): Promise<{ ok: true; value: T } | Failure> {
    const fail = async (code: ResumeFailureCode, detail: string): Promise<Failure> => {
      await stop();
      return { ok: false, code, detail };
    };
    let result: unknown;
    try {
      result = await withTimeout(peer.request<unknown>(method, params), Math.max(0, until - Date.now()));
    } catch (err) {
      if (err instanceof RpcError) return fail(classify(err), `${method} failed: ${describeRpcError(err)}`);
      if (err instanceof RpcClosedError) {
        const exit = await proc.exited;
        if (exit.spawnError) return fail('dependency-missing', `${env.command} could not be started (${exit.spawnError}); install it with npm i -g @google/gemini-cli`);
        return fail('vendor-error', `gemini ${proc.describeExit(exit)} during ${method}`);
      }
      return fail('vendor-error', `${method} failed: ${String(err)}`);
    }
    if (result === TIMED_OUT) return fail('timeout', `gemini did not answer ${method} within ${env.timeoutMs} ms`);
    return { ok: true, value: result as T };
  }

  const init = await call<Json>('initialize', { protocolVersion: ACP_PROTOCOL_VERSION, clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false } }, deadline);
  if (!init.ok) return init;
  const caps = init.value?.agentCapabilities as Json | undefined;
  return { ok: true, proc, peer, loadSession: caps?.loadSession === true, setSink: (s) => void (sink = s), call, stop };
}

/** The words inside a JSON-RPC error, including Gemini's `data.details`. */
export function describeRpcError(err: RpcError): string {
  const data = err.data as { details?: unknown } | undefined;
  const details = typeof data?.details === 'string' ? data.details : data === undefined ? '' : JSON.stringify(data);
  return `${err.message} (${err.code})${details ? `: ${details}` : ''}`.slice(0, 1_500);
}
