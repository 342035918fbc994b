// A running Gemini ACP session: prompts one at a time, forwards its updates and permission requests, stops the agent.
import type { VendorId } from '../../../core/index.ts';
import type { AgentHandle } from '../backend.ts';
import { EventStream } from '../shared/event-stream.ts';
import { permissionIds } from '../shared/permission-ids.ts';
import { RpcClosedError, RpcError } from '../shared/json-rpc.ts';
import { describeRpcError, type AcpConnection } from './connection.ts';
import { createUpdateMapper, describeToolCall, type UpdateMapper } from './update-mapper.ts';

type Json = Record<string, unknown>;
interface PendingPermission { readonly rpcId: number | string; readonly options: Json[] }

export function createGeminiHandle(conn: AcpConnection, vendorId: VendorId): AgentHandle {
  const events = new EventStream();
  const permissions = new Map<string, PendingPermission>();
  let permissionCounter = 0;
  const permissionId = permissionIds('acp');
  let mapper: UpdateMapper | null = null; // set while a prompt is in flight
  let persisted = false;
  // Resolves when the previous turn finished: ACP runs one prompt per session at a time.
  let chain: Promise<unknown> = Promise.resolve();
  let stopping: Promise<void> | null = null;

  const cancelPermissions = () => {
    // ACP: after a cancel the client answers every open permission request with `cancelled`.
    for (const [id, p] of permissions) void conn.peer.respond(p.rpcId, { outcome: { outcome: 'cancelled' } }).catch(() => {});
    permissions.clear();
  };

  conn.setSink({
    update(sessionId, update) {
      // Updates outside a prompt are the history replay of session/load (it may run on after the load
      // answer): the phone already has those messages, so they must not come back as new ones.
      if (sessionId !== vendorId || mapper === null) return;
      for (const e of mapper.map(update)) events.emit(e);
    },
    request(rpcId, method, params) {
      if (method !== 'session/request_permission' || params.sessionId !== vendorId || mapper === null) {
        void conn.peer.respondError(rpcId, -32601, `Baton does not handle ${method} here`).catch(() => {});
        return;
      }
      const id = permissionId(++permissionCounter);
      const options = Array.isArray(params.options) ? (params.options as Json[]) : [];
      permissions.set(id, { rpcId, options });
      const call = (params.toolCall ?? {}) as Json;
      for (const e of mapper.flush()) events.emit(e);
      events.emit({ kind: 'permission-request', permissionId: id, ...describeToolCall(call) });
    },
  });

  void conn.proc.exited.then((exit) => {
    conn.peer.close('the agent exited');
    events.emit({ kind: 'exit', code: exit.code, signal: exit.signal, detail: stopping ? null : conn.proc.describeExit(exit) });
  });

  /** Writes one prompt; resolves once it is out, with a promise for the end of its turn. */
  async function prompt(text: string): Promise<{ finished: Promise<void> }> {
    if (!conn.proc.running) throw new Error('the Gemini agent is not running');
    const turn = createUpdateMapper();
    mapper = turn;
    const done = conn.peer.request<Json>('session/prompt', { sessionId: vendorId, prompt: [{ type: 'text', text }] });
    const finished = done.then(
      (result) => {
        for (const e of turn.flush()) events.emit(e);
        if (result?.stopReason === 'refusal') events.emit({ kind: 'error', text: 'Gemini refused to answer this message' });
        // Gemini writes the chat file as the turn runs; once a turn completed, session/load can find it.
        if (!persisted && (result?.stopReason === 'end_turn' || result?.stopReason === 'max_tokens')) {
          persisted = true;
          events.emit({ kind: 'persisted' });
        }
        events.emit({ kind: 'turn-end' });
      },
      (err: unknown) => {
        if (err instanceof RpcClosedError) return; // the exit event says what happened
        for (const e of turn.flush()) events.emit(e);
        events.emit({ kind: 'error', text: err instanceof RpcError ? describeRpcError(err) : String(err) });
        events.emit({ kind: 'turn-end' });
      },
    ).finally(() => {
      if (mapper === turn) mapper = null;
      cancelPermissions();
    });
    // Resolve once the line is out; a dead pipe shows up as an immediate RpcClosedError.
    await Promise.race([
      done.then(() => undefined, (err: unknown) => {
        if (err instanceof RpcClosedError) throw err;
      }),
      new Promise<void>((resolve) => setImmediate(resolve)),
    ]);
    return { finished };
  }

  const handle: AgentHandle = {
    vendorId,
    pid: conn.proc.pid,
    send(text) {
      const started = chain.then(() => prompt(text));
      chain = started.then((t) => t.finished, () => {});
      return started.then(() => undefined);
    },
    async answerPermission(permissionId, decision) {
      const pending = permissions.get(permissionId);
      if (!pending) throw new Error(`no open permission request ${permissionId}`);
      permissions.delete(permissionId);
      const kinds = decision === 'allow' ? ['allow_once', 'allow_always'] : ['reject_once', 'reject_always'];
      const option = kinds.map((k) => pending.options.find((o) => o.kind === k)).find((o) => o !== undefined);
      const outcome = option ? { outcome: 'selected', optionId: option.optionId } : { outcome: 'cancelled' };
      await conn.peer.respond(pending.rpcId, { outcome });
    },
    async interrupt() {
      if (mapper === null || !conn.proc.running) return;
      await conn.peer.notify('session/cancel', { sessionId: vendorId });
      cancelPermissions();
    },
    stop() {
      stopping ??= conn.stop();
      return stopping;
    },
    onEvent(listener) {
      return events.subscribe(listener);
    },
  };
  return handle;
}
